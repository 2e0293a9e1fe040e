import { extraReferenceKey, formatSpace } from '../delta-space.js';
import type { DeltaSpace } from '../models.js';
import {
  describeReference,
  readReference,
  readSpaceReferences,
  type ReferenceInfo,
} from '../references/catalog.js';
import type { ReferencePolicy } from '../references/choose.js';
import { decideReference, trialOrder } from '../references/decide.js';
import type { Sketch } from '../references/sketch.js';
import { both } from '../util/both.js';
import type { ReferenceCreator } from './create-reference.js';
import type { UploaderDeps } from './deps.js';
import type { DeltaOutcome, DeltaWriter, Prepared } from './deltas.js';
import type { DirectWriter } from './direct.js';
import { catalogKey, type LocalFile } from './local-file.js';

// The smart choice of a reference (docs/format.md, "Several references"): the space's
// catalog of references read once per run, the file's sketch, the trial encodes against
// the ranked candidates, and the rotation into a new reference when none is close enough.

/** A file's content as smart references see it. */
interface Content {
  sketch?: Sketch;
  /** Bytes a trial encode reads: the view's size for a container, else the file's. */
  bytes: number;
}

export class SmartReferences {
  private readonly catalogs = new Map<string, Promise<ReferenceInfo[]>>();
  private readonly contents = new WeakMap<LocalFile, Promise<Content>>();

  constructor(
    private readonly deps: Pick<UploaderDeps, 'storage' | 'log' | 'sketcher' | 'archives'>,
    private readonly policy: ReferencePolicy,
    private readonly deltas: DeltaWriter,
    private readonly creator: ReferenceCreator,
    private readonly direct: DirectWriter,
  ) {}

  /**
   * Smart references: the file is trial-encoded against its family's newest reference,
   * else the references whose sketches overlap its own; when the best delta is above the
   * rotation ratio (the seed ratio for a family without a reference yet) or nothing
   * matches, the file becomes a new reference under `.dg-refs/`, up to the space's cap.
   */
  async store(space: DeltaSpace, file: LocalFile): Promise<DeltaOutcome> {
    const { log } = this.deps;
    const refs = await this.catalog(space);
    const { sketch, bytes } = await this.contentOf(file);
    const decided = await decideReference(
      this.policy,
      refs,
      { name: file.name, size: file.size, encodedSize: bytes },
      sketch,
      async (candidate) => {
        const trial = await this.deltas.trial(space, file, candidate.ref);
        if (!trial) return undefined;
        log.debug(
          `${file.name}: trial against ${candidate.ref.key} (${candidate.why}): ${trial.encoded.size} bytes`,
        );
        return { ...trial, size: trial.encoded.size, dispose: () => trial.encoded.dispose() };
      },
    );
    const { best, judgedBy } = decided;
    try {
      if (decided.newReference) {
        const ratio = best ? best.size / Math.max(1, file.size) : Infinity;
        log.info(
          best
            ? `${file.name}: its best delta is ${(ratio * 100).toFixed(1)}% of the file (${judgedBy.name} ${judgedBy.ratio}); it becomes a new reference`
            : `${file.name}: no reference of ${formatSpace(space)} shares its content; it becomes a new reference`,
        );
        const created = await this.creator.createExtra(space, file, sketch);
        if (created.kind === 'created') {
          await this.remember(space, extraReferenceKey(space, file.sha256));
          return { kind: 'stored', result: created.result };
        }
      }
      if (!best) return { kind: 'stored', result: await this.direct.putDirect(space, file) };
      return await this.deltas.putTrial(space, file, best);
    } finally {
      await best?.dispose();
    }
  }

  /**
   * Ahead of `store`: reads the space's catalog, sketches the file and fetches the first
   * reference it will be tried against (with its view), all kept for `store`; that
   * reference, if any.
   */
  async prepare(space: DeltaSpace, file: LocalFile): Promise<Prepared | undefined> {
    const content = this.contentOf(file);
    const refs = await this.catalog(space);
    // The family's newest reference comes first whatever the sketch says: fetched while
    // the file is sketched. Otherwise the sketch picks the first.
    const own = trialOrder(this.policy, refs, file.name, undefined)[0];
    if (own?.why === 'family') {
      return (await both(content, this.deltas.prepare(space, own.ref)))[1];
    }
    const first = trialOrder(this.policy, refs, file.name, (await content).sketch)[0];
    return first && this.deltas.prepare(space, first.ref);
  }

  /** The file's content sketch (smart references only), written into a new reference. */
  async sketchOf(file: LocalFile): Promise<Sketch | undefined> {
    return (await this.contentOf(file)).sketch;
  }

  /**
   * What smart references read of a file, once: its sketch and the bytes an encode reads.
   * For a container both come from its view (its content inflated, no recipe needed):
   * the sketch then matches the other releases' content, and making the file a reference
   * costs no expansion. The view is removed once sketched (not kept for the run).
   */
  private contentOf(file: LocalFile): Promise<Content> {
    let pending = this.contents.get(file);
    if (!pending) {
      pending = this.readContent(file);
      this.contents.set(file, pending);
      // Started by `prepare` ahead of `store`: a failure reaches whoever awaits it.
      pending.catch(() => undefined);
    }
    return pending;
  }

  private async readContent(file: LocalFile): Promise<Content> {
    const { sketcher, archives } = this.deps;
    if (!sketcher || this.policy.mode !== 'smart') return { bytes: file.size };
    if (!file.expansion || !archives) {
      return { sketch: await sketcher.sketchFile(file.path), bytes: file.size };
    }
    return archives.readView(file.path, async (view) => ({
      sketch: await sketcher.sketchFile(view?.path ?? file.path),
      bytes: view?.size ?? file.size,
    }));
  }

  /** Drops the space's catalog: read again next time (after a reference changed). */
  forget(space: DeltaSpace): void {
    this.catalogs.delete(catalogKey(space));
  }

  /** Adds a reference this run created to the space's catalog, as its metadata says. */
  private async remember(space: DeltaSpace, refKey: string): Promise<void> {
    const refs = await this.catalog(space);
    const read = await readReference(this.deps.storage, space.bucket, refKey);
    if (read.kind === 'found' && !refs.some((r) => r.key === refKey))
      refs.push(describeReference(refKey, false, read));
  }

  /** The space's references, read once per run (and again after a lost race). */
  private catalog(space: DeltaSpace): Promise<ReferenceInfo[]> {
    const key = catalogKey(space);
    let pending = this.catalogs.get(key);
    if (!pending) {
      pending = readSpaceReferences(this.deps.storage, space);
      this.catalogs.set(key, pending);
      pending.catch(() => this.catalogs.delete(key));
    }
    return pending;
  }
}
