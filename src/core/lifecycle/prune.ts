import type { LoggerPort, StoragePort } from '../../ports.js';
import { deleteKeys } from '../delete-keys.js';
import type { DeltaSpace } from '../models.js';
import { formatS3Url } from '../s3-url.js';
import type { Directory } from '../tree.js';
import {
  deltaKeysOf,
  planFiles,
  type PruneFile,
  type PruneRule,
  type UncertainFile,
} from './prune-plan.js';
import { isNeeded, type ReferenceNeeds } from './prune-references.js';
import {
  deltaKeysIn,
  readLevel,
  ReferenceRetirer,
  type Examined,
  type RetireEvent,
  type RetireMoment,
  type SkippedReference,
} from './retire-references.js';

// `prune`: old versions out of a DeltaSpace, then the references no delta left needs,
// by the deletion protocol of docs/lifecycle.md, which argues why no file reported
// stored is lost whatever runs beside it or however the prune stops. In short:
//
//   1. MARK     a reference no delta needs gets `dg-retiring` in its own metadata
//               (a conditional copy onto itself: only the version examined). Uploaders
//               never choose a marked reference, and one that finds the mark when it
//               checks its reference after writing a delta stores the file again.
//   2. WAIT     it may go only once marked for `referenceGraceSeconds`: uploads that
//               chose it before the mark have landed their deltas by then.
//   3. LOOK     a listing and the HEADs of the space's deltas, taken after the mark was
//               seen: a delta that needs it revives it (the mark is removed).
//   4. DELETE   a HEAD right before shows the same bytes and the same mark: then the
//               DELETE. Otherwise it stays, and the record says so.
//
// No step deletes anything a delta needs, even for a moment, so a prune stopped at any
// point (a signal, SIGKILL, a lost connection) leaves every file downloadable; it holds
// no copies and has nothing to put back.

/** References younger than this stay, and a marked one goes only once marked this long. */
export const DEFAULT_REFERENCE_GRACE_SECONDS = 3600;

export type PruneMoment = RetireMoment;

export interface PruneDeps {
  storage: StoragePort;
  log: LoggerPort;
  /** HEADs in flight (deletes go in batches). */
  concurrency: number;
  /** Tells one marking from another (default: 16 random hex digits). */
  token?: () => string;
  /**
   * Runs at each moment of the protocol with the references concerned: after they were
   * marked (or found marked) and before the prune looks again, just before their DELETE,
   * and just after it. A seam for tests to race writers against the prune; never set in
   * the shells.
   */
  raceSeam?: (moment: PruneMoment, space: DeltaSpace, keys: readonly string[]) => Promise<void>;
  onEvent?: (event: PruneEvent) => void;
}

export interface PruneOptions {
  rule: PruneRule;
  dryRun: boolean;
  now: Date;
  referenceGraceSeconds?: number;
}

/** What a prune is doing, for progress lines. */
export type PruneEvent =
  | { kind: 'space'; space: DeltaSpace; index: number; total: number }
  | { kind: 'deleted'; space: DeltaSpace; key: string; done: number; total: number }
  | RetireEvent;

/** A reference marked to retire (in a dry run: that would be), not deleted yet. */
export interface RetiringReference {
  key: string;
  size: number;
  /** When a prune may delete it (its mark plus the grace). */
  deletableAfter: Date;
}

/** One DeltaSpace's prune: what went (in a dry run: would go) and what is on its way. */
export interface SpacePruneResult {
  space: DeltaSpace;
  removedFiles: PruneFile[];
  keptFiles: number;
  /** Kept although the rule would remove them: their release order is unknown. */
  uncertainFiles: UncertainFile[];
  /** Deleted: marked for the grace, and no delta needed them on the last look. */
  removedReferences: { key: string; size: number }[];
  /** Marked, by this run or an earlier one: a later prune deletes them. */
  retiringReferences: RetiringReference[];
  /** Were marked, but a delta needs them: the mark was removed. */
  revivedReferences: string[];
  /** Left as they are: changed since the prune examined them. */
  skippedReferences: SkippedReference[];
  freedBytes: number;
}

/** What the protocol does with each reference after the first look. */
interface Sorted {
  mark: Examined[];
  revive: Examined[];
  /** Marked long enough: deleted after the look again, unless a delta needs them. */
  due: Examined[];
  waiting: RetiringReference[];
}

export class Pruner {
  private readonly retirer: ReferenceRetirer;

  constructor(private readonly deps: PruneDeps) {
    this.retirer = new ReferenceRetirer({
      ...deps,
      deleteAll: (space, keys) => this.deleteAll(space, keys),
    });
  }

  /** Prunes each space in turn (one listing each was taken to find them: `directory`). */
  async prune(
    spaces: readonly { space: DeltaSpace; directory: Directory }[],
    options: PruneOptions,
  ): Promise<SpacePruneResult[]> {
    const results: SpacePruneResult[] = [];
    for (const [index, { space, directory }] of spaces.entries()) {
      this.deps.onEvent?.({ kind: 'space', space, index, total: spaces.length });
      results.push(await this.pruneSpace(space, directory, options));
    }
    return results;
  }

  private async pruneSpace(
    space: DeltaSpace,
    directory: Directory,
    options: PruneOptions,
  ): Promise<SpacePruneResult> {
    const plan = planFiles(directory, options.rule, options.now);
    const fileKeys = plan.remove.flatMap((f) => f.objects.map((o) => o.key));
    if (!options.dryRun) await this.deleteAll(space, fileKeys);
    // Judged on a fresh listing: deltas written since the first one count too.
    const level = options.dryRun ? directory : await readLevel(this.deps.storage, space);
    const deltas = options.dryRun ? deltaKeysOf(plan.keep) : deltaKeysIn(level);
    const refs = await this.retirer.examine(space, level);
    const needs = await this.retirer.needsOf(space, level, deltas, refs.length > 0);
    const sorted = sortReferences(refs, needs, options);
    const result: SpacePruneResult = {
      space,
      removedFiles: plan.remove,
      keptFiles: plan.keep.length,
      uncertainFiles: plan.uncertain,
      removedReferences: [],
      retiringReferences: [...sorted.waiting],
      revivedReferences: [],
      skippedReferences: [],
      freedBytes: plan.remove.reduce((sum, f) => sum + f.storedBytes, 0),
    };
    const grace = graceMs(options);
    if (options.dryRun) {
      for (const ref of sorted.mark) {
        if (grace === 0) result.removedReferences.push({ key: ref.key, size: ref.size });
        else result.retiringReferences.push(retiring(ref, options.now, grace));
      }
      result.removedReferences.push(...sorted.due.map((r) => ({ key: r.key, size: r.size })));
      result.revivedReferences.push(...sorted.revive.map((r) => r.key));
    } else {
      for (const ref of sorted.revive) await this.retirer.revive(space, ref, result);
      const marked = await this.retirer.markAll(space, sorted.mark, options.now, result);
      // Marked now with no grace to wait: due in this run, after the look again.
      const due = [...sorted.due, ...(grace === 0 ? marked : [])];
      for (const ref of grace === 0 ? [] : marked)
        result.retiringReferences.push(retiring(ref, options.now, grace));
      if (due.length > 0) await this.retirer.retire(space, due, result);
    }
    result.freedBytes += result.removedReferences.reduce((sum, r) => sum + r.size, 0);
    return result;
  }

  /**
   * Deletes `keys` in batches (one DeleteObjects request per thousand keys; their order
   * does not matter: files, or references), with a progress event per key.
   */
  private async deleteAll(space: DeltaSpace, keys: readonly string[]): Promise<void> {
    let done = 0;
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      await deleteKeys(this.deps.storage, space.bucket, batch);
      for (const key of batch) {
        this.deps.log.info(`Deleted ${formatS3Url(space.bucket, key)}`);
        this.deps.onEvent?.({ kind: 'deleted', space, key, done: ++done, total: keys.length });
      }
    }
  }
}

function graceMs(options: PruneOptions): number {
  return (options.referenceGraceSeconds ?? DEFAULT_REFERENCE_GRACE_SECONDS) * 1000;
}

function retiring(ref: Examined, since: Date, grace: number): RetiringReference {
  return { key: ref.key, size: ref.size, deletableAfter: new Date(since.getTime() + grace) };
}

/**
 * What each reference is due for, from its HEAD and what the deltas need: needed and
 * marked, revived; not needed, marked (once older than the grace: a writer that just
 * made one writes the delta that needs it next); marked for the grace, due to go.
 */
export function sortReferences(
  refs: readonly Examined[],
  needs: ReferenceNeeds,
  options: PruneOptions,
): Sorted {
  const grace = graceMs(options);
  const now = options.now.getTime();
  const sorted: Sorted = { mark: [], revive: [], due: [], waiting: [] };
  for (const ref of refs) {
    const state = ref.retiring;
    if (isNeeded(needs, ref.key)) {
      if (state.kind !== 'active') sorted.revive.push(ref);
    } else if (state.kind === 'retiring') {
      if (state.mark.since.getTime() + grace <= now) sorted.due.push(ref);
      else sorted.waiting.push(retiring(ref, state.mark.since, grace));
    } else if (state.kind === 'unreadable' || (ref.lastModified?.getTime() ?? 0) <= now - grace) {
      // An unreadable mark is marked again: its wait starts now.
      sorted.mark.push(ref);
    }
  }
  return sorted;
}

/** Keys per deleteMany call: S3's DeleteObjects limit, so progress moves per request. */
const DELETE_BATCH = 1000;

export type { SkippedReference };
