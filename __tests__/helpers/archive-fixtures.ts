// Shared by the archive codec tests: a scratch directory and deterministic contents.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

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

/** Deterministic text that compresses like source code (a seeded LCG over a word list). */
export function text(bytes: number, seed: number): Buffer {
  const words = ['delta', 'glider', 'release', 'artifact', 'bucket', 'stream', 'export', 'const'];
  words.push('function', 'return', 'archive', 'version', 'content', '{', '}', '=>', 'await');
  const parts: string[] = [];
  let length = 0;
  let state = seed >>> 0;
  while (length < bytes) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const word = words[(state >>> 8) % words.length]!;
    const part = (state >>> 4) % 9 === 0 ? `${word} ${state % 1000};\n` : `${word} `;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/** Deterministic incompressible bytes. */
export function noise(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let state = seed >>> 0;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** The size of xdelta3's delta from `source` to `target`, with the flags the differ uses. */
export async function xdelta3DeltaBytes(source: string, target: string, out: string) {
  const window = String(256 * 1024 * 1024);
  execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-B', window, '-s', source, target, out]);
  return (await stat(out)).size;
}
