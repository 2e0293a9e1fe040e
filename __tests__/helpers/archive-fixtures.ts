// Shared by the archive codec tests: a scratch directory and deterministic contents.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { DeflateConsumer } from '../../src/adapters/archive/deflate-consumer.js';

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

/**
 * Release `version` (1 or 2) of a tree of 8 text files, as `tar czf` (GNU tar, gzip -6)
 * writes it to `out`: above the 1 MiB delta threshold, compresses like source code; 2.0
 * changes one line in every file. `dir` is scratch for the tree.
 */
export async function tarCzfRelease(dir: string, out: string, version: number): Promise<void> {
  const tree = path.join(dir, `src-${version}`, 'app');
  await mkdir(tree, { recursive: true });
  let x = 42;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  for (let f = 0; f < 8; f++) {
    const lines = Array.from(
      { length: 12000 },
      (_, i) => `${i}: ${next()} ${next() % 977} ${next()}`,
    );
    if (version === 2) lines[500 * f] = 'a change in 2.0';
    await writeFile(path.join(tree, `part-${f}.txt`), lines.join('\n'));
  }
  execFileSync('tar', ['czf', out, '-C', path.dirname(tree), 'app']);
}

/** The size of xdelta3's delta from `source` to `target`, with the flags the differ uses. */
export async function xdelta3DeltaBytes(source: string, target: string, out: string) {
  const window = String(256 * 1024 * 1024);
  execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-B', window, '-s', source, target, out]);
  return (await stat(out)).size;
}
