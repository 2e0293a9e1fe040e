import { basename } from 'node:path';
import type {
  ClockPort,
  DifferPort,
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ProgressPort,
  PutOutcome,
  StoragePort,
} from '../ports.js';
import {
  assertValidName,
  deltaKey,
  directKey,
  extraReferenceKey,
  formatSpace,
  referenceKey,
  referenceKeyFor,
} from './delta-space.js';
import {
  decodeObject,
  encodeDelta,
  encodeDirect,
  encodeReference,
  ZERO_DIFF_NOTE,
} from './metadata.js';
import {
  describeReference,
  isReferenceNow,
  readReference,
  readSpaceReferences,
  type ReferenceInfo,
} from './references/catalog.js';
import {
  CHEAP_TRIAL_BYTES,
  fallbackCandidate,
  rankCandidates,
  SINGLE_REFERENCE,
  type ReferencePolicy,
} from './references/choose.js';
import { familyOf } from './references/family.js';
import { encodeSketch, type ContentSketcher, type Sketch } from './references/sketch.js';
import { DeltaGliderError, IntegrityError, NotFoundError } from './errors.js';
import type { DeltaSpace, FileResult } from './models.js';
import { classify, MIN_DELTA_BYTES, SNIFF_BYTES, type Eligibility } from './policy.js';
import type { ArchiveViews } from './archive-views.js';
import type { ReferenceStore } from './reference-store.js';
import { formatS3Url } from './s3-url.js';
import { inStep } from './progress.js';

/** Tries at creating a reference whose creation another writer claimed first. */
const REFERENCE_ATTEMPTS = 6;

export interface UploadOptions {
  /** A delta larger than this fraction of its file is dropped for a direct upload. */
  maxRatio: number;
  /** Files below this size go direct. */
  minDeltaBytes?: number;
  /** Delta compressed containers through their uncompressed content (docs/archive-aware.md). */
  archiveAware?: boolean;
  /** How references are chosen and created (default: one per space, DeltaGlider's way). */
  references?: ReferencePolicy;
}

/** Creating a reference: done, or another writer's reference is there instead. */
type CreateOutcome = { kind: 'created'; result: FileResult } | { kind: 'lost-race' };
const LOST_RACE: CreateOutcome = { kind: 'lost-race' };

/** Storing a delta: done, or its reference changed under it (start over). */
type DeltaOutcome =
  { kind: 'stored'; result: FileResult } | { kind: 'reference-changed'; refKey: string };

/** A delta encoded to a scratch file, not yet uploaded. */
interface Encoded {
  path: string;
  size: number;
  archive?: {
    size: number;
    targetSize: number;
    refView: string;
    refViewSize?: number;
    refViewSha256?: string;
  };
  dispose(): Promise<void>;
}

/** A reference as a delta names it: `dg-ref-key` and `dg-ref-sha256`. */
interface RefId {
  key: string;
  sha256: string;
}

/** A delta uploaded, or `skipped` (over max-ratio: nothing written). */
interface Written {
  key: string;
  size: number;
  skipped: boolean;
  archiveAware?: boolean;
}

interface Trial {
  ref: RefId;
  encoded: Encoded;
}

function catalogKey(space: DeltaSpace): string {
  return `${space.bucket}\n${space.prefix}`;
}

/** What the uploader knows about a local file before deciding how to store it. */
interface LocalFile {
  path: string;
  name: string;
  size: number;
  sha256: string;
  /** The file's expanded form when it is a container the codec reproduces exactly. */
  expanded?: ExpandedFile;
}

interface ExpandedFile {
  path: string;
  codec: string;
  sha256: string;
  size: number;
}

export interface UploaderDeps {
  storage: StoragePort;
  differ: DifferPort;
  hasher: HasherPort;
  files: LocalFilesPort;
  clock: ClockPort;
  log: LoggerPort;
  /** Cache-first: `adopt` keeps a new reference so deltas against it need no GET. */
  references: Pick<ReferenceStore, 'localCopy' | 'adopt'>;
  /** Present when archive-aware deltas can be written. */
  archives?: ArchiveViews;
  progress?: ProgressPort;
  /** Content sketches for smart references; without it they choose by name only. */
  sketcher?: ContentSketcher;
}

/** Stores local files in a DeltaSpace as reference, delta or direct objects. */
export class Uploader {
  private readonly catalogs = new Map<string, Promise<ReferenceInfo[]>>();

  constructor(
    private readonly deps: UploaderDeps,
    private readonly options: UploadOptions,
  ) {}

  async upload(path: string, space: DeltaSpace, name = basename(path)): Promise<FileResult> {
    assertValidName(name);
    const { files, hasher, log } = this.deps;
    const size = await files.size(path);
    const head = await files.readHead(path, SNIFF_BYTES);
    const file: LocalFile = { path, name, size, sha256: await hasher.sha256File(path) };

    const unchanged = await this.findUnchanged(space, file);
    if (unchanged) {
      log.info(`${name}: unchanged since the last upload (same sha256), nothing written`);
      return unchanged;
    }
    file.expanded = await this.expand(file);
    try {
      return await this.store(space, file, head);
    } finally {
      if (file.expanded) await files.remove(file.expanded.path);
    }
  }

  /**
   * The expanded form of a compressed container whose exact bytes the codec can rebuild
   * (proved by the codec before it answers), or undefined: the file is then stored as
   * any other.
   */
  private async expand(file: LocalFile): Promise<ExpandedFile | undefined> {
    const { archives, files, hasher, log } = this.deps;
    const minBytes = this.options.minDeltaBytes ?? MIN_DELTA_BYTES;
    if (!this.options.archiveAware || !archives || file.size < minBytes) return undefined;
    const path = files.tempPath(`${file.name}.expanded`);
    const found = await archives.codec.expand(file.path, path);
    if (!found) return undefined;
    if ('declined' in found) {
      const notice = `${file.name}: stored without archive-aware expansion: ${found.declined}`;
      if (log.notice) log.notice(notice);
      else log.info(notice);
      return undefined;
    }
    log.info(
      `${file.name}: ${found.codec} content reproduced exactly; storing an archive-aware delta`,
    );
    const [sha256, size] = [await hasher.sha256File(path), await files.size(path)];
    return { path, codec: found.codec, sha256, size };
  }

  private async store(space: DeltaSpace, file: LocalFile, head: Uint8Array): Promise<FileResult> {
    const { log, storage } = this.deps;
    const { name } = file;
    const eligibility: Eligibility = file.expanded
      ? { eligible: true }
      : classify(name, file.size, head, this.options.minDeltaBytes);
    if (!eligibility.eligible) {
      log.info(`${name}: stored direct (${eligibility.reason})`);
      return this.putDirect(space, file);
    }

    const rootKey = referenceKey(space);
    let root = await readReference(storage, space.bucket, rootKey);
    for (let attempt = 1; ; attempt++) {
      if (root.kind === 'missing') {
        const created = await this.createRootReference(space, file);
        if (created.kind === 'created') return created.result;
        // Another writer's conditional PUT won but may still be in flight (or may fail):
        // wait for its reference to appear, and try to create it again if it never does.
        root = await readReference(storage, space.bucket, rootKey);
        if (root.kind === 'missing') {
          if (attempt >= REFERENCE_ATTEMPTS) {
            throw new DeltaGliderError(
              `${formatS3Url(space.bucket, rootKey)} is being created by another writer but never appeared`,
              'Try again; if it persists, check for stuck uploads to this DeltaSpace',
              { code: 'reference-never-appeared', fields: { bucket: space.bucket, key: rootKey } },
            );
          }
          await this.deps.clock.sleep(250 * 2 ** attempt);
          continue;
        }
      }
      const stored =
        this.policy.mode === 'smart'
          ? await this.storeSmart(space, file)
          : await this.putDelta(space, file, { key: rootKey, sha256: root.sha256 });
      if (stored.kind === 'stored') return stored.result;
      // The reference was replaced while this delta was being made: only a racer on a
      // store that ignores If-None-Match does that, and it settles within a few tries.
      if (attempt >= REFERENCE_ATTEMPTS) {
        throw new DeltaGliderError(
          `${formatS3Url(space.bucket, stored.refKey)} kept changing while ${name} was stored against it`,
          'Other writers keep replacing the reference; try again once they are done',
          { code: 'reference-kept-changing', fields: { bucket: space.bucket, key: stored.refKey } },
        );
      }
      this.catalogs.delete(catalogKey(space));
      root = await readReference(storage, space.bucket, rootKey);
    }
  }

  private get policy(): ReferencePolicy {
    return this.options.references ?? SINGLE_REFERENCE;
  }

  /**
   * Smart references (docs/format.md, "Several references"): the file is trial-encoded
   * against its family's newest reference, else the references whose sketches overlap
   * its own; when the best delta is above the rotation ratio (or nothing matches), the
   * file becomes a new reference under `.dg-refs/`, up to the space's cap.
   */
  private async storeSmart(space: DeltaSpace, file: LocalFile): Promise<DeltaOutcome> {
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
        const trial = await this.trial(space, file, candidate.ref);
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
        const created = await this.createExtraReference(space, file, sketch);
        if (created.kind === 'created') return { kind: 'stored', result: created.result };
      }
      if (!best) return { kind: 'stored', result: await this.putDirect(space, file) };
      return await this.putTrial(space, file, best);
    } finally {
      await best?.encoded.dispose();
    }
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

  private async sketchOf(file: LocalFile): Promise<Sketch | undefined> {
    const { sketcher } = this.deps;
    if (!sketcher || this.policy.mode !== 'smart') return undefined;
    return sketcher.sketchFile(file.expanded?.path ?? file.path);
  }

  /** Encodes `file` against `ref`, or undefined when the reference is gone or changed. */
  private async trial(space: DeltaSpace, file: LocalFile, ref: RefId): Promise<Trial | undefined> {
    const refPath = await this.localReference(space, ref);
    if (refPath === undefined) return undefined;
    return { ref, encoded: await this.encode(file, refPath, ref.sha256) };
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

  /** An object already holding these exact bytes under this name makes the upload a no-op. */
  private async findUnchanged(space: DeltaSpace, file: LocalFile): Promise<FileResult | undefined> {
    const { storage } = this.deps;
    for (const key of [deltaKey(space, file.name), directKey(space, file.name)]) {
      const head = await storage.head(space.bucket, key);
      if (!head) continue;
      const decoded = decodeObject(head.metadata);
      if (decoded.type === 'plain' || decoded.sha256 !== file.sha256) continue;
      // A delta whose reference has been replaced since cannot be rebuilt: store the file
      // again (a re-run heals what a lost race on a store without If-None-Match broke).
      if (decoded.type === 'delta' && !(await this.rebuildable(space, decoded))) continue;
      const kind = decoded.type === 'direct' ? 'direct' : 'delta';
      return this.result(file, key, kind, head.size);
    }
    return undefined;
  }

  /**
   * Makes `file` the reference of an empty DeltaSpace: `reference.bin` plus the zero-diff
   * delta the DeltaGlider CLI needs to find the first version by name. `lost-race` when
   * another writer created the reference first: the caller then deltas against it.
   */
  private async createRootReference(space: DeltaSpace, file: LocalFile): Promise<CreateOutcome> {
    const { log } = this.deps;
    const refKey = referenceKey(space);
    const outcome = await this.putReference(space, file, refKey, await this.sketchOf(file));
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
  private async createExtraReference(
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
    const created = await this.finishReference(space, file, refKey, 'became a new reference in');
    if (created.kind === 'created') {
      const refs = await this.catalog(space);
      const read = await readReference(storage, space.bucket, refKey);
      if (read.kind === 'found' && !refs.some((r) => r.key === refKey))
        refs.push(describeReference(refKey, false, read));
    }
    return created;
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
    const zeroDiff = await this.encodeAndPut(space, file, file.path, ref, ZERO_DIFF_NOTE);
    // Checked again after the zero-diff delta is written: a racer that overwrote the
    // reference meanwhile would leave that delta pointing at bytes no longer stored,
    // and the delta against the winner written next replaces it.
    if (!(await this.stillReference(space, file, refKey))) return LOST_RACE;
    await this.removeStale(space, directKey(space, file.name));
    log.info(`${file.name}: ${became} ${formatSpace(space)}`);
    return {
      kind: 'created',
      result: this.result(file, zeroDiff.key, 'reference', file.size + zeroDiff.size),
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

  /** True when the delta's reference is stored with the sha256 the delta was made against. */
  private async rebuildable(
    space: DeltaSpace,
    delta: { refKey?: string; refSha256?: string },
  ): Promise<boolean> {
    if (delta.refSha256 === undefined) return true; // legacy: checked on download
    const refKey = referenceKeyFor(delta.refKey ?? referenceKey(space));
    return isReferenceNow(this.deps.storage, space.bucket, refKey, delta.refSha256);
  }

  /**
   * Stores `file` as a delta against `ref` (one reference per space), or
   * `reference-changed` when that reference was replaced meanwhile (the caller starts
   * over against the one stored now).
   */
  private async putDelta(space: DeltaSpace, file: LocalFile, ref: RefId): Promise<DeltaOutcome> {
    const trial = await this.trial(space, file, ref);
    if (!trial) return { kind: 'reference-changed', refKey: ref.key };
    try {
      return await this.putTrial(space, file, trial);
    } finally {
      await trial.encoded.dispose();
    }
  }

  /** Uploads an encoded delta (or the file direct, over max-ratio) and checks its reference. */
  private async putTrial(space: DeltaSpace, file: LocalFile, trial: Trial): Promise<DeltaOutcome> {
    const { ref, encoded } = trial;
    const delta = await this.put(space, file, encoded, ref);
    if (delta.skipped) return { kind: 'stored', result: await this.putDirect(space, file) };
    // Checked after the write: on a store that ignores If-None-Match, a racer's late
    // reference may have replaced the one this delta was made against, and the delta
    // would never rebuild. Seen here, the caller makes it again against the new one.
    if (!(await isReferenceNow(this.deps.storage, space.bucket, ref.key, ref.sha256))) {
      this.deps.log.info(
        `${file.name}: the reference changed while its delta was stored; storing it again`,
      );
      return { kind: 'reference-changed', refKey: ref.key };
    }
    await this.removeStale(space, directKey(space, file.name));
    const stored = this.result(file, delta.key, 'delta', delta.size);
    return {
      kind: 'stored',
      result: delta.archiveAware ? { ...stored, archiveAware: true } : stored,
    };
  }

  /** Encodes `file` against `refPath` and uploads it as the delta (zero-diff deltas). */
  private async encodeAndPut(
    space: DeltaSpace,
    file: LocalFile,
    refPath: string,
    ref: RefId,
    note?: string,
  ): Promise<Written> {
    const encoded = await this.encode(file, refPath, ref.sha256);
    try {
      return await this.put(space, file, encoded, ref, note);
    } finally {
      await encoded.dispose();
    }
  }

  /**
   * Encodes `file` against the reference at `refPath`: the plain delta, and the
   * archive-aware one when the file has an expanded form; keeps the smaller.
   */
  private async encode(file: LocalFile, refPath: string, refSha: string): Promise<Encoded> {
    const { files, log } = this.deps;
    const deltaPath = files.tempPath(`${file.name}.delta`);
    const plainPath = files.tempPath(`${file.name}.plain.delta`);
    const dispose = async () => {
      await files.remove(deltaPath);
      await files.remove(plainPath);
    };
    try {
      await this.encodeStep(file.name, refPath, file.path, plainPath);
      const aware =
        file.expanded && (await this.encodeAware(file, file.expanded, refSha, refPath, deltaPath));
      const plainSize = await files.size(plainPath);
      // Never more than plain: entries no recipe reproduces stay compressed in the expanded
      // form and match nothing in the reference's view, so a partial expansion can lose to
      // xdelta3 on the compressed bytes.
      const archive = aware && aware.size < plainSize ? aware : undefined;
      if (aware && !archive) {
        log.info(
          `${file.name}: the plain delta (${plainSize} bytes) is smaller than the archive-aware one (${aware.size}); storing it`,
        );
      }
      return {
        path: archive ? deltaPath : plainPath,
        size: archive?.size ?? plainSize,
        archive,
        dispose,
      };
    } catch (error) {
      await dispose();
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
    const skip = note === undefined && this.overMaxRatio(file, size, archive?.targetSize);
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
        codec: file.expanded!.codec,
        refView: archive.refView,
        expandedSize: file.expanded!.size,
        expandedSha256: file.expanded!.sha256,
        refViewSize: archive.refViewSize,
        refViewSha256: archive.refViewSha256,
      },
    });
    await inStep(this.deps.progress, file.name, 'uploading the delta', size, (onProgress) =>
      storage.upload(space.bucket, key, encoded.path, meta, { onProgress }),
    );
    return { key, size, skipped: false, archiveAware: archive !== undefined };
  }

  private async encodeStep(name: string, source: string, target: string, out: string) {
    const { differ, files } = this.deps;
    await inStep(this.deps.progress, name, 'encoding', await files.size(target), (onProgress) =>
      differ.encode(source, target, out, { onProgress }),
    );
  }

  /** Archive-aware: from the reference's view to the file's expanded form, proven. */
  private async encodeAware(
    file: LocalFile,
    expanded: ExpandedFile,
    refSha: string,
    refPath: string,
    deltaPath: string,
  ): Promise<{
    size: number;
    targetSize: number;
    refView: string;
    refViewSize?: number;
    refViewSha256?: string;
  }> {
    const { files } = this.deps;
    const source = await this.deps.archives!.viewForUpload(refSha, refPath);
    await this.encodeStep(file.name, source.path, expanded.path, deltaPath);
    await this.proveDecodes(source.path, deltaPath, expanded);
    return {
      size: await files.size(deltaPath),
      targetSize: await files.size(expanded.path),
      refView: source.refView,
      refViewSize: source.size,
      refViewSha256: source.sha256,
    };
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

  /**
   * Nothing is stored that is not proven to rebuild: the codec proved that the expanded
   * form rebuilds the file, and this proves that the delta rebuilds the expanded form.
   */
  private async proveDecodes(sourcePath: string, deltaPath: string, expanded: ExpandedFile) {
    const { differ, files, hasher } = this.deps;
    const decoded = files.tempPath('expanded.check');
    try {
      await differ.decode(sourcePath, deltaPath, decoded);
      const actual = await hasher.sha256File(decoded);
      if (actual !== expanded.sha256) {
        throw new IntegrityError(
          `An archive-aware delta decoded to sha256 ${actual} instead of ${expanded.sha256}`,
          'Nothing was stored; store this file without archive-aware deltas, and report the bug',
          { code: 'archive-aware-mismatch', fields: { setting: 'archive-aware' } },
        );
      }
    } finally {
      await files.remove(decoded);
    }
  }

  private async putDirect(space: DeltaSpace, file: LocalFile): Promise<FileResult> {
    const { storage, clock } = this.deps;
    const key = directKey(space, file.name);
    const meta = encodeDirect({
      originalName: file.name,
      sha256: file.sha256,
      size: file.size,
      createdAt: clock.now(),
    });
    await inStep(this.deps.progress, file.name, 'uploading', file.size, (onProgress) =>
      storage.upload(space.bucket, key, file.path, meta, { onProgress }),
    );
    await this.removeStale(space, deltaKey(space, file.name));
    return this.result(file, key, 'direct', file.size);
  }

  /**
   * A name lives in one form: a direct object shadows a delta on read, and a stale
   * delta beside a direct object lists twice. Only deletes what exists, so buckets
   * written once per name need no s3:DeleteObject permission.
   */
  private async removeStale(space: DeltaSpace, key: string): Promise<void> {
    const { storage, log } = this.deps;
    if (!(await storage.head(space.bucket, key))) return;
    log.info(`Removing ${key}: superseded by the new upload`);
    await storage.delete(space.bucket, key);
  }

  private result(
    file: LocalFile,
    key: string,
    kind: FileResult['kind'],
    storedBytes: number,
  ): FileResult {
    return {
      name: file.name,
      key,
      kind,
      originalBytes: file.size,
      storedBytes,
      sha256: file.sha256,
    };
  }
}
