// Go's compress/flate as a recipe engine: what Go's archive/zip (level 5 by default),
// compress/gzip (level 6 by default) and goreleaser (level 9 for both) write. Streams: each
// chunk of content is compressed and its output handed on before the next is read; memory
// is fixed (a 64 KiB window and Go's hash tables, under 1 MiB).
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { DeflateConsumer } from '../deflate-engines.js';
import { GoCompressor, HUFFMAN_ONLY } from './compressor.js';

export interface GoFlateRecipe {
  engine: 'go';
  /** Go's level: 0–9, or -2 for flate.HuffmanOnly. */
  level: number;
}

/** Recorded in the expanded form's `producers`. */
export const GO_FLATE_PRODUCER = 'go-flate 1 (port of Go 1.19 compress/flate)';

/** Most used first: goreleaser (9), archive/zip (5), gzip's default (6), BestSpeed (1). */
const GO_LEVELS = [9, 5, 6, 1, 7, 8, 4, 3, 2, 0, HUFFMAN_ONLY];

export function goFlate(level: number): GoFlateRecipe {
  return { engine: 'go', level };
}

/** Go candidates, the container's likely levels first. */
export function goFlateCandidates(likelyLevels: readonly number[] = []): GoFlateRecipe[] {
  const levels = [...likelyLevels.filter((level) => GO_LEVELS.includes(level)), ...GO_LEVELS];
  return [...new Set(levels)].map(goFlate);
}

export function describeGoFlate(recipe: GoFlateRecipe): string {
  return `go-flate level ${recipe.level}`;
}

/** Go's level from an untrusted recipe, or undefined when it is not one Go has. */
export function goFlateLevel(value: unknown): number | undefined {
  return typeof value === 'number' && GO_LEVELS.includes(value) ? value : undefined;
}

export async function deflateWithGoFlate(
  recipe: GoFlateRecipe,
  content: Readable,
  consume: DeflateConsumer,
): Promise<void> {
  try {
    await consume(goDeflate(recipe.level, content));
  } finally {
    content.destroy();
  }
}

async function* goDeflate(level: number, content: Readable): AsyncGenerator<Buffer> {
  const compressor = new GoCompressor(level);
  for await (const piece of content as AsyncIterable<Buffer>) {
    // One long Write, as io.Copy's 32 KiB chunks and single Writes both amount to.
    compressor.write(piece, false);
    for (const out of compressor.take()) yield Buffer.from(out.buffer, out.byteOffset, out.length);
  }
  compressor.close();
  for (const out of compressor.take()) yield Buffer.from(out.buffer, out.byteOffset, out.length);
}

/** Go's Close always ends the stream with an empty final stored block: 00 00 ff ff. */
const GO_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Orders candidates for one deflate stream by its last bytes, read once: Go always ends
 * with an empty stored block, so for a stream that does, Go's levels go first (the other
 * engines cannot have made it unless they flushed the same way); for one that does not,
 * Go's are dropped, and other archives pay nothing for them.
 */
export async function orderForGoTail<R extends { engine: string }>(
  handle: FileHandle,
  start: number,
  length: number,
  candidates: readonly R[],
): Promise<readonly R[]> {
  if (!candidates.some((recipe) => recipe.engine === 'go')) return candidates;
  const tail = Buffer.alloc(GO_TAIL.length);
  const at = start + length - tail.length;
  const { bytesRead } =
    length > tail.length ? await handle.read(tail, 0, tail.length, at) : { bytesRead: 0 };
  const isGo = (recipe: R) => recipe.engine === 'go';
  if (bytesRead !== tail.length || !tail.equals(GO_TAIL)) {
    return candidates.filter((recipe) => !isGo(recipe));
  }
  return [...candidates.filter(isGo), ...candidates.filter((recipe) => !isGo(recipe))];
}
