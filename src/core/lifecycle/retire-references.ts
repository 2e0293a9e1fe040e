import { randomBytes } from 'node:crypto';
import type { LoggerPort, ObjectHead, StoragePort } from '../../ports.js';
import { DELTA_SUFFIX, formatSpace } from '../delta-space.js';
import type { DeltaSpace } from '../models.js';
import { readReference } from '../references/catalog.js';
import { withMark, withoutMark, type RetiringState } from '../references/retiring.js';
import { formatS3Url } from '../s3-url.js';
import { walkTree, type Directory } from '../tree.js';
import { isNeeded, referenceNeeds, type ReferenceNeeds } from './prune-references.js';

// The steps of the deletion protocol for references (docs/lifecycle.md), shared by every
// command that deletes one: MARK (a conditional copy adding dg-retiring), LOOK (the
// space's deltas listed after the mark was seen; one that needs it revives it) and
// DELETE (after a HEAD shows the same bytes and mark). When to go from MARK to LOOK (the
// grace) is the caller's.

/** Moments of the protocol where tests race a writer against it (raceSeam). */
export type RetireMoment = 'after-mark' | 'before-delete' | 'after-delete';

/** Progress of the protocol, for the shells' lines. */
export type RetireEvent =
  | { kind: 'marked'; space: DeltaSpace; key: string }
  | { kind: 'revived'; space: DeltaSpace; key: string }
  | { kind: 'checking-references'; space: DeltaSpace; deltas: number };

export interface RetireDeps {
  storage: StoragePort;
  log: LoggerPort;
  /** HEADs in flight. */
  concurrency: number;
  /** Tells one marking from another (default: 16 random hex digits). */
  token?: () => string;
  /** Deletes keys of the space (the caller's batches and progress). */
  deleteAll: (space: DeltaSpace, keys: readonly string[]) => Promise<void>;
  raceSeam?: (moment: RetireMoment, space: DeltaSpace, keys: readonly string[]) => Promise<void>;
  onEvent?: (event: RetireEvent) => void;
}

/** A reference the protocol meant to change but found changed first: left as it is. */
export interface SkippedReference {
  key: string;
  /** `changed`: not the version examined any more (other bytes, another mark, gone). */
  reason: 'changed';
}

/** What the protocol did to references, filled in as it goes. */
export interface RetireOutcome {
  /** Deleted: marked, and no delta needed them on the look after. */
  removedReferences: { key: string; size: number }[];
  /** Were marked, but a delta needs them: the mark was removed. */
  revivedReferences: string[];
  /** Left as they are: changed since examined. */
  skippedReferences: SkippedReference[];
}

/** A reference of the space as its HEAD showed it. */
export interface Examined {
  key: string;
  size: number;
  sha256: string;
  head: ObjectHead;
  retiring: RetiringState;
  lastModified?: Date;
}

export class ReferenceRetirer {
  private readonly token: () => string;

  constructor(private readonly deps: RetireDeps) {
    this.token = deps.token ?? (() => randomBytes(8).toString('hex'));
  }

  /**
   * MARK, LOOK and DELETE in one go (no grace): what rm, rm -r and sync --delete do
   * with the references they found unneeded.
   */
  async retireNow(space: DeltaSpace, keys: readonly string[], result: RetireOutcome) {
    const refs = await this.examine(space, {
      reference: undefined,
      extraReferences: keys.map((key) => ({ key, size: 0 })),
    });
    const marked = refs.filter((r) => r.retiring.kind === 'retiring');
    const fresh = await this.markAll(
      space,
      refs.filter((r) => r.retiring.kind !== 'retiring'),
      new Date(),
      result,
    );
    const due = [...marked, ...fresh];
    if (due.length > 0) await this.retire(space, due, result);
  }

  /** HEADs the references of `level`: the bytes they declare and whether they are marked. */
  async examine(
    space: DeltaSpace,
    level: Pick<Directory, 'reference' | 'extraReferences'>,
  ): Promise<Examined[]> {
    const { storage, log } = this.deps;
    const examined: Examined[] = [];
    for (const ref of [level.reference, ...level.extraReferences]) {
      if (!ref) continue;
      const read = await readReference(storage, space.bucket, ref.key).catch((error: Error) => {
        // Not DeltaGlider's, or unreadable: keeping it is always safe.
        log.info(`${formatS3Url(space.bucket, ref.key)}: kept (${error.message})`);
        return undefined;
      });
      if (read?.kind !== 'found') continue;
      examined.push({
        key: ref.key,
        size: read.head.size,
        sha256: read.sha256,
        head: read.head,
        retiring: read.retiring,
        lastModified: read.head.lastModified ?? ref.lastModified,
      });
    }
    return examined;
  }

  /** Which references the deltas of `level` need (every delta needs reference.bin alone). */
  async needsOf(
    space: DeltaSpace,
    level: Directory,
    deltas: readonly string[],
    any: boolean,
  ): Promise<ReferenceNeeds> {
    if (!any) return { needs: new Map(), unknown: [] };
    if (level.extraReferences.length === 0) {
      const all = level.reference && deltas.length > 0;
      return { needs: new Map(all ? [[level.reference!.key, new Set([''])]] : []), unknown: [] };
    }
    this.deps.onEvent?.({ kind: 'checking-references', space, deltas: deltas.length });
    const needs = await referenceNeeds(this.deps.storage, space, deltas, this.deps.concurrency);
    if (needs.unknown.length > 0) {
      this.deps.log.info(
        `${formatSpace(space)}: ${needs.unknown.length} delta(s) do not say which reference they need (such as ${needs.unknown[0]}): keeping every reference`,
      );
    }
    return needs;
  }

  /** MARK: each reference in `refs`, if still the version examined. Those marked. */
  async markAll(
    space: DeltaSpace,
    refs: readonly Examined[],
    now: Date,
    result: RetireOutcome,
  ): Promise<Examined[]> {
    const marked: Examined[] = [];
    for (const ref of refs) {
      const mark = { since: now, token: this.token() };
      const metadata = withMark(ref.head.metadata, mark);
      if (!(await this.rewrite(space, ref, metadata, result))) continue;
      this.deps.log.info(`Marked ${formatS3Url(space.bucket, ref.key)} to retire`);
      this.deps.onEvent?.({ kind: 'marked', space, key: ref.key });
      marked.push({
        ...ref,
        head: { ...ref.head, metadata },
        retiring: { kind: 'retiring', mark },
      });
    }
    return marked;
  }

  /** A marked reference a delta needs again: the mark goes, uploaders may choose it. */
  async revive(space: DeltaSpace, ref: Examined, result: RetireOutcome) {
    if (!(await this.rewrite(space, ref, withoutMark(ref.head.metadata), result))) return;
    this.deps.log.info(
      `${formatS3Url(space.bucket, ref.key)}: a delta needs it; no longer retiring`,
    );
    this.deps.onEvent?.({ kind: 'revived', space, key: ref.key });
    result.revivedReferences.push(ref.key);
  }

  /** Rewrites a reference's metadata if it is still the version examined; else records it skipped. */
  async rewrite(
    space: DeltaSpace,
    ref: Examined,
    metadata: Record<string, string>,
    result: RetireOutcome,
  ): Promise<boolean> {
    const outcome = ref.head.etag
      ? await this.deps.storage.replaceMetadata(space.bucket, ref.key, metadata, ref.head.etag)
      : 'changed';
    if (outcome === 'replaced') return true;
    result.skippedReferences.push({ key: ref.key, reason: 'changed' });
    return false;
  }

  /**
   * LOOK and DELETE: references marked long enough go, unless the space's deltas, listed
   * now (after their marks were seen), need one, or one is no longer the version marked.
   */
  async retire(space: DeltaSpace, due: readonly Examined[], result: RetireOutcome) {
    const { storage } = this.deps;
    const keys = due.map((r) => r.key);
    await this.deps.raceSeam?.('after-mark', space, keys);
    const level = await readLevel(storage, space);
    const needs = await this.needsOf(space, level, deltaKeysIn(level), true);
    const go: Examined[] = [];
    for (const ref of due) {
      if (isNeeded(needs, ref.key)) await this.revive(space, ref, result);
      else if (await stillMarked(storage, space, ref)) go.push(ref);
      else result.skippedReferences.push({ key: ref.key, reason: 'changed' });
    }
    const goKeys = go.map((r) => r.key);
    await this.deps.raceSeam?.('before-delete', space, goKeys);
    await this.deps.deleteAll(space, goKeys);
    result.removedReferences.push(...go.map((r) => ({ key: r.key, size: r.size })));
    await this.deps.raceSeam?.('after-delete', space, goKeys);
  }
}

/** A HEAD right before the DELETE: the same bytes, and the same mark as examined. */
async function stillMarked(storage: StoragePort, space: DeltaSpace, ref: Examined) {
  const now = await readReference(storage, space.bucket, ref.key).catch(() => undefined);
  const was = ref.retiring;
  return (
    now?.kind === 'found' &&
    now.sha256 === ref.sha256 &&
    now.retiring.kind === 'retiring' &&
    was.kind === 'retiring' &&
    now.retiring.mark.token === was.mark.token
  );
}

/** The space's own level, listed now. */
export async function readLevel(storage: StoragePort, space: DeltaSpace): Promise<Directory> {
  const prefix = space.prefix === '' ? '' : `${space.prefix}/`;
  const found = (await walkTree(storage, space.bucket, prefix)).find(
    (d) => d.prefix === space.prefix,
  );
  return found ?? { prefix: space.prefix, objects: [], extraReferences: [] };
}

export function deltaKeysIn(level: Directory): string[] {
  return level.objects.map((o) => o.key).filter((k) => k.endsWith(DELTA_SUFFIX));
}
