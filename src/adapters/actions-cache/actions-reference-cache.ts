import type { FsReferenceCache } from '../fs-reference-cache.js';
import type { LoggerPort, ReferenceCachePort } from '../../ports.js';
import { keyFor, type ReferenceCacheEntry } from './entry.js';
import type { CacheService } from './service.js';

/** What the Actions cache did for this step. */
export interface ActionsCacheReport {
  /** References restored from the Actions cache (verified): S3 downloads avoided. */
  hits: number;
  /** References looked up in the Actions cache and not found there (or unusable). */
  misses: number;
}

export interface ActionsReferenceCacheOptions {
  service: CacheService;
  log: LoggerPort;
  /** Where "the cache could not help" goes: a notice on runners, never a failure. */
  notice: (message: string) => void;
}

/**
 * The GitHub Actions cache as a second tier behind the local reference cache. A local
 * miss restores `<sha256>.bin` from the Actions cache into the local directory, where
 * the local cache re-hashes it before use, so a damaged entry costs a download, never
 * a wrong file. References this step obtained otherwise are listed for the post step
 * to save (`toSave()`).
 */
export class ActionsReferenceCache implements ReferenceCachePort {
  private available: boolean | undefined;
  /** One restore per sha256 per step; concurrent callers share it. */
  private readonly restores = new Map<string, Promise<string | undefined>>();
  /** Keys the Actions cache already holds (restored, or found unusable): never saved. */
  private readonly inActionsCache = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly stats: ActionsCacheReport = { hits: 0, misses: 0 };

  constructor(
    readonly local: FsReferenceCache,
    private readonly options: ActionsReferenceCacheOptions,
  ) {}

  get report(): ActionsCacheReport {
    return { ...this.stats };
  }

  async get(sha256: string): Promise<string | undefined> {
    const cached = await this.local.get(sha256);
    if (cached || !this.isAvailable()) return cached;
    let restore = this.restores.get(sha256);
    if (!restore) {
      restore = this.restore(sha256);
      this.restores.set(sha256, restore);
    }
    return restore;
  }

  async put(filePath: string, sha256: string, options?: { copy?: boolean }): Promise<string> {
    const path = await this.local.put(filePath, sha256, options);
    if (!this.inActionsCache.has(sha256) && this.isAvailable()) this.pending.add(sha256);
    return path;
  }

  /** References this step created or downloaded and did not restore: the post step saves them. */
  toSave(): ReferenceCacheEntry[] {
    return [...this.pending].map((sha256) => ({
      sha256,
      key: keyFor(sha256),
      path: this.local.pathFor(sha256),
    }));
  }

  private isAvailable(): boolean {
    if (this.available === undefined) {
      this.available = this.options.service.isFeatureAvailable();
      if (!this.available) {
        this.options.notice(
          'The GitHub Actions cache service is not available to this job (no cache service URL in ' +
            'the environment), so references are downloaded from S3 in every job. Set `cache: false` ' +
            'to silence this notice.',
        );
      }
    }
    return this.available;
  }

  private async restore(sha256: string): Promise<string | undefined> {
    const { service, log, notice } = this.options;
    const key = keyFor(sha256);
    const path = this.local.pathFor(sha256);
    let matched: string | undefined;
    try {
      matched = await service.restoreCache([path], key);
    } catch (error) {
      this.stats.misses++;
      notice(
        `Could not restore reference ${sha256.slice(0, 12)} from the GitHub Actions cache ` +
          `(${error instanceof Error ? error.message : String(error)}); downloading it from S3 instead`,
      );
      return undefined;
    }
    if (matched !== key) {
      this.stats.misses++;
      log.debug(`reference ${sha256.slice(0, 12)} is not in the Actions cache (key ${key})`);
      return undefined;
    }
    this.inActionsCache.add(sha256);
    // The local cache re-hashes what the archive put there and drops it when it differs.
    const verified = await this.local.get(sha256);
    if (!verified) {
      this.stats.misses++;
      notice(
        `The GitHub Actions cache entry ${key} did not yield a valid ${path}; downloading the ` +
          "reference from S3 instead. (The entry is immutable: delete it under the repository's " +
          'Actions > Caches so the next job can save a good one.)',
      );
      return undefined;
    }
    this.stats.hits++;
    log.info(`Reference ${sha256.slice(0, 12)} restored from the GitHub Actions cache`);
    return verified;
  }
}
