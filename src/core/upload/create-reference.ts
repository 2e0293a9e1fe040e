import type { PutOutcome } from '../../ports.js';
import { directKey, extraReferenceKey, formatSpace, referenceKey } from '../delta-space.js';
import { encodeReference, ZERO_DIFF_NOTE } from '../metadata.js';
import type { DeltaSpace, FileResult } from '../models.js';
import { inStep } from '../progress.js';
import { isReferenceNow, readReference } from '../references/catalog.js';
import { encodeSketch, type Sketch } from '../references/sketch.js';
import type { UploaderDeps } from './deps.js';
import type { DeltaWriter } from './deltas.js';
import type { DirectWriter } from './direct.js';
import { fileResult, type LocalFile } from './local-file.js';

// Making a file a reference (the space's `reference.bin`, or an extra one under
// `.dg-refs/`) with its zero-diff delta, and the race protocol around it: a conditional
// PUT, then the reference's metadata read back to tell whose bytes are stored.

/** Creating a reference: done, or another writer's reference is there instead. */
export type CreateOutcome = { kind: 'created'; result: FileResult } | { kind: 'lost-race' };
const LOST_RACE: CreateOutcome = { kind: 'lost-race' };

export class ReferenceCreator {
  constructor(
    private readonly deps: Pick<
      UploaderDeps,
      'storage' | 'clock' | 'log' | 'progress' | 'references'
    >,
    private readonly deltas: DeltaWriter,
    private readonly direct: DirectWriter,
  ) {}

  /**
   * Makes `file` the reference of an empty DeltaSpace: `reference.bin` plus the zero-diff
   * delta the DeltaGlider CLI needs to find the first version by name. `lost-race` when
   * another writer created the reference first: the caller then deltas against it.
   */
  async createRoot(
    space: DeltaSpace,
    file: LocalFile,
    sketch: Sketch | undefined,
  ): Promise<CreateOutcome> {
    const { log } = this.deps;
    const refKey = referenceKey(space);
    const outcome = await this.putReference(space, file, refKey, sketch);
    if (outcome === 'exists') {
      log.info(
        `${file.name}: another writer created the reference first; storing a delta against it`,
      );
      return LOST_RACE;
    }
    return this.finishReference(space, file, refKey, 'became the reference of');
  }

  /**
   * Makes `file` an extra reference, `.dg-refs/<sha256 prefix>/reference.bin`, plus its
   * zero-diff delta. The key follows from the bytes, so racers making different files
   * references never collide, and racers with the same bytes write the same object:
   * `exists` with our sha256 is as good as created.
   */
  async createExtra(
    space: DeltaSpace,
    file: LocalFile,
    sketch: Sketch | undefined,
  ): Promise<CreateOutcome> {
    const { storage } = this.deps;
    const refKey = extraReferenceKey(space, file.sha256);
    const outcome = await this.putReference(space, file, refKey, sketch);
    if (outcome === 'exists') {
      const read = await readReference(storage, space.bucket, refKey).catch(() => undefined);
      if (read?.kind !== 'found' || read.sha256 !== file.sha256) return LOST_RACE;
    }
    return this.finishReference(space, file, refKey, 'became a new reference in');
  }

  private putReference(
    space: DeltaSpace,
    file: LocalFile,
    refKey: string,
    sketch: Sketch | undefined,
  ): Promise<PutOutcome> {
    const { storage, clock } = this.deps;
    const metadata = encodeReference({
      sourceName: file.name,
      sha256: file.sha256,
      createdAt: clock.now(),
      ...(sketch && sketch.length > 0 ? { sketch: encodeSketch(sketch) } : {}),
    });
    return inStep(
      this.deps.progress,
      file.name,
      'uploading as the reference',
      file.size,
      (onProgress) =>
        storage.upload(space.bucket, refKey, file.path, metadata, { ifAbsent: true, onProgress }),
    );
  }

  /** After the reference object is written: checks it, writes the zero-diff delta. */
  private async finishReference(
    space: DeltaSpace,
    file: LocalFile,
    refKey: string,
    became: string,
  ): Promise<CreateOutcome> {
    const { log, references } = this.deps;
    const ref = { key: refKey, sha256: file.sha256 };
    if (!(await this.stillReference(space, file, refKey))) return LOST_RACE;
    await references.adopt(file.path, file.sha256);
    const zeroDiff = await this.deltas.encodeAndPut(space, file, file.path, ref, ZERO_DIFF_NOTE);
    // Checked again after the zero-diff delta is written: a racer that overwrote the
    // reference meanwhile would leave that delta pointing at bytes no longer stored,
    // and the delta against the winner written next replaces it.
    if (!(await this.stillReference(space, file, refKey))) return LOST_RACE;
    await this.direct.removeStale(space, directKey(space, file.name));
    log.info(`${file.name}: ${became} ${formatSpace(space)}`);
    return {
      kind: 'created',
      result: {
        ...fileResult(file, zeroDiff.key, 'reference', file.size + zeroDiff.size),
        reference: { bucket: space.bucket, key: refKey, bytes: file.size },
      },
    };
  }

  /**
   * Stores that ignore If-None-Match report success to every racer; the reference's
   * metadata tells whose bytes are stored.
   */
  private async stillReference(
    space: DeltaSpace,
    file: LocalFile,
    refKey: string,
  ): Promise<boolean> {
    if (await isReferenceNow(this.deps.storage, space.bucket, refKey, file.sha256)) return true;
    this.deps.log.info(
      `${file.name}: another writer's reference won the race; storing a delta against it`,
    );
    return false;
  }
}
