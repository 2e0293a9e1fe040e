import type { StoragePort } from '../../ports.js';
import { referenceKey, referenceKeyFor } from '../delta-space.js';
import { decodeObject } from '../metadata.js';
import type { DeltaSpace } from '../models.js';
import { mapLimit } from '../util/map-limit.js';

// Which references the deltas of a space need: one HEAD per delta, since only its
// metadata (`dg-ref-key`, `dg-ref-sha256`) says which reference it was made against.

/** What the deltas need: reference key -> the sha256s they were made against. */
export interface ReferenceNeeds {
  needs: Map<string, Set<string>>;
  /**
   * Deltas whose metadata does not say (not written by DeltaGlider, or with control
   * characters): they might need any reference, so none may go.
   */
  unknown: string[];
}

/** HEADs the deltas `keys` (those gone meanwhile are skipped) and collects their references. */
export async function referenceNeeds(
  storage: Pick<StoragePort, 'head'>,
  space: DeltaSpace,
  keys: readonly string[],
  concurrency: number,
): Promise<ReferenceNeeds> {
  const found: ReferenceNeeds = { needs: new Map(), unknown: [] };
  await mapLimit(keys, concurrency, async (key) => {
    const head = await storage.head(space.bucket, key);
    if (!head) return;
    const decoded = decodeObject(head.metadata);
    if (decoded.type !== 'delta' || decoded.unsafe) {
      found.unknown.push(key);
      return;
    }
    // No dg-ref-key: a legacy delta, made against the space's reference.bin.
    const refKey = referenceKeyFor(decoded.refKey ?? referenceKey(space));
    const shas = found.needs.get(refKey) ?? new Set<string>();
    shas.add(decoded.refSha256 ?? '');
    found.needs.set(refKey, shas);
  });
  return found;
}

/** Whether `refKey` may be needed by one of the deltas `needs` describes. */
export function isNeeded(needs: ReferenceNeeds, refKey: string): boolean {
  return needs.unknown.length > 0 || needs.needs.has(refKey);
}

/**
 * Whether a delta may need the reference `refKey` as it was, with `sha256`: one made
 * against it, a legacy one that does not record the sha256, or one that does not say.
 * A delta made against a newer reference at that key (another writer made one after
 * the prune deleted it) does not.
 */
export function needsVersion(needs: ReferenceNeeds, refKey: string, sha256: string): boolean {
  const shas = needs.needs.get(refKey);
  return needs.unknown.length > 0 || shas?.has(sha256) === true || shas?.has('') === true;
}
