import { stat } from 'node:fs/promises';
import type {
  DeleteFailure,
  ListedObject,
  Metadata,
  ObjectHead,
  ProgressOptions,
  PutOptions,
  PutOutcome,
  StoragePort,
  VersionMismatch,
  VersionOptions,
} from '../ports.js';
import { formatBytes } from '../core/format.js';
import { terminalText } from './output.js';

// One status line on stderr while a command runs, only when stderr is a terminal: never
// in pipes, logs or CI. It is redrawn at most every `intervalMs` and erased before any
// other message and at the end.

const ERASE_LINE = '\r\x1b[K';

export class Progress {
  private drawn = false;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private text = '';
  private ticker?: ReturnType<typeof setInterval>;
  private readonly started: number;

  constructor(
    private readonly write: (text: string) => void,
    readonly enabled: boolean,
    private readonly columns = 100,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
    if (enabled) {
      // Keeps the elapsed time moving during one long transfer; never holds the process open.
      this.ticker = setInterval(() => this.draw(), 1000);
      this.ticker.unref();
    }
  }

  /** Sets the status text; drawn now unless the last draw was under `intervalMs` ago. */
  update(text: string): void {
    this.text = text;
    if (this.now() - this.lastDraw >= this.intervalMs) this.draw();
  }

  /** Erases the status line (before another message is printed); the next update redraws it. */
  clear(): void {
    if (!this.drawn) return;
    this.write(ERASE_LINE);
    this.drawn = false;
  }

  /** Erases the line for good. */
  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.clear();
  }

  private draw(): void {
    if (!this.enabled || this.text === '') return;
    this.lastDraw = this.now();
    const seconds = Math.floor((this.now() - this.started) / 1000);
    const line = `[${seconds}s] ${terminalText(this.text)}`;
    const fitted = line.length > this.columns - 1 ? `${line.slice(0, this.columns - 2)}…` : line;
    this.write(ERASE_LINE + fitted);
    this.drawn = true;
  }
}

/**
 * A StoragePort that reports its traffic to a Progress: objects and bytes moved so far,
 * objects examined (HEAD), and the transfer running now.
 */
export function trackStorage(inner: StoragePort, progress: Progress): StoragePort {
  let transferred = 0;
  let bytes = 0;
  let examined = 0;
  const running = new Set<string>();
  const show = () => {
    // HEAD counts matter while nothing moves (stats, listings); then transfers do.
    const counts =
      transferred === 0 && running.size === 0
        ? `${examined} objects examined`
        : `${transferred} transferred (${formatBytes(bytes)})`;
    const now = [...running].at(-1);
    progress.update(counts + (now ? ` · ${now}` : ''));
  };
  const transfer = async (label: string, path: string, run: () => Promise<void>) => {
    running.add(label);
    show();
    try {
      await run();
      transferred++;
      bytes += await stat(path).then(
        (s) => s.size,
        () => 0,
      );
    } finally {
      running.delete(label);
      show();
    }
  };
  return {
    async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
      const head = await inner.head(bucket, key);
      examined++;
      show();
      return head;
    },
    list(bucket: string, prefix: string): AsyncIterable<ListedObject> {
      progress.update(`listing s3://${bucket}/${prefix}`);
      return inner.list(bucket, prefix);
    },
    async download(
      bucket: string,
      key: string,
      destPath: string,
      options?: ProgressOptions & VersionOptions,
    ): Promise<void | 'changed'> {
      let outcome: void | 'changed' = undefined;
      await transfer(`↓ ${key}`, destPath, async () => {
        outcome = await inner.download(bucket, key, destPath, options);
      });
      return outcome;
    },
    async upload(
      bucket: string,
      key: string,
      srcPath: string,
      metadata: Metadata,
      options?: PutOptions,
    ): Promise<PutOutcome> {
      let outcome: PutOutcome = 'created';
      await transfer(`↑ ${key}`, srcPath, async () => {
        outcome = await inner.upload(bucket, key, srcPath, metadata, options);
      });
      return outcome;
    },
    replaceMetadata(bucket: string, key: string, metadata: Metadata, ifMatch: string) {
      progress.update(`marking ${key}`);
      return inner.replaceMetadata(bucket, key, metadata, ifMatch);
    },
    delete(bucket: string, key: string, options?: VersionOptions): Promise<void | VersionMismatch> {
      progress.update(`deleting ${key}`);
      return inner.delete(bucket, key, options);
    },
    deleteMany(bucket: string, keys: readonly string[]): Promise<DeleteFailure[]> {
      progress.update(`deleting ${keys.length} objects`);
      return inner.deleteMany(bucket, keys);
    },
  };
}
