// One Actions cache entry per reference. References are immutable and named by their
// sha256, so the key needs nothing else: every branch and workflow that can see the
// entry shares it. Bump the version to orphan every entry after a layout change.
const KEY_PREFIX = 'deltaglider-ref-v1-';

/** A reference this step wants in the Actions cache, handed from main to post. */
export interface ReferenceCacheEntry {
  sha256: string;
  /** The cache key (`keyFor(sha256)`). */
  key: string;
  /**
   * The exact path string given to `restoreCache` and `saveCache`: the cache version
   * hashes it, so a save under any other spelling of the same file is never restored.
   */
  path: string;
}

export function keyFor(sha256: string): string {
  return `${KEY_PREFIX}${sha256}`;
}
