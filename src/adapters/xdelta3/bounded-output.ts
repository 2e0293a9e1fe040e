// xdelta3 writes a decoded file to stdout (-c); this stops it at a size limit, so a delta
// of a few hundred bytes cannot fill the disk with gigabytes of output.
import { open, rm } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { OutputLimitError } from '../../core/output-limit.js';

/** Pipe reads come in 64 KiB pieces; writing them in 1 MiB batches halves the overhead. */
const BATCH_BYTES = 1024 * 1024;

/**
 * Streams `output` into `path` and rejects with OutputLimitError as soon as more than
 * `maxBytes` arrive (no byte past the limit is written); on any failure the file is
 * removed.
 */
export async function writeAtMost(output: Readable, path: string, maxBytes: number) {
  // Read from this very tick: when a child exits, Node discards whatever of its stdout no
  // one has started reading, and opening the file below takes a turn of the event loop.
  const source = output.pipe(new PassThrough({ highWaterMark: BATCH_BYTES }));
  const file = await open(path, 'w');
  let written = 0;
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async () => {
    if (batched === 0) return;
    const chunk = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    for (let done = 0; done < chunk.length;) {
      done += (await file.write(chunk, done, chunk.length - done)).bytesWritten;
    }
  };
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > maxBytes) throw new OutputLimitError(maxBytes);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= BATCH_BYTES) await flush();
    }
    await flush();
    await file.close();
  } catch (error) {
    output.destroy();
    source.destroy();
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}
