import type {
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ObjectHead,
  StoragePort,
} from '../../ports.js';
import { deleteKeys } from '../delete-keys.js';
import { DELTA_SUFFIX, formatSpace } from '../delta-space.js';
import type { DeltaSpace } from '../models.js';
import { isReferenceNow, readReference } from '../references/catalog.js';
import { formatS3Url } from '../s3-url.js';
import { walkTree, type Directory } from '../tree.js';
import { deltaKeysOf, planFiles, type PruneFile, type PruneRule } from './prune-plan.js';
import type { UncertainFile } from './prune-plan.js';
import { isNeeded, needsVersion, referenceNeeds, type ReferenceNeeds } from './prune-references.js';

// `prune`: old versions out of a DeltaSpace, then the references no delta left needs.
//
// THE RACE. Another writer may store a delta against a reference while a prune decides
// that no delta needs it. No order of "list, then delete" closes that window: a delta
// written between the last look and the DELETE loses its reference. What closes it is
// that both sides check after they act:
//
//   writer (upload/deltas.ts):  PUT delta D (against R)  ->  HEAD R   (gone: store again)
//   prune (here):               DELETE R  ->  LIST + HEAD deltas  (one needs R: put it back)
//
// S3 is strongly consistent, so one of the two always sees the other. If the writer's
// HEAD came after the DELETE, the writer stores D again against a reference that exists.
// If it came before, then D's PUT came before the DELETE too, so the prune's listing,
// which comes after, sees D and restores R: the prune keeps R's bytes (downloaded and
// checked against its sha256) and metadata until it has looked, and puts it back with
// If-None-Match, so it never overwrites a reference another writer made meanwhile.
// Between the DELETE and the restore, a download of D fails and can be retried.
//
// Two more layers make that rare: a reference younger than `referenceGraceSeconds`
// stays (a writer that just made one writes the delta that needs it next), and the
// references judged are those of a listing taken after the files were removed.
//
// A writer that does not check after writing (the DeltaGlider CLI does not) is only
// covered when its delta lands before the prune's last listing: do not run prune while
// such a writer uploads to the same DeltaSpace.

/** References younger than this stay (their delta may be on its way). */
export const DEFAULT_REFERENCE_GRACE_SECONDS = 3600;

export interface PruneDeps {
  storage: StoragePort;
  /** Scratch files: each reference's bytes are kept until the prune has looked again. */
  files: Pick<LocalFilesPort, 'tempPath' | 'remove'>;
  hasher: HasherPort;
  log: LoggerPort;
  /** HEADs in flight (deletes go in batches). */
  concurrency: number;
  /**
   * Scratch bytes the held references may take at once (default HOLD_BYTES): more
   * references go in several rounds, each with its own look again.
   */
  holdBytes?: number;
  /**
   * Runs once the references to delete are chosen and held, just before they are deleted
   * and just after, before the prune looks again: a seam for tests to race a writer
   * against the prune at either moment. Never set in the shells.
   */
  raceSeam?: (
    moment: 'before-delete' | 'after-delete',
    space: DeltaSpace,
    keys: readonly string[],
  ) => Promise<void>;
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
  | { kind: 'restored'; space: DeltaSpace; key: string }
  | { kind: 'checking-references'; space: DeltaSpace; deltas: number };

/** One DeltaSpace's prune: what went (in a dry run: would go) and what came back. */
export interface SpacePruneResult {
  space: DeltaSpace;
  removedFiles: PruneFile[];
  keptFiles: number;
  /** Kept although the rule would remove them: their release order is unknown. */
  uncertainFiles: UncertainFile[];
  removedReferences: { key: string; size: number }[];
  /** Deleted, then put back: a delta written during the prune needs them. */
  restoredReferences: string[];
  freedBytes: number;
}

/** A reference chosen to go, held (its bytes in scratch) until the prune looks again. */
interface Held {
  key: string;
  sha256: string;
  head: ObjectHead;
  path: string;
}

export class Pruner {
  constructor(private readonly deps: PruneDeps) {}

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
    const after = options.dryRun ? undefined : await readLevel(this.deps.storage, space);
    const deltas = after ? deltaKeysIn(after) : deltaKeysOf(plan.keep);
    const candidates = await this.unneeded(space, after ?? directory, deltas, options);
    let removedReferences = candidates;
    const restored: string[] = [];
    if (!options.dryRun && candidates.length > 0) {
      const deleted: string[] = [];
      for (const group of holdGroups(candidates, this.deps.holdBytes ?? HOLD_BYTES)) {
        const outcome = await this.deleteReferences(
          space,
          group.map((c) => c.key),
        );
        deleted.push(...outcome.deleted);
        restored.push(...outcome.restored);
      }
      removedReferences = candidates.filter(
        (c) => deleted.includes(c.key) && !restored.includes(c.key),
      );
    }
    const freedBytes =
      plan.remove.reduce((sum, f) => sum + f.storedBytes, 0) +
      removedReferences.reduce((sum, r) => sum + r.size, 0);
    return {
      space,
      removedFiles: plan.remove,
      keptFiles: plan.keep.length,
      uncertainFiles: plan.uncertain,
      removedReferences,
      restoredReferences: restored,
      freedBytes,
    };
  }

  /** The references of `level` that none of `deltas` needs and that are past the grace. */
  private async unneeded(
    space: DeltaSpace,
    level: Directory,
    deltas: readonly string[],
    options: PruneOptions,
  ): Promise<{ key: string; size: number }[]> {
    const grace = (options.referenceGraceSeconds ?? DEFAULT_REFERENCE_GRACE_SECONDS) * 1000;
    const references = [level.reference, ...level.extraReferences].filter(
      (r) => r !== undefined && (r.lastModified?.getTime() ?? 0) <= options.now.getTime() - grace,
    ) as { key: string; size: number }[];
    if (references.length === 0) return [];
    // With reference.bin alone, every delta was made against it: no HEAD needed.
    if (level.extraReferences.length === 0) return deltas.length > 0 ? [] : references;
    this.deps.onEvent?.({ kind: 'checking-references', space, deltas: deltas.length });
    const needs = await referenceNeeds(this.deps.storage, space, deltas, this.deps.concurrency);
    if (needs.unknown.length > 0) {
      this.deps.log.info(
        `${formatSpace(space)}: ${needs.unknown.length} delta(s) do not say which reference they need (such as ${needs.unknown[0]}): keeping every reference`,
      );
    }
    return references.filter((r) => !isNeeded(needs, r.key));
  }

  /**
   * Deletes the references `keys` (those it could hold), looks again, and puts back any
   * a delta now needs.
   */
  private async deleteReferences(
    space: DeltaSpace,
    keys: readonly string[],
  ): Promise<{ deleted: string[]; restored: string[] }> {
    const { storage, files } = this.deps;
    const held: Held[] = [];
    try {
      for (const key of keys) {
        const kept = await this.hold(space, key);
        if (kept) held.push(kept);
      }
      const heldKeys = held.map((h) => h.key);
      await this.deps.raceSeam?.('before-delete', space, heldKeys);
      let needs: ReferenceNeeds;
      try {
        await this.deleteAll(space, heldKeys);
        await this.deps.raceSeam?.('after-delete', space, heldKeys);
        const deltas = deltaKeysIn(await readLevel(storage, space));
        this.deps.onEvent?.({ kind: 'checking-references', space, deltas: deltas.length });
        needs = await referenceNeeds(storage, space, deltas, this.deps.concurrency);
      } catch (error) {
        // Stopped before it could look again: whether a delta needs them is unknown, so
        // every reference held goes back (a re-run judges them again).
        for (const h of held) await this.restore(space, h).catch(() => undefined);
        throw error;
      }
      const restored: string[] = [];
      for (const h of held.filter((h) => needsVersion(needs, h.key, h.sha256))) {
        this.deps.log.info(
          `A delta written during the prune needs ${formatS3Url(space.bucket, h.key)}: putting it back`,
        );
        await this.restore(space, h);
        this.deps.onEvent?.({ kind: 'restored', space, key: h.key });
        restored.push(h.key);
      }
      return { deleted: heldKeys, restored };
    } finally {
      for (const h of held) await files.remove(h.path);
    }
  }

  /** Puts a held reference back, never over one another writer made meanwhile. */
  private async restore(space: DeltaSpace, h: Held): Promise<void> {
    const { storage, log } = this.deps;
    const outcome = await storage.upload(space.bucket, h.key, h.path, h.head.metadata, {
      ifAbsent: true,
    });
    if (outcome === 'exists' && !(await isReferenceNow(storage, space.bucket, h.key, h.sha256))) {
      log.warning(
        `${formatS3Url(space.bucket, h.key)} was replaced by another writer during the prune; deltas made against the old one no longer rebuild: upload them again (deltaglider verify ${formatSpace(space)} names them)`,
      );
    }
  }

  /** A reference's metadata and bytes (checked against its sha256), or undefined to keep it. */
  private async hold(space: DeltaSpace, key: string): Promise<Held | undefined> {
    const { storage, files, hasher, log } = this.deps;
    const read = await readReference(storage, space.bucket, key).catch(() => undefined);
    if (read?.kind !== 'found') return undefined;
    const path = files.tempPath('reference.bin');
    await storage.download(space.bucket, key, path);
    const sha256 = await hasher.sha256File(path);
    if (sha256 !== read.sha256) {
      await files.remove(path);
      // It could not be put back faithfully: keeping it is always safe.
      log.warning(
        `${formatS3Url(space.bucket, key)} does not match its dg-file-sha256: kept (deltaglider verify shows what it breaks)`,
      );
      return undefined;
    }
    return { key, sha256, head: read.head, path };
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

/**
 * Scratch space held references may take at once: a space's references can add up to
 * more than a runner's disk (32 references of 500 MB), and each is held until the prune
 * has looked again.
 */
export const HOLD_BYTES = 2 * 1024 ** 3;

/**
 * Splits references into rounds of at most `maxBytes` (by their listed sizes), in order;
 * a reference larger than that is a round of its own.
 */
export function holdGroups<T extends { size: number }>(
  refs: readonly T[],
  maxBytes: number,
): T[][] {
  const groups: T[][] = [];
  let bytes = 0;
  for (const ref of refs) {
    const last = groups.at(-1);
    if (last && bytes + ref.size <= maxBytes) {
      last.push(ref);
      bytes += ref.size;
    } else {
      groups.push([ref]);
      bytes = ref.size;
    }
  }
  return groups;
}

/** Keys per deleteMany call: S3's DeleteObjects limit, so progress moves per request. */
const DELETE_BATCH = 1000;

/** The space's own level, listed now. */
async function readLevel(storage: StoragePort, space: DeltaSpace): Promise<Directory> {
  const prefix = space.prefix === '' ? '' : `${space.prefix}/`;
  const found = (await walkTree(storage, space.bucket, prefix)).find(
    (d) => d.prefix === space.prefix,
  );
  return found ?? { prefix: space.prefix, objects: [], extraReferences: [] };
}

function deltaKeysIn(level: Directory): string[] {
  return level.objects.map((o) => o.key).filter((k) => k.endsWith(DELTA_SUFFIX));
}
