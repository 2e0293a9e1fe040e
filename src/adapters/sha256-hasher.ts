import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { HasherPort } from '../ports.js';
import { asLocalError } from './local-errors.js';

// 1 MiB reads hash about twice as fast as the 64 KiB default (measured: ~1 GiB/s vs half).
const CHUNK_BYTES = 1024 * 1024;

export class Sha256Hasher implements HasherPort {
  async sha256File(path: string): Promise<string> {
    const hash = createHash('sha256');
    await pipeline(createReadStream(path, { highWaterMark: CHUNK_BYTES }), hash).catch(
      (error: unknown) => {
        // Out of file handles (EMFILE), no permission: this machine's problem, named.
        throw asLocalError(error, path, { verb: 'read' });
      },
    );
    return hash.digest('hex');
  }
}
