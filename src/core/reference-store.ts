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
import { unreadableError } from './form-level.js';
import { decodeObject } from './metadata.js';

/**
 * Where a store takes references from. `cache-first`: the local cache, the bucket on a
 * miss (what is fetched enters the cache). `bucket-only`: always the bucket, kept in
 * scratch space only; a verify must judge what the bucket holds, and a cached copy could
 * hide a reference.bin damaged in the bucket.
 */
export type ReferenceSourcePolicy = 'cache-first' | 'bucket-only';

export interface ReferenceStoreDeps {
  storage: Pick<StoragePort, 'head' | 'download'>;
  hasher: HasherPort;
  cache: ReferenceCachePort;
  files: Pick<LocalFilesPort, 'tempPath' | 'rename' | 'remove'>;
  log: LoggerPort;
  progress?: ProgressPort;
}

/** What a reader of deltas needs from a store: a verified local copy of a reference. */
export type ReferenceSource = Pick<ReferenceStore, 'localCopy'>;

/**
 * Verified local copies of references. A reference is fetched from the bucket at most
 * once per run and store (concurrent callers share one download) and never used unverified.
 */
export class ReferenceStore {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: ReferenceStoreDeps,
    readonly policy: ReferenceSourcePolicy = 'cache-first',
  ) {}

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
    const cached = await this.deps.cache.put(filePath, sha256, { copy: true });
    this.inFlight.set(sha256, Promise.resolve(cached));
  }

  private async fetch(bucket: string, key: string, sha256: string): Promise<string> {
    const { storage, hasher, cache, files, log, progress } = this.deps;
    if (this.policy === 'cache-first') {
      const cached = await cache.get(sha256);
      if (cached) {
        log.debug(`reference ${sha256.slice(0, 12)} found in the local cache`);
        return cached;
      }
    }
    const temp = files.tempPath('reference.bin');
    try {
      const head = await storage.head(bucket, key);
      if (!head) {
        throw new NotFoundError(
          `The reference ${formatS3Url(bucket, key)} is missing`,
          'Deltas in this DeltaSpace cannot be rebuilt without it; restore it from a backup or re-upload the files',
        );
      }
      // A reference in a form a newer release wrote is not read either (form-level.ts).
      const { unreadable } = decodeObject(head.metadata);
      if (unreadable) throw unreadableError(formatS3Url(bucket, key), unreadable);
      log.info(`Downloading reference ${formatS3Url(bucket, key)}`);
      await inStep(progress, key, 'downloading the reference', head.size, (onProgress) =>
        storage.download(bucket, key, temp, { onProgress }),
      );
      const actual = await hasher.sha256File(temp);
      if (actual !== sha256) {
        throw new IntegrityError(
          `The reference ${formatS3Url(bucket, key)} is corrupt: its sha256 is ${actual}, expected ${sha256}`,
          'The bucket object was changed behind DeltaGlider; deltas against it cannot be trusted',
        );
      }
      if (this.policy === 'cache-first') return await cache.put(temp, sha256);
      // Scratch space goes with the run, so a bucket-only copy never outlives it.
      const kept = files.tempPath(`reference-${sha256.slice(0, 16)}.bin`);
      await files.rename(temp, kept);
      return kept;
    } finally {
      await files.remove(temp);
    }
  }
}
