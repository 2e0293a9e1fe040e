import { basename } from 'node:path';
import type {
  ClockPort,
  DifferPort,
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ProgressPort,
  StoragePort,
} from '../ports.js';
import {
  assertValidName,
  deltaKey,
  directKey,
  formatSpace,
  referenceKey,
  referenceKeyFor,
} from './delta-space.js';
import {
  decodeObject,
  encodeDelta,
  encodeDirect,
  encodeReference,
  referenceSha256,
  ZERO_DIFF_NOTE,
} from './metadata.js';
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
}

/** Stores local files in a DeltaSpace as reference, delta or direct objects. */
export class Uploader {
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
    const { log } = this.deps;
    const { name, size } = file;
    const eligibility: Eligibility = file.expanded
      ? { eligible: true }
      : classify(name, size, head, this.options.minDeltaBytes);
    if (!eligibility.eligible) {
      log.info(`${name}: stored direct (${eligibility.reason})`);
      return this.putDirect(space, file);
    }

    const refKey = referenceKey(space);
    let refHead = await this.deps.storage.head(space.bucket, refKey);
    for (let attempt = 1; ; attempt++) {
      if (!refHead) {
        const created = await this.createReference(space, file);
        if (created) return created;
        // Another writer's conditional PUT won but may still be in flight (or may fail):
        // wait for its reference to appear, and try to create it again if it never does.
        refHead = await this.deps.storage.head(space.bucket, refKey);
        if (!refHead) {
          if (attempt >= REFERENCE_ATTEMPTS) {
            throw new DeltaGliderError(
              `${formatS3Url(space.bucket, refKey)} is being created by another writer but never appeared`,
              'Try again; if it persists, check for stuck uploads to this DeltaSpace',
              { code: 'reference-never-appeared', fields: { bucket: space.bucket, key: refKey } },
            );
          }
          await this.deps.clock.sleep(250 * 2 ** attempt);
          continue;
        }
      }
      const refSha = referenceSha256(refHead.metadata);
      if (!refSha) {
        throw new IntegrityError(
          `${formatS3Url(space.bucket, refKey)} has no dg-file-sha256 metadata`,
          'It was not written by DeltaGlider, or was changed behind it; move it away or store the files under another prefix',
          { code: 'foreign-reference', fields: { bucket: space.bucket, key: refKey } },
        );
      }
      const stored = await this.putDelta(space, file, refSha);
      if (stored) return stored;
      // The reference was replaced while this delta was being made: only a racer on a
      // store that ignores If-None-Match does that, and it settles within a few tries.
      if (attempt >= REFERENCE_ATTEMPTS) {
        throw new DeltaGliderError(
          `${formatS3Url(space.bucket, refKey)} kept changing while ${name} was stored against it`,
          'Other writers keep replacing the reference; try again once they are done',
          { code: 'reference-kept-changing', fields: { bucket: space.bucket, key: refKey } },
        );
      }
      refHead = await this.deps.storage.head(space.bucket, refKey);
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
   * delta the DeltaGlider CLI needs to find the first version by name. Returns undefined
   * when another writer created the reference first: the caller then deltas against it.
   */
  private async createReference(
    space: DeltaSpace,
    file: LocalFile,
  ): Promise<FileResult | undefined> {
    const { storage, clock, log, references } = this.deps;
    const refKey = referenceKey(space);
    const outcome = await inStep(
      this.deps.progress,
      file.name,
      'uploading as the reference',
      file.size,
      (onProgress) =>
        storage.upload(
          space.bucket,
          refKey,
          file.path,
          encodeReference({ sourceName: file.name, sha256: file.sha256, createdAt: clock.now() }),
          { ifAbsent: true, onProgress },
        ),
    );
    if (outcome === 'exists') {
      log.info(
        `${file.name}: another writer created the reference first; storing a delta against it`,
      );
      return undefined;
    }
    if (!(await this.stillReference(space, file))) return undefined;
    await references.adopt(file.path, file.sha256);
    const zeroDiff = await this.encodeAndPut(space, file, file.path, file.sha256, ZERO_DIFF_NOTE);
    // Checked again after the zero-diff delta is written: a racer that overwrote the
    // reference meanwhile would leave that delta pointing at bytes no longer stored,
    // and the delta against the winner written next replaces it.
    if (!(await this.stillReference(space, file))) return undefined;
    await this.removeStale(space, directKey(space, file.name));
    log.info(`${file.name}: became the reference of ${formatSpace(space)}`);
    return this.result(file, zeroDiff.key, 'reference', file.size + zeroDiff.size);
  }

  /**
   * Stores that ignore If-None-Match report success to every racer; the reference's
   * metadata tells whose bytes are stored.
   */
  private async stillReference(space: DeltaSpace, file: LocalFile): Promise<boolean> {
    const head = await this.deps.storage.head(space.bucket, referenceKey(space));
    if (head && referenceSha256(head.metadata) === file.sha256) return true;
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
    const head = await this.deps.storage.head(space.bucket, refKey);
    return head !== undefined && referenceSha256(head.metadata) === delta.refSha256;
  }

  /** Whether reference.bin currently declares `refSha`. */
  private async isReference(space: DeltaSpace, refSha: string): Promise<boolean> {
    const head = await this.deps.storage.head(space.bucket, referenceKey(space));
    return head !== undefined && referenceSha256(head.metadata) === refSha;
  }

  /**
   * Stores `file` as a delta against the reference whose sha256 is `refSha`, or returns
   * undefined when reference.bin stopped being that reference meanwhile (the caller
   * starts over against the one stored now).
   */
  private async putDelta(
    space: DeltaSpace,
    file: LocalFile,
    refSha: string,
  ): Promise<FileResult | undefined> {
    let refPath: string;
    try {
      refPath = await this.deps.references.localCopy(space.bucket, referenceKey(space), refSha);
    } catch (error) {
      // Bytes that no longer match the metadata read a moment ago, or no object at all:
      // replaced or removed in between, unless the metadata still says `refSha` (then the
      // object is corrupt, and the error stands).
      const changed = error instanceof IntegrityError || error instanceof NotFoundError;
      if (changed && !(await this.isReference(space, refSha))) return undefined;
      throw error;
    }
    const delta = await this.encodeAndPut(space, file, refPath, refSha);
    if (delta.skipped) return this.putDirect(space, file);
    // Checked after the write: on a store that ignores If-None-Match, a racer's late
    // reference.bin may have replaced the one this delta was made against, and the delta
    // would never rebuild. Seen here, the caller makes it again against the new one.
    if (!(await this.isReference(space, refSha))) {
      this.deps.log.info(
        `${file.name}: the reference changed while its delta was stored; storing it again`,
      );
      return undefined;
    }
    await this.removeStale(space, directKey(space, file.name));
    const stored = this.result(file, delta.key, 'delta', delta.size);
    return delta.archiveAware ? { ...stored, archiveAware: true } : stored;
  }

  /**
   * Encodes `file` against `refPath` and uploads the delta, unless it exceeds the
   * max-ratio (then `skipped`: nothing was written).
   */
  private async encodeAndPut(
    space: DeltaSpace,
    file: LocalFile,
    refPath: string,
    refSha: string,
    note?: string,
  ): Promise<{ key: string; size: number; skipped: boolean; archiveAware?: boolean }> {
    const { differ, files, storage, clock, log } = this.deps;
    const key = deltaKey(space, file.name);
    const deltaPath = files.tempPath(`${file.name}.delta`);
    const plainPath = files.tempPath(`${file.name}.plain.delta`);
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
      const chosenPath = archive ? deltaPath : plainPath;
      const size = archive?.size ?? plainSize;
      const skip = note === undefined && this.overMaxRatio(file, size, archive?.targetSize);
      if (skip) return { key, size, skipped: true };
      const meta = encodeDelta({
        originalName: file.name,
        sha256: file.sha256,
        size: file.size,
        createdAt: clock.now(),
        refKey: referenceKey(space),
        refSha256: refSha,
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
        storage.upload(space.bucket, key, chosenPath, meta, { onProgress }),
      );
      return { key, size, skipped: false, archiveAware: archive !== undefined };
    } finally {
      await files.remove(deltaPath);
      await files.remove(plainPath);
    }
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
