// Synthetic release artifacts for tests, the demo and the benchmark: a binary-looking
// file and a "next version" of it with scattered edits and an insertion near the start,
// the shape of change that real consecutive builds show. Written in chunks, so any size
// can be made without holding it in memory.
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createHash } from 'node:crypto';

const CHUNK = 1 << 20;

/** A tiny deterministic PRNG (xorshift32): the same seed gives the same bytes. */
function prng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Pseudo-random bytes with some repetition (like code and data sections). */
function fill(buffer, next) {
  for (let i = 0; i < buffer.length; i += 4) {
    const value = next();
    // One word in eight repeats a small vocabulary: compressible, binary-looking.
    const word = (value & 7) === 0 ? 0x90909090 : value;
    buffer.writeUInt32LE(word >>> 0, i);
  }
}

async function write(stream, chunk) {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function close(stream) {
  stream.end();
  await once(stream, 'finish');
}

/** Writes `size` bytes (a multiple of 4) of artifact-like content to `path`. */
export async function writeArtifact(path, size, seed = 1) {
  const next = prng(seed);
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += CHUNK) {
    const buffer = Buffer.alloc(Math.min(CHUNK, size - written) & ~3);
    fill(buffer, next);
    await write(out, buffer);
  }
  await close(out);
}

/**
 * Writes the "next version" of `srcPath` to `destPath`: `insertBytes` new bytes near the
 * start (which shifts everything after them) and `edits` small edits spread over the file.
 */
export async function writeNextVersion(
  srcPath,
  destPath,
  { edits = 16, insertBytes = 4096, seed = 2 } = {},
) {
  const next = prng(seed);
  const out = createWriteStream(destPath);
  let inserted = false;
  for await (const chunk of createReadStream(srcPath, { highWaterMark: CHUNK })) {
    const copy = Buffer.from(chunk);
    for (let i = 0; i < Math.max(1, Math.round((edits * copy.length) / CHUNK / 8)); i++) {
      const at = next() % copy.length;
      copy[at] = next() & 0xff;
    }
    if (!inserted && copy.length > 1024) {
      const extra = Buffer.alloc(insertBytes & ~3);
      fill(extra, next);
      await write(out, copy.subarray(0, 1024));
      await write(out, extra);
      await write(out, copy.subarray(1024));
      inserted = true;
    } else {
      await write(out, copy);
    }
  }
  await close(out);
}

/** sha256 of a file, streamed. */
export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk);
  return hash.digest('hex');
}
