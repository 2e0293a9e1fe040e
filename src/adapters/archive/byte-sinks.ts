// Where rebuilt or expanded bytes go: a file, or a comparison against the original.
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DeltaGliderError } from '../../core/errors.js';

export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
}

const BUFFER_BYTES = 1024 * 1024;

/** Appends to a new file through a 1 MiB buffer; `patch` rewrites bytes already written. */
export class FileSink implements ByteSink {
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private buffered = 0;
  private flushed = 0;

  private constructor(private readonly handle: FileHandle) {}

  static async create(path: string): Promise<FileSink> {
    return new FileSink(await open(path, 'w'));
  }

  /** Bytes written so far (buffered included). */
  get position(): number {
    return this.flushed + this.buffered;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.buffered + chunk.length > BUFFER_BYTES) await this.flush();
    if (chunk.length >= BUFFER_BYTES) {
      await this.writeAll(chunk, this.flushed);
      this.flushed += chunk.length;
      return;
    }
    this.buffer.set(chunk, this.buffered);
    this.buffered += chunk.length;
  }

  async patch(position: number, bytes: Uint8Array): Promise<void> {
    await this.flush();
    await this.writeAll(bytes, position);
  }

  /** Drops every byte from `position` on, written or buffered; writing resumes there. */
  async truncate(position: number): Promise<void> {
    if (position > this.position) {
      throw new RangeError(`cannot truncate beyond byte ${this.position}`);
    }
    await this.flush();
    await this.handle.truncate(position);
    this.flushed = position;
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      await this.handle.close();
    }
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.writeAll(this.buffer.subarray(0, this.buffered), this.flushed);
    this.flushed += this.buffered;
    this.buffered = 0;
  }

  private async writeAll(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(
        bytes,
        done,
        bytes.length - done,
        position + done,
      );
      done += bytesWritten;
    }
  }
}

/** The bytes differ from the original at `offset` (relative to the compared range). */
export class Mismatch extends Error {
  constructor(
    readonly offset: number,
    detail: string,
  ) {
    super(`differs from the original at byte ${offset}: ${detail}`);
    this.name = 'Mismatch';
  }
}

/** Signal: the first `limit` bytes matched and the caller asked for no more. */
export class PrefixMatched extends Error {
  constructor(readonly bytes: number) {
    super(`the first ${bytes} bytes match`);
    this.name = 'PrefixMatched';
  }
}

/**
 * Compares what it is given with `length` bytes of an open file from `start`, and throws
 * `Mismatch` at the first difference, so a wrong recompression stops at once.
 * With `limit` below `length`, throws `PrefixMatched` once that many bytes matched.
 */
export class RangeComparer implements ByteSink {
  private readonly window: Buffer;
  private windowStart = 0;
  private windowLength = 0;
  private compared = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly start: number,
    private readonly length: number,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {
    this.window = Buffer.allocUnsafe(Math.max(1, Math.min(BUFFER_BYTES, length)));
  }

  get matchedBytes(): number {
    return this.compared;
  }

  async write(chunk: Uint8Array): Promise<void> {
    let index = 0;
    while (index < chunk.length) {
      if (this.compared >= this.length) {
        throw new Mismatch(this.compared, 'longer than the original');
      }
      if (this.compared >= this.windowStart + this.windowLength) await this.fill();
      const at = this.compared - this.windowStart;
      const count = Math.min(chunk.length - index, this.windowLength - at);
      const mine = chunk.subarray(index, index + count);
      const theirs = this.window.subarray(at, at + count);
      if (Buffer.compare(mine, theirs) !== 0) {
        let first = 0;
        while (mine[first] === theirs[first]) first++;
        throw new Mismatch(this.compared + first, 'different byte');
      }
      index += count;
      this.compared += count;
      if (this.compared >= this.limit && this.limit < this.length) {
        throw new PrefixMatched(this.compared);
      }
    }
  }

  /**
   * Takes `length` bytes from `position` on as matched without comparing them: for bytes
   * already compared elsewhere (compared-streams.ts). Throws `Mismatch` unless the
   * comparison stands exactly at `position` and the range holds that many more bytes.
   */
  skip(position: number, length: number): void {
    if (position !== this.compared) {
      throw new Mismatch(this.compared, `output was expected to stand at byte ${position}`);
    }
    if (this.compared + length > this.length) {
      throw new Mismatch(this.length, 'longer than the original');
    }
    this.compared += length;
  }

  /** Throws unless exactly the whole range was matched. */
  end(): void {
    if (this.compared !== this.length) {
      throw new Mismatch(this.compared, 'shorter than the original');
    }
  }

  private async fill(): Promise<void> {
    const size = Math.min(this.window.length, this.length - this.compared);
    const { bytesRead } = await this.handle.read(this.window, 0, size, this.start + this.compared);
    if (bytesRead < size) {
      throw new DeltaGliderError(
        'the original file shrank while it was being compared',
        undefined,
        {
          code: 'source-changed',
        },
      );
    }
    this.windowStart = this.compared;
    this.windowLength = size;
  }
}

/**
 * `length` bytes of an open file from `start`, read whole (callers bound `length`); throws
 * when the file ends before them.
 */
export async function readAt(handle: FileHandle, start: number, length: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, start + done);
    if (bytesRead === 0) {
      throw new DeltaGliderError('the file ended before the bytes it describes', undefined, {
        code: 'source-changed',
      });
    }
    done += bytesRead;
  }
  return bytes;
}

/**
 * `length` bytes of an open file from `start` as a stream of chunks of at most 1 MiB.
 * (FileHandle.createReadStream leaves a listener on the handle per stream.)
 */
export function streamAt(handle: FileHandle, start: number, length: number): Readable {
  return Readable.from(
    (async function* () {
      for (let done = 0; done < length; done += BUFFER_BYTES) {
        yield await readAt(handle, start + done, Math.min(BUFFER_BYTES, length - done));
      }
    })(),
    { objectMode: false },
  );
}

/** Opens `path` for positional reads, runs `use`, closes it. */
export async function withFile<T>(
  path: string,
  use: (handle: FileHandle) => Promise<T>,
): Promise<T> {
  const handle = await open(path, 'r');
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}
