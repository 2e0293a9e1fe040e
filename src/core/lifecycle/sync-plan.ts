import { mapLimit } from '../util/map-limit.js';
import type { PathFilter } from './sync-filter.js';

// What a sync has to do, from the two sides' listings: copy what is missing or differs,
// and with --delete remove what the source no longer has. Pure: no I/O beyond the
// hashes the entries offer.

/** One file on one side of a sync, by its path relative to the synced root. */
export interface SyncEntry {
  path: string;
  /** The file's own size (a stored delta's original size, not the delta's). */
  size: number;
  /** Its sha256 when already known (recorded in the object's metadata). */
  sha256?: string;
  /** Computes the sha256 (local files): called only when a recorded one must be matched. */
  hash?: () => Promise<string>;
}

export type CopyReason = 'missing' | 'size differs' | 'sha256 differs';

export interface SyncPlan {
  copy: { entry: SyncEntry; reason: CopyReason }[];
  /** Destination entries the source no longer has (only with `delete`). */
  delete: SyncEntry[];
  /** Files already the same on both sides. */
  unchanged: number;
}

export interface PlanOptions {
  delete: boolean;
  filter: PathFilter;
  /** Hashes computed at once. */
  concurrency: number;
}

/**
 * Compares by sha256 where one side records it and the other can compute it, by size
 * otherwise (plain S3 objects record no sha256). Filtered-out paths are left alone on
 * both sides, as `aws s3 sync` does: an excluded file is neither copied nor deleted.
 */
export async function planSync(
  source: readonly SyncEntry[],
  dest: readonly SyncEntry[],
  options: PlanOptions,
): Promise<SyncPlan> {
  const destByPath = new Map(dest.filter((e) => options.filter(e.path)).map((e) => [e.path, e]));
  const sources = source.filter((e) => options.filter(e.path));
  const verdicts = await mapLimit(sources, options.concurrency, (entry) =>
    compare(entry, destByPath.get(entry.path)),
  );
  const plan: SyncPlan = { copy: [], delete: [], unchanged: 0 };
  sources.forEach((entry, i) => {
    const reason = verdicts[i];
    if (reason) plan.copy.push({ entry, reason });
    else plan.unchanged++;
  });
  if (options.delete) {
    const kept = new Set(sources.map((e) => e.path));
    plan.delete = [...destByPath.values()].filter((e) => !kept.has(e.path));
  }
  byPath(plan.copy, (c) => c.entry.path);
  byPath(plan.delete, (e) => e.path);
  return plan;
}

async function compare(a: SyncEntry, b: SyncEntry | undefined): Promise<CopyReason | undefined> {
  if (!b) return 'missing';
  if (a.size !== b.size) return 'size differs';
  const [left, right] = [await known(a, b), await known(b, a)];
  if (left === undefined || right === undefined) return undefined;
  return left === right ? undefined : 'sha256 differs';
}

/** An entry's sha256: recorded, or computed when the other side records one to match. */
async function known(entry: SyncEntry, other: SyncEntry): Promise<string | undefined> {
  if (entry.sha256 !== undefined) return entry.sha256;
  return other.sha256 !== undefined && entry.hash ? entry.hash() : undefined;
}

function byPath<T>(items: T[], path: (item: T) => string): void {
  items.sort((x, y) => (path(x) < path(y) ? -1 : path(x) > path(y) ? 1 : 0));
}
