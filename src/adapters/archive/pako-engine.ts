// Vanilla zlib's deflate, through pako (a pure-JS port of zlib 1.2.x): what Python's
// zlib, Java's java.util.zip and most system tools write. Node's bundled zlib is
// Chromium's fork and does not reproduce it. Streams: content is pushed in chunks and the
// output of each push is handed on before the next is read.
import type { Readable } from 'node:stream';
import { Deflate, type DeflateOptions } from 'pako';
import type { ZlibRecipe, ZlibStrategy } from './deflate-recipes.js';
import type { DeflateConsumer } from './deflate-consumer.js';
import { DeltaGliderError } from '../../core/errors.js';

const CHUNK_BYTES = 64 * 1024;

// zlib's own numbers (zlib.h), the same in every port.
const STRATEGY: Record<ZlibStrategy, NonNullable<DeflateOptions['strategy']>> = {
  default: 0,
  filtered: 1,
  huffman: 2,
  rle: 3,
  fixed: 4,
};

/** The pako version, recorded in the expanded form's `producers`. */
export const PAKO_PRODUCER = 'pako 2 (zlib 1.2.x port)';

export async function deflateWithPako(
  recipe: ZlibRecipe,
  content: Readable,
  consume: DeflateConsumer,
): Promise<void> {
  try {
    await consume(pakoDeflate(recipe, content));
  } finally {
    content.destroy();
  }
}

async function* pakoDeflate(recipe: ZlibRecipe, content: Readable): AsyncGenerator<Buffer> {
  const deflater = new Deflate({
    level: recipe.level as DeflateOptions['level'],
    memLevel: recipe.memLevel,
    windowBits: recipe.windowBits,
    strategy: STRATEGY[recipe.strategy],
    raw: true,
    chunkSize: CHUNK_BYTES,
  });
  let pending: Buffer[] = [];
  deflater.onData = (chunk) => pending.push(Buffer.from(chunk as Uint8Array));
  const drain = function* () {
    const out = pending;
    pending = [];
    yield* out;
  };
  for await (const piece of content as AsyncIterable<Buffer>) {
    pushOrThrow(deflater, piece, false);
    yield* drain();
  }
  pushOrThrow(deflater, new Uint8Array(0), true);
  yield* drain();
}

function pushOrThrow(deflater: Deflate, data: Uint8Array, last: boolean): void {
  if (!deflater.push(data, last) || deflater.err) {
    throw new DeltaGliderError(`pako deflate failed: ${deflater.msg || `status ${deflater.err}`}`);
  }
}
