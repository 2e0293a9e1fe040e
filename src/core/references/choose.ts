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
   * A file whose best delta is above this fraction of its size becomes a new reference
   * (of its family) instead: later versions then delta against it.
   */
  rotationRatio: number;
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
 * current reference, after rotations), then the others by sketch similarity.
 */
export function rankCandidates(
  refs: readonly ReferenceInfo[],
  family: string,
  sketch: Sketch | undefined,
): Candidate[] {
  const scored = refs.map((ref) => ({
    ref,
    similarity: sketch && ref.sketch ? similarity(sketch, ref.sketch) : undefined,
  }));
  const newestFirst = (a: ReferenceInfo, b: ReferenceInfo) =>
    a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.key < b.key ? -1 : 1;
  const family_ = scored
    .filter((s) => s.ref.family === family)
    .sort((a, b) => newestFirst(a.ref, b.ref))
    .map((s): Candidate => ({ ...s, why: 'family' }));
  const similar = scored
    .filter((s) => s.ref.family !== family && (s.similarity ?? 0) >= MIN_SIMILARITY)
    .sort((a, b) => b.similarity! - a.similarity! || newestFirst(a.ref, b.ref))
    .map((s): Candidate => ({ ...s, why: 'similar' }));
  return [...family_.slice(0, 1), ...similar, ...family_.slice(1)].slice(0, MAX_TRIALS);
}

/**
 * Today's choice when nothing matches and no reference may be added: the space's own
 * reference.bin (or the first one listed).
 */
export function fallbackCandidate(refs: readonly ReferenceInfo[]): Candidate | undefined {
  const ref = refs.find((r) => r.root) ?? refs[0];
  return ref && { ref, why: 'fallback' };
}
