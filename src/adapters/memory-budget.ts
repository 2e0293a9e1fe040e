// A weighted semaphore over a memory budget: each run reserves its estimate and waits,
// first come first served, until it fits. A run larger than the whole budget still goes,
// alone, so nothing waits forever.
//
// Users: the xdelta3 differ (several files may be encoded at once, the `concurrency`
// input, each xdelta3 sized to its reference: their memory adds up) and the S3 adapter
// (the part buffers of concurrent multipart uploads).

export class MemoryBudget {
  private inUse = 0;
  private running = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly totalBytes: number) {
    if (!(totalBytes > 0))
      throw new RangeError(`memory budget must be positive, got ${totalBytes}`);
  }

  /** Runs `work` once `bytes` fit in the budget, and gives them back when it settles. */
  async run<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    await this.acquire(bytes);
    try {
      return await work();
    } finally {
      this.release(bytes);
    }
  }

  private acquire(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.take(bytes);
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ bytes, grant }));
  }

  private release(bytes: number): void {
    this.inUse -= bytes;
    this.running--;
    // In arrival order: a big run at the head is not overtaken by later small ones.
    while (this.waiting.length > 0) {
      const head = this.waiting[0] as { bytes: number; grant: () => void };
      if (!this.fits(head.bytes)) break;
      this.waiting.shift();
      this.take(head.bytes);
      head.grant();
    }
  }

  private fits(bytes: number): boolean {
    return this.running === 0 || this.inUse + bytes <= this.totalBytes;
  }

  private take(bytes: number): void {
    this.inUse += bytes;
    this.running++;
  }
}
