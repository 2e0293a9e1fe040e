// Runs a go-flate recipe. Streams: each chunk of content is compressed and its output
// handed on before the next is read; memory is fixed (a 64 KiB window and Go's hash
// tables, under 1 MiB).
import type { Readable } from 'node:stream';
import type { DeflateConsumer } from '../deflate-consumer.js';
import { GoCompressor } from './compressor.js';
import type { GoFlateRecipe } from './recipe.js';

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
