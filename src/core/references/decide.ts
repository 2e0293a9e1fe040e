import type { ReferenceInfo } from './catalog.js';
import {
  CHEAP_TRIAL_BYTES,
  fallbackCandidate,
  newReferenceAbove,
  rankCandidates,
  type Candidate,
  type ReferencePolicy,
} from './choose.js';
import { familyOf } from './family.js';
import type { Sketch } from './sketch.js';

// The smart-reference decision for one file, apart from storage: which candidates are
// trial-encoded (at most two), which delta is kept, and whether the file had better
// become a new reference. The uploader drives it with real encodes; the release-train
// bench (scripts/bench/train-simulate.mjs) with measured delta sizes.

/** A trial encode's outcome: its size, and how to drop it when another wins. */
export interface SizedTrial {
  size: number;
  dispose(): Promise<void>;
}

export interface Decision<T extends SizedTrial> {
  /** The smallest delta tried (the caller disposes it), if any trial succeeded. */
  best?: T;
  /** The file should become a new reference (room for one is left). */
  newReference: boolean;
  /** The threshold it was judged by, for the log. */
  judgedBy: { name: 'rotation ratio' | 'seed ratio'; ratio: number };
}

export interface DecisionFile {
  name: string;
  /** Bytes of the file: what a new reference costs, and what delta sizes are judged against. */
  size: number;
  /** Bytes the encoder reads (the expanded form of an archive): bounds the second trial. */
  encodedSize: number;
}

/**
 * The references a file is trial-encoded against, in order: its family's and those its
 * sketch overlaps, ranked; in a full space with none of those, the fallback.
 */
export function trialOrder(
  policy: ReferencePolicy,
  refs: readonly ReferenceInfo[],
  name: string,
  sketch: Sketch | undefined,
): Candidate[] {
  const ranked = rankCandidates(refs, familyOf(name), sketch);
  const full = refs.length >= policy.maxReferences;
  const fallback = full && ranked.length === 0 ? fallbackCandidate(refs) : undefined;
  return fallback ? [fallback] : ranked;
}

/**
 * Trial-encodes `file` against the ranked candidates (the second only when the first is
 * not good enough and the file is cheap to encode again), keeps the smallest delta, and
 * says whether the file should become a new reference instead.
 */
export async function decideReference<T extends SizedTrial>(
  policy: ReferencePolicy,
  refs: readonly ReferenceInfo[],
  file: DecisionFile,
  sketch: Sketch | undefined,
  trial: (candidate: Candidate) => Promise<T | undefined>,
): Promise<Decision<T>> {
  const lineHasReference = refs.some((r) => r.family === familyOf(file.name));
  const above = newReferenceAbove(policy, lineHasReference);
  const full = refs.length >= policy.maxReferences;
  const candidates = trialOrder(policy, refs, file.name, sketch);
  let best: T | undefined;
  try {
    for (const [index, candidate] of candidates.entries()) {
      const goodEnough = best && best.size <= above * file.size;
      if (index > 0 && (goodEnough || file.encodedSize > CHEAP_TRIAL_BYTES)) break;
      const tried = await trial(candidate);
      if (!tried) continue;
      if (!best || tried.size < best.size) {
        await best?.dispose();
        best = tried;
      } else await tried.dispose();
    }
  } catch (error) {
    await best?.dispose();
    throw error;
  }
  const ratio = best ? best.size / Math.max(1, file.size) : Infinity;
  return {
    best,
    newReference: ratio > above && !full,
    judgedBy: {
      name: lineHasReference || policy.seedRatio === undefined ? 'rotation ratio' : 'seed ratio',
      ratio: above,
    },
  };
}
