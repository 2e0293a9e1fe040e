import { stat } from 'node:fs/promises';
import type { ReferenceCacheEntry } from './entry.js';

// What the post step may add to the repository's Actions cache (10 GB, shared with the
// user's own caches): at most `cache-max-size` bytes per step. The references this step
// obtained last go first, since the newest reference is the one the next builds are
// deltas against; one that no longer fits is passed over, and smaller ones after it still
// go in. The cache service evicts by its own rules (least recently used, past 7 days
// unused); this cap only bounds what one step adds.

/** 1 GiB: a tenth of the repository's cache, a few references of typical builds. */
export const DEFAULT_ACTIONS_CACHE_MAX_BYTES = 1024 ** 3;

export interface CapChoice {
  save: ReferenceCacheEntry[];
  /** Passed over: over the cap (the bytes they would have taken). */
  over: { count: number; bytes: number };
}

/** The entries to save under `maxBytes`, newest (handed off last) first. */
export async function withinCap(
  entries: readonly ReferenceCacheEntry[],
  maxBytes: number,
): Promise<CapChoice> {
  const choice: CapChoice = { save: [], over: { count: 0, bytes: 0 } };
  let left = maxBytes;
  for (const entry of [...entries].reverse()) {
    // A file that is gone is the save step's to report: keep it in, it costs nothing.
    const bytes = await stat(entry.path).then(
      (s) => s.size,
      () => 0,
    );
    if (bytes <= left && maxBytes > 0) {
      choice.save.push(entry);
      left -= bytes;
    } else {
      choice.over.count++;
      choice.over.bytes += bytes;
    }
  }
  return choice;
}
