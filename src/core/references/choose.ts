import type { ReferenceInfo } from './catalog.js';
import { similarity, type Sketch } from './sketch.js';

// Which references a file is trial-encoded against, from what the bucket's metadata says
// (names and sketches): no reference is downloaded just to be looked at.

/** How a DeltaSpace's references are chosen and created (inputs `references`, ...). */
export interface ReferencePolicy {
  /**
   * `smart`: several references per space, chosen per file; `single`: the space's first
   * file is its only reference (DeltaGlider's behaviour).
   */
  mode: 'smart' | 'single';
  /**
   * A file whose best delta against its own family's reference is above this fraction
   * of its size becomes the family's new reference: later versions then delta against it.
   */
  rotationRatio: number;
  /**
   * A file whose family has no reference yet becomes its first one when its best delta
   * (against another family's reference) is above this fraction of its size. Default:
   * the rotation ratio, as measured (newReferenceAbove); the train bench sweeps it.
   */
  seedRatio?: number;
  /** References a space may hold, `reference.bin` included; at the cap none are added. */
  maxReferences: number;
}

/** Defaults measured on a release train (BENCHMARKS.md, "Release train"). */
export const DEFAULT_REFERENCE_POLICY: ReferencePolicy = {
  mode: 'smart',
  rotationRatio: 0.5,
  maxReferences: 32,
};

export const SINGLE_REFERENCE: ReferencePolicy = { ...DEFAULT_REFERENCE_POLICY, mode: 'single' };

/** Below this estimated share of content, a reference is not worth a trial encode. */
export const MIN_SIMILARITY = 0.03;

/** Trial encodes per file at most; the second only for files up to CHEAP_TRIAL_BYTES. */
export const MAX_TRIALS = 2;
export const CHEAP_TRIAL_BYTES = 64 * 1024 * 1024;

export interface Candidate {
  ref: ReferenceInfo;
  /** `family`: same name but for versions; `similar`: sketches overlap; `fallback`: neither. */
  why: 'family' | 'similar' | 'fallback';
  /** Estimated share of content in common, when both sketches are known. */
  similarity?: number;
}

/**
 * The references to try, best first: the newest of the file's family (the family's
 * current reference, after rotations), then the newest reference of every other family,
 * by sketch similarity (its older references are further from today's files), then the
 * family's older references.
 */
export function rankCandidates(
  refs: readonly ReferenceInfo[],
  family: string,
  sketch: Sketch | undefined,
): Candidate[] {
  const newestFirst = (a: ReferenceInfo, b: ReferenceInfo) =>
    a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.key < b.key ? -1 : 1;
  const byFamily = new Map<string | undefined, ReferenceInfo[]>();
  for (const ref of [...refs].sort(newestFirst)) {
    const line = byFamily.get(ref.family) ?? [];
    line.push(ref);
    byFamily.set(ref.family, line);
  }
  const own = (byFamily.get(family) ?? []).map((ref): Candidate => ({ ref, why: 'family' }));
  // References without a recorded family are unrelated to one another: each stands alone.
  const heads = [...byFamily].flatMap(([line, newest]) =>
    line === family ? [] : line === undefined ? newest : newest.slice(0, 1),
  );
  const similar = heads
    .map((ref) => ({
      ref,
      similarity: sketch && ref.sketch ? similarity(sketch, ref.sketch) : undefined,
    }))
    .filter((s) => (s.similarity ?? 0) >= MIN_SIMILARITY)
    .sort((a, b) => b.similarity! - a.similarity! || newestFirst(a.ref, b.ref))
    .map((s): Candidate => ({ ...s, why: 'similar' }));
  return [...own.slice(0, 1), ...similar, ...own.slice(1)].slice(0, MAX_TRIALS);
}

/**
 * The share of a file's size its delta may reach before the file had better become a
 * reference: the rotation ratio against its own family's reference, the seed ratio when
 * its family has none yet (then the delta is against another line's).
 *
 * A new line seeds at the rotation ratio unless told otherwise, as measured on the
 * release train (BENCHMARKS.md, "Release train"): esbuild's first Windows zip deltas
 * against the Linux reference of its version at 34% of its size, its next versions at
 * 11-17% against their own line's reference but 33% against the Linux one. Seeding there
 * costs 66% of the file more than that first delta and saves about a fifth of the file a
 * release: it pays after about three releases, but the next minor version (65-70% away
 * from every older file) made every line rotate two releases after the seed: seeded at
 * 0.1 the train stored 50.5% of plain, at the rotation ratio 49.0%, no more than the
 * cheapest schedule using only earlier releases' references (49.3%). Rotation is the
 * same trade: a new reference once a delta costs more than half of one.
 */
export function newReferenceAbove(policy: ReferencePolicy, familyHasReference: boolean): number {
  return familyHasReference ? policy.rotationRatio : (policy.seedRatio ?? policy.rotationRatio);
}

/**
 * Today's choice when nothing matches and no reference may be added: the space's own
 * reference.bin (or the first one listed).
 */
export function fallbackCandidate(refs: readonly ReferenceInfo[]): Candidate | undefined {
  const ref = refs.find((r) => r.root) ?? refs[0];
  return ref && { ref, why: 'fallback' };
}
