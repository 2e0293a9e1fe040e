// Unpacks a verified archive and finds the xdelta3 executable inside it.
import * as tc from '@actions/tool-cache';
import { chmod, lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeltaGliderError } from '../../../core/errors.js';

export type ArchiveKind = 'tar.gz' | 'zip';

/**
 * The archive type from its first bytes, not from the URL: mirror URLs (presigned, proxied)
 * often end in a query string or no extension at all.
 */
export async function detectArchiveKind(file: string): Promise<ArchiveKind> {
  const handle = await open(file, 'r');
  let magic: Buffer;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    magic = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (magic[0] === 0x1f && magic[1] === 0x8b) return 'tar.gz';
  if (magic.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  throw new DeltaGliderError(
    `The downloaded xdelta3 archive is neither a .tar.gz nor a .zip (first bytes: ` +
      `${magic.toString('hex') || 'none'}). It must be one of those, holding the xdelta3 ` +
      'executable.',
    undefined,
    { code: 'xdelta3-archive' },
  );
}

/** Extracts into a fresh directory under RUNNER_TEMP and returns it. */
export async function extractArchive(file: string, kind: ArchiveKind): Promise<string> {
  return kind === 'zip' ? tc.extractZip(file) : tc.extractTar(file);
}

/**
 * Path of the regular file called `name` nearest the top of `dir` (archives put the binary
 * at the root or one folder down, e.g. `xdelta3-3.0.11/xdelta3`).
 */
export async function findExecutable(dir: string, name: string, maxDepth = 3): Promise<string> {
  let level = [dir];
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const folder of level) {
      for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      )) {
        const path = join(folder, entry.name);
        if (entry.name === name && (await lstat(path)).isFile()) return path;
        if (entry.isDirectory()) next.push(path);
      }
    }
    level = next;
  }
  const top = (await readdir(dir)).join(', ') || 'nothing';
  throw new DeltaGliderError(
    `The xdelta3 archive has no file named ${name} (within ${maxDepth} folders of its root; ` +
      `it holds: ${top}). Package the executable as ${name}.`,
    undefined,
    { code: 'xdelta3-archive' },
  );
}

/** Sets the execute bits archives (zip especially) may have lost; Windows has none. */
export async function makeExecutable(path: string): Promise<void> {
  if (process.platform !== 'win32') await chmod(path, 0o755);
}
