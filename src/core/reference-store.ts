import type {
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ProgressPort,
  ReferenceCachePort,
  StoragePort,
} from '../ports.js';
import { IntegrityError, NotFoundError } from './errors.js';
import { formatS3Url } from './s3-url.js';
import { inStep } from './progress.js';

/** How the references this run needed were obtained: the cache report of the step. */
export interface ReferenceStats {
  cacheHits: number;
  downloads: number;
}

/**
 * Verified local copies of references. A reference is fetched from the bucket at most
 * once per run (concurrent callers share one download) and never used unverified.
 */
export class ReferenceStore {
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly stats: ReferenceStats = { cacheHits: 0, downloads: 0 };

  constructor(
    private readonly storage: StoragePort,
    private readonly hasher: HasherPort,
    private readonly cache: ReferenceCachePort,
    private readonly files: LocalFilesPort,
    private readonly log: LoggerPort,
    private readonly progress?: ProgressPort,
  ) {}

  get report(): ReferenceStats {
    return { ...this.stats };
  }

  /** Path of a local copy of `bucket/key` whose bytes hash to `sha256`. */
  async localCopy(bucket: string, key: string, sha256: string): Promise<string> {
    let pending = this.inFlight.get(sha256);
    if (!pending) {
      pending = this.fetch(bucket, key, sha256);
      this.inFlight.set(sha256, pending);
      // A failed fetch must not poison later attempts.
      pending.catch(() => this.inFlight.delete(sha256));
    }
    return pending;
  }

  /** Keeps a copy of a file we just made the reference, so deltas against it need no GET. */
  async adopt(filePath: string, sha256: string): Promise<void> {
    const cached = await this.cache.put(filePath, sha256, { copy: true });
    this.inFlight.set(sha256, Promise.resolve(cached));
  }

  private async fetch(bucket: string, key: string, sha256: string): Promise<string> {
    const cached = await this.cache.get(sha256);
    if (cached) {
      this.stats.cacheHits++;
      this.log.debug(`reference ${sha256.slice(0, 12)} found in the local cache`);
      return cached;
    }
    const temp = this.files.tempPath('reference.bin');
    try {
      const head = await this.storage.head(bucket, key);
      if (!head) {
        throw new NotFoundError(
          `The reference ${formatS3Url(bucket, key)} is missing`,
          'Deltas in this DeltaSpace cannot be rebuilt without it; restore it from a backup or re-upload the files',
        );
      }
      this.log.info(`Downloading reference ${formatS3Url(bucket, key)}`);
      await inStep(this.progress, key, 'downloading the reference', head.size, (onProgress) =>
        this.storage.download(bucket, key, temp, { onProgress }),
      );
      const actual = await this.hasher.sha256File(temp);
      if (actual !== sha256) {
        throw new IntegrityError(
          `The reference ${formatS3Url(bucket, key)} is corrupt: its sha256 is ${actual}, expected ${sha256}`,
          'The bucket object was changed behind DeltaGlider; deltas against it cannot be trusted',
        );
      }
      this.stats.downloads++;
      return await this.cache.put(temp, sha256);
    } finally {
      await this.files.remove(temp);
    }
  }
}
