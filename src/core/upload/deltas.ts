import { deltaKey, directKey } from '../delta-space.js';
import { IntegrityError, NotFoundError } from '../errors.js';
import { encodeDelta } from '../metadata.js';
import type { DeltaSpace, FileResult } from '../models.js';
import { inStep } from '../progress.js';
import { isReferenceNow } from '../references/catalog.js';
import type { UploaderDeps, UploadOptions } from './deps.js';
import type { DirectWriter } from './direct.js';
import type { DeltaEncoder, Encoded } from './encode.js';
import { fileResult, type LocalFile, type RefId } from './local-file.js';

// Storing a file as a delta against one reference: the trial encode against a verified
// local copy, the max-ratio check (over it, the file goes direct), the upload with its
// metadata, and the check afterwards that the reference is still the one encoded against.

/** Storing a delta: done, or its reference changed under it (start over). */
export type DeltaOutcome =
  { kind: 'stored'; result: FileResult } | { kind: 'reference-changed'; refKey: string };

/** A reference fetched (and its view made) ahead of the encode. */
export interface Prepared {
  ref: RefId;
  /** Its verified local copy. */
  path: string;
}

/** A delta encoded against a reference, not yet uploaded. */
export interface Trial {
  ref: RefId;
  encoded: Encoded;
}

/** A delta uploaded, or `skipped` (over max-ratio: nothing written). */
export interface Written {
  key: string;
  size: number;
  skipped: boolean;
  archiveAware?: boolean;
}

export class DeltaWriter {
  constructor(
    private readonly deps: Pick<
      UploaderDeps,
      'storage' | 'differ' | 'clock' | 'log' | 'progress' | 'references' | 'archives'
    >,
    private readonly options: Pick<UploadOptions, 'maxRatio'>,
    private readonly encoder: DeltaEncoder,
    private readonly direct: DirectWriter,
  ) {}

  /**
   * Fetches `ref` and makes its archive-aware view ahead of the encode, which finds both
   * kept (the reference store and the views are cache-first).
   */
  async prepare(space: DeltaSpace, ref: RefId): Promise<Prepared | undefined> {
    const path = await this.localReference(space, ref);
    if (path === undefined) return undefined;
    await this.deps.archives?.viewForUpload(ref.sha256, path);
    return { ref, path };
  }

  /** Encodes `file` against `ref`, or undefined when the reference is gone or changed. */
  async trial(space: DeltaSpace, file: LocalFile, ref: RefId): Promise<Trial | undefined> {
    const refPath = await this.localReference(space, ref);
    if (refPath === undefined) return undefined;
    return { ref, encoded: await this.encoder.encode(file, refPath, ref.sha256) };
  }

  /**
   * Stores `file` as a delta against `ref` (one reference per space), or
   * `reference-changed` when that reference was replaced meanwhile (the caller starts
   * over against the one stored now).
   */
  async putDelta(space: DeltaSpace, file: LocalFile, ref: RefId): Promise<DeltaOutcome> {
    const trial = await this.trial(space, file, ref);
    if (!trial) return { kind: 'reference-changed', refKey: ref.key };
    try {
      return await this.putTrial(space, file, trial);
    } finally {
      await trial.encoded.dispose();
    }
  }

  /** Uploads an encoded delta (or the file direct, over max-ratio) and checks its reference. */
  async putTrial(space: DeltaSpace, file: LocalFile, trial: Trial): Promise<DeltaOutcome> {
    const { ref, encoded } = trial;
    const delta = await this.put(space, file, encoded, ref);
    if (delta.skipped) return { kind: 'stored', result: await this.direct.putDirect(space, file) };
    // Checked after the write (docs/lifecycle.md): a reference marked retiring, deleted,
    // or replaced by a racer's late one (a store that ignores If-None-Match) since it was
    // chosen may not outlive this delta. Seen here, the caller stores the file again; not
    // seen, the mark (if any) came after this delta, so the prune's next look sees it.
    if (!(await isReferenceNow(this.deps.storage, space.bucket, ref.key, ref.sha256))) {
      this.deps.log.info(
        `${file.name}: the reference changed or is retiring since its delta was made; storing it again`,
      );
      return { kind: 'reference-changed', refKey: ref.key };
    }
    await this.direct.removeStale(space, directKey(space, file.name));
    const stored = fileResult(file, delta.key, 'delta', delta.size);
    return {
      kind: 'stored',
      result: delta.archiveAware ? { ...stored, archiveAware: true } : stored,
    };
  }

  /**
   * Encodes `file` against `refPath` and uploads it as the delta: the zero-diff delta of a
   * new reference, always plain (a few bytes, and no expansion needed).
   */
  async encodeAndPut(
    space: DeltaSpace,
    file: LocalFile,
    refPath: string,
    ref: RefId,
    note?: string,
  ): Promise<Written> {
    const encoded = await this.encoder.encode(file, refPath, ref.sha256, { plainOnly: true });
    try {
      return await this.put(space, file, encoded, ref, note);
    } finally {
      await encoded.dispose();
    }
  }

  /**
   * A verified local copy of a reference, or undefined when it was replaced or removed
   * since its metadata was read (unless the metadata still says `ref.sha256`: then the
   * object is corrupt, and the error stands).
   */
  private async localReference(space: DeltaSpace, ref: RefId): Promise<string | undefined> {
    try {
      return await this.deps.references.localCopy(space.bucket, ref.key, ref.sha256);
    } catch (error) {
      const changed = error instanceof IntegrityError || error instanceof NotFoundError;
      if (changed && !(await isReferenceNow(this.deps.storage, space.bucket, ref.key, ref.sha256)))
        return undefined;
      throw error;
    }
  }

  /**
   * Uploads an encoded delta against `ref`, unless it exceeds the max-ratio (then
   * `skipped`: nothing was written; zero-diff deltas, with a note, are always written).
   */
  private async put(
    space: DeltaSpace,
    file: LocalFile,
    encoded: Encoded,
    ref: RefId,
    note?: string,
  ): Promise<Written> {
    const { differ, storage, clock } = this.deps;
    const key = deltaKey(space, file.name);
    const { size, archive } = encoded;
    const skip = note === undefined && this.overMaxRatio(file, size, archive?.expanded.size);
    if (skip) return { key, size, skipped: true };
    const meta = encodeDelta({
      originalName: file.name,
      sha256: file.sha256,
      size: file.size,
      createdAt: clock.now(),
      refKey: ref.key,
      refSha256: ref.sha256,
      deltaSize: size,
      deltaCmd: differ.describeEncode('reference.bin', file.name, `${file.name}.delta`),
      note,
      archive: archive && {
        codec: archive.expanded.codec,
        refView: archive.refView,
        expandedSize: archive.expanded.size,
        expandedSha256: archive.expanded.sha256,
        refViewSize: archive.refViewSize,
        refViewSha256: archive.refViewSha256,
      },
    });
    await inStep(this.deps.progress, file.name, 'uploading the delta', size, (onProgress) =>
      storage.upload(space.bucket, key, encoded.path, meta, { onProgress }),
    );
    return { key, size, skipped: false, archiveAware: archive !== undefined };
  }

  /**
   * max-ratio measures how much of the file changed: a plain delta against the file's
   * size, an archive-aware one against the content it encodes (the expanded form), so a
   * `.tgz` is judged as its `.tar` would be. Either way the delta must be smaller than the
   * file itself, or storing it saves nothing.
   */
  private overMaxRatio(file: LocalFile, size: number, awareTarget?: number): boolean {
    const { maxRatio } = this.options;
    const basis = awareTarget ?? file.size;
    const ratio = basis === 0 ? 0 : size / basis;
    if (ratio > maxRatio) {
      const of = awareTarget === undefined ? 'the file' : 'its uncompressed content';
      this.deps.log.info(
        `${file.name}: delta is ${(ratio * 100).toFixed(1)}% of ${of} (max-ratio ${maxRatio}); storing it direct`,
      );
      return true;
    }
    if (awareTarget !== undefined && size >= file.size) {
      this.deps.log.info(
        `${file.name}: the archive-aware delta (${size} bytes) is not smaller than the file; storing it direct`,
      );
      return true;
    }
    return false;
  }
}
