// Runs a gzip recipe with the bundled port of GNU gzip's deflate. Streams: content goes in
// by chunks and each chunk's output is handed on before the next is read; memory is fixed
// (a 64 KiB window, the hash chains and one block's symbols: about 400 KiB).
import type { Readable } from 'node:stream';
import type { DeflateConsumer } from '../deflate-consumer.js';
import { GzipDeflater } from './deflater.js';

export async function deflateWithGzipPort(
  level: number,
  content: Readable,
  consume: DeflateConsumer,
): Promise<void> {
  try {
    await consume(portDeflate(level, content));
  } finally {
    content.destroy();
  }
}

async function* portDeflate(level: number, content: Readable): AsyncGenerator<Buffer> {
  const deflater = new GzipDeflater(level);
  const drain = function* () {
    for (const out of deflater.take()) yield Buffer.from(out.buffer, out.byteOffset, out.length);
  };
  for await (const piece of content as AsyncIterable<Buffer>) {
    deflater.write(piece);
    yield* drain();
  }
  deflater.end();
  yield* drain();
}
