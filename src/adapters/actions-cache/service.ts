import * as cache from '@actions/cache';

/**
 * The part of `@actions/cache` the reference cache uses. A seam for tests that need a
 * service which throws; the integration tests run the real library against a loopback
 * server instead.
 */
export interface CacheService {
  isFeatureAvailable(): boolean;
  /** The key that matched, or undefined on a miss (the library logs its own failures). */
  restoreCache(paths: string[], key: string): Promise<string | undefined>;
  /** The cache id, or -1 when nothing was saved (the library logs why). */
  saveCache(paths: string[], key: string): Promise<number>;
}

export const actionsCacheService: CacheService = {
  isFeatureAvailable: () => cache.isFeatureAvailable(),
  restoreCache: (paths, key) => cache.restoreCache(paths, key),
  saveCache: (paths, key) => cache.saveCache(paths, key),
};
