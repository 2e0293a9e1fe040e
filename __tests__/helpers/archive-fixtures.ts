// Shared by the archive codec tests: a scratch directory and deterministic contents.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DeflateConsumer } from '../../src/adapters/archive/deflate-engines.js';

/** A scratch directory for one test file; `tempPath` never repeats a name. */
export async function scratch(prefix: string) {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  let counter = 0;
  const tempPath = (hint: string): string => {
    counter += 1;
    return path.join(dir, `${counter}-${hint}`);
  };
  return {
    dir,
    tempPath,
    /** Writes `bytes` to a fresh scratch file; resolves to its path. */
    async file(hint: string, bytes: Buffer): Promise<string> {
      const target = tempPath(hint);
      await writeFile(target, bytes);
      return target;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export { noise, text } from '../../scripts/lib/corpus.mjs';

/** What a streaming deflate engine writes for `data`, handed to it in `chunk`-byte pieces. */
export async function deflateInPieces(
  engine: (content: Readable, consume: DeflateConsumer) => Promise<void>,
  data: Buffer,
  chunk: number,
): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
  const out: Buffer[] = [];
  await engine(Readable.from(pieces), async (deflated) => {
    for await (const piece of deflated) out.push(piece);
  });
  return Buffer.concat(out);
}

/** Where two buffers first differ (-1 when equal), for a readable failure. */
export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** The size of xdelta3's delta from `source` to `target`, with the flags the differ uses. */
export async function xdelta3DeltaBytes(source: string, target: string, out: string) {
  const window = String(256 * 1024 * 1024);
  execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-B', window, '-s', source, target, out]);
  return (await stat(out)).size;
}
