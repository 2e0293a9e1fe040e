// A loopback HTTP server that serves release archives to @actions/tool-cache, counting
// every request, plus the archives themselves, built at test time around a real binary.
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from '../../scripts/lib/artifacts.mjs';

const run = promisify(execFile);

export interface ToolServer {
  /** URL of a file served under `name`. */
  url(name: string): string;
  /** Paths of every request received, in order (404s included). */
  readonly requests: string[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** Serves `files` (URL name -> local path) on 127.0.0.1; anything else is a 404. */
export async function startToolServer(files: Record<string, string>): Promise<ToolServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    requests.push(path);
    const file = files[path.slice(1)];
    if (request.method !== 'GET' || !file) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  const port = await listen(server);
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL on a loopback port nothing listens on (connections are refused). */
export async function closedPortUrl(name: string): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/${name}`;
}

export interface ArchiveEntry {
  /** Path inside the archive, e.g. `xdelta3` or `xdelta3-3.0.11/xdelta3`. */
  name: string;
  /** Copy this file... */
  from?: string;
  /** ...or write this text. */
  text?: string;
}

/** Packs `entries` into `outFile` with the system tar (gzip) or zip. */
export async function buildArchive(
  kind: 'tar.gz' | 'zip',
  outFile: string,
  entries: ArchiveEntry[],
): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), 'tool-archive-'));
  try {
    for (const entry of entries) {
      const target = join(staging, entry.name);
      await mkdir(dirname(target), { recursive: true });
      if (entry.from) await copyFile(entry.from, target);
      else await writeFile(target, entry.text ?? '');
    }
    const names = entries.map((entry) => entry.name);
    if (kind === 'zip') await run('zip', ['-q', '-X', outFile, ...names], { cwd: staging });
    else await run('tar', ['-czf', outFile, '-C', staging, ...names]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export interface Xdelta3Mirror {
  tools: ToolServer;
  /** The sha256 of the archive served as `xdelta3.tar.gz` (the xdelta3-sha256 input). */
  archiveSha: string;
  /** A PATH with the tools tool-cache shells out to (tar, gzip, sh) and no xdelta3. */
  barePath: string;
}

/**
 * The system xdelta3 packed as a release archive and served as `xdelta3.tar.gz`, plus a
 * PATH without xdelta3: an action run with it must download, verify and cache the binary.
 */
export async function startXdelta3Mirror(dir: string): Promise<Xdelta3Mirror> {
  const which = (tool: string) =>
    execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
  const archive = join(dir, 'xdelta3-linux-x64.tar.gz');
  await buildArchive('tar.gz', archive, [
    { name: 'xdelta3-3.0.11/xdelta3', from: which('xdelta3') },
  ]);
  const archiveSha = await sha256File(archive);
  const tools = await startToolServer({ 'xdelta3.tar.gz': archive });
  const barePath = join(dir, 'bin');
  await mkdir(barePath);
  for (const tool of ['tar', 'gzip', 'sh']) await symlink(which(tool), join(barePath, tool));
  return { tools, archiveSha, barePath };
}
