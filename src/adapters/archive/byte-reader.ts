// Pulls exact byte counts out of a stream of chunks (splitting concatenated gzip members).

/** The source ended before the bytes asked for. */
export class StreamEndedEarly extends Error {
  constructor(readonly missing: number) {
    super(`the stream ended ${missing} bytes early`);
    this.name = 'StreamEndedEarly';
  }
}

export class ByteReader {
  private readonly iterator: AsyncIterator<Buffer>;
  private pending: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next `length` bytes as one buffer (for small headers); short only at the end. */
  async read(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    for await (const chunk of this.take(length, false)) {
      parts.push(Buffer.from(chunk));
      have += chunk.length;
    }
    return Buffer.concat(parts, have);
  }

  /**
   * The next `length` bytes, chunk by chunk. Throws if the source ends first, unless
   * `strict` is off (then it simply stops).
   */
  async *take(length: number, strict = true): AsyncGenerator<Buffer> {
    let left = length;
    while (left > 0) {
      if (this.pending.length === 0) {
        const next = await this.pull();
        if (!next) {
          if (strict) throw new StreamEndedEarly(left);
          return;
        }
        this.pending = next;
      }
      const piece = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Whether the source has no bytes left. */
  async atEnd(): Promise<boolean> {
    if (this.pending.length > 0) return false;
    const next = await this.pull();
    if (!next) return true;
    this.pending = next;
    return false;
  }

  private async pull(): Promise<Buffer | undefined> {
    while (!this.done) {
      const { value, done } = await this.iterator.next();
      if (done) {
        this.done = true;
        return undefined;
      }
      if (value.length > 0) return value;
    }
    return undefined;
  }
}
