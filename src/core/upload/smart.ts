import { extraReferenceKey, formatSpace } from '../delta-space.js';
import type { DeltaSpace } from '../models.js';
import {
  describeReference,
  readReference,
  readSpaceReferences,
  type ReferenceInfo,
} from '../references/catalog.js';
import {
  CHEAP_TRIAL_BYTES,
  fallbackCandidate,
  rankCandidates,
  type ReferencePolicy,
} from '../references/choose.js';
import { familyOf } from '../references/family.js';
import type { Sketch } from '../references/sketch.js';
import type { ReferenceCreator } from './create-reference.js';
import type { UploaderDeps } from './deps.js';
import type { DeltaOutcome, DeltaWriter, Trial } from './deltas.js';
import type { DirectWriter } from './direct.js';
import { catalogKey, type LocalFile } from './local-file.js';

// The smart choice of a reference (docs/format.md, "Several references"): the space's
// catalog of references read once per run, the file's sketch, the trial encodes against
// the ranked candidates, and the rotation into a new reference when none is close enough.

export class SmartReferences {
  private readonly catalogs = new Map<string, Promise<ReferenceInfo[]>>();

  constructor(
    private readonly deps: Pick<UploaderDeps, 'storage' | 'log' | 'sketcher'>,
    private readonly policy: ReferencePolicy,
    private readonly deltas: DeltaWriter,
    private readonly creator: ReferenceCreator,
    private readonly direct: DirectWriter,
  ) {}

  /**
   * Smart references: the file is trial-encoded against its family's newest reference,
   * else the references whose sketches overlap its own; when the best delta is above the
   * rotation ratio (or nothing matches), the file becomes a new reference under
   * `.dg-refs/`, up to the space's cap.
   */
  async store(space: DeltaSpace, file: LocalFile): Promise<DeltaOutcome> {
    const { log } = this.deps;
    const policy = this.policy;
    const refs = await this.catalog(space);
    const sketch = await this.sketchOf(file);
    const ranked = rankCandidates(refs, familyOf(file.name), sketch);
    const full = refs.length >= policy.maxReferences;
    const fallback = full && ranked.length === 0 ? fallbackCandidate(refs) : undefined;
    const candidates = fallback ? [fallback] : ranked;
    const targetSize = file.expanded?.size ?? file.size;
    let best: Trial | undefined;
    try {
      for (const [index, candidate] of candidates.entries()) {
        const goodEnough = best && best.encoded.size <= policy.rotationRatio * file.size;
        if (index > 0 && (goodEnough || targetSize > CHEAP_TRIAL_BYTES)) break;
        const trial = await this.deltas.trial(space, file, candidate.ref);
        if (!trial) continue;
        log.debug(
          `${file.name}: trial against ${candidate.ref.key} (${candidate.why}): ${trial.encoded.size} bytes`,
        );
        if (!best || trial.encoded.size < best.encoded.size) {
          await best?.encoded.dispose();
          best = trial;
        } else await trial.encoded.dispose();
      }
      const ratio = best ? best.encoded.size / Math.max(1, file.size) : Infinity;
      if (ratio > policy.rotationRatio && !full) {
        log.info(
          best
            ? `${file.name}: its best delta is ${(ratio * 100).toFixed(1)}% of the file (rotation ratio ${policy.rotationRatio}); it becomes a new reference`
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
      await best?.encoded.dispose();
    }
  }

  /** The file's content sketch (smart references only), written into a new reference. */
  async sketchOf(file: LocalFile): Promise<Sketch | undefined> {
    const { sketcher } = this.deps;
    if (!sketcher || this.policy.mode !== 'smart') return undefined;
    return sketcher.sketchFile(file.expanded?.path ?? file.path);
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
