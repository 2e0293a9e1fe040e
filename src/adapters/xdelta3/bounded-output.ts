// xdelta3 writes a decoded file to stdout (-c); this stops it at a size limit, so a delta
// of a few hundred bytes cannot fill the disk with gigabytes of output.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutputLimitError } from '../../core/output-limit.js';

/**
 * Streams `output` into `path` and rejects with OutputLimitError as soon as more than
 * `maxBytes` arrive; on any failure the file is removed.
 */
export async function writeAtMost(output: Readable, path: string, maxBytes: number) {
  let written = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      if (written > maxBytes) done(new OutputLimitError(maxBytes));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(output, counter, createWriteStream(path));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}
