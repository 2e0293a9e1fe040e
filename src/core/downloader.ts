import * as nodePath from 'node:path';
import { resolve, type PlatformPath } from 'node:path';
import type {
  DifferPort,
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ObjectHead,
  ProgressPort,
  StoragePort,
} from '../ports.js';
import {
  assertValidName,
  deltaKey,
  directKey,
  referenceKey,
  referenceKeyFor,
} from './delta-space.js';
import {
  DeltaGliderError,
  InputError,
  IntegrityError,
  LocalFileError,
  NotFoundError,
} from './errors.js';
import {
  ARCHIVE_FORMAT,
  decodeObject,
  referenceSha256,
  type DecodedArchive,
  type DecodedObject,
} from './metadata.js';
import type { ArchiveViews } from './archive-views.js';
import type { DeltaSpace, FileResult } from './models.js';
import type { ReferenceSource } from './reference-store.js';
import { formatS3Url } from './s3-url.js';
import { inStep } from './progress.js';
import { formToRead, twoFormsWarning } from './two-forms.js';
import { boundsOf, checkExpanded } from './delta-bounds.js';
import { unreadableError } from './form-level.js';

/** A logical file rebuilt by `check`. */
export interface CheckedFile extends FileResult {
  /** False for a plain object (no dg-file-sha256): its bytes were read but not checked. */
  verified: boolean;
}

export interface DownloaderDeps {
  storage: Pick<StoragePort, 'head' | 'download'>;
  differ: Pick<DifferPort, 'decode'>;
  hasher: HasherPort;
  files: LocalFilesPort;
  log: Pick<LoggerPort, 'warning'>;
  /** Where references come from: the cache-first store, or a verify's bucket-only one. */
  references: ReferenceSource;
  progress?: ProgressPort;
  /** Reads archive-aware deltas; without it they fail with a clear message. */
  archives?: ArchiveViews;
}

/**
 * Rebuilds logical files from a DeltaSpace into a local directory. A file appears at its
 * destination only once its sha256 matches the metadata: it is written beside the
 * destination under a temporary name and renamed into place.
 */
export class Downloader {
  constructor(private readonly deps: DownloaderDeps) {}

  async download(space: DeltaSpace, name: string, destDir: string): Promise<FileResult> {
    assertValidName(name);
    return this.downloadTo(space, name, destinationPath(destDir, name));
  }

  /** Like `download`, to a file path of the caller's choosing (the CLI's `cp` to a new name). */
  async downloadTo(space: DeltaSpace, name: string, destPath: string): Promise<FileResult> {
    const { verified: _verified, ...result } = await this.rebuild(space, name, destPath, true);
    return result;
  }

  /**
   * Rebuilds a logical file in scratch space, checks its sha256 as a download does, and
   * deletes it (verify). `verified` is false for a plain object: it has no sha256 to check.
   */
  check(space: DeltaSpace, name: string): Promise<CheckedFile> {
    return this.rebuild(space, name, this.deps.files.tempPath(name), false);
  }

  private async rebuild(
    space: DeltaSpace,
    name: string,
    dest: string,
    keep: boolean,
  ): Promise<CheckedFile> {
    assertValidName(name);
    const { storage } = this.deps;
    const [directHead, deltaHead] = await Promise.all([
      storage.head(space.bucket, directKey(space, name)),
      storage.head(space.bucket, deltaKey(space, name)),
    ]);
    const fetchDelta = (head: ObjectHead) =>
      this.fetchDelta(space, head, name, dest, keep).catch(
        needing(dest, sizeOf(decodeObject(head.metadata))),
      );
    if (directHead && deltaHead) {
      // Stored in both forms (another tool left the older one): read the newer.
      const { read, stale } = formToRead(directHead, deltaHead);
      this.deps.log.warning(twoFormsWarning(space.bucket, name, read.key, stale.key));
      if (read === deltaHead) return fetchDelta(deltaHead);
    }
    if (directHead) {
      return this.fetchDirect(space.bucket, directHead, name, dest, keep).catch(
        needing(dest, directHead.size),
      );
    }
    if (!deltaHead) {
      throw new NotFoundError(
        `Neither ${formatS3Url(space.bucket, directKey(space, name))} nor its .delta exists`,
        'Check the S3 URL, or list the DeltaSpace to see the names it holds',
        {
          code: 'no-such-file',
          fields: { setting: 'location', bucket: space.bucket, key: directKey(space, name) },
        },
      );
    }
    return fetchDelta(deltaHead);
  }

  /** A direct object (or a plain one no DeltaGlider wrote, passed through untouched). */
  private async fetchDirect(
    bucket: string,
    head: ObjectHead,
    name: string,
    dest: string,
    keep: boolean,
  ): Promise<CheckedFile> {
    const { storage } = this.deps;
    const decoded = decodeObject(head.metadata);
    refuseUnreadable(bucket, head.key, decoded);
    const expected = decoded.type === 'plain' ? undefined : decoded.sha256;
    const { sha256 } = await this.place(dest, expected, head.key, keep, (partial) =>
      inStep(this.deps.progress, name, 'downloading', head.size, async (onProgress) => {
        await storage.download(bucket, head.key, partial, { onProgress });
      }),
    );
    return {
      name,
      key: head.key,
      kind: 'direct',
      originalBytes: head.size,
      storedBytes: head.size,
      sha256,
      verified: expected !== undefined,
    };
  }

  private async fetchDelta(
    space: DeltaSpace,
    head: ObjectHead,
    name: string,
    dest: string,
    keep: boolean,
  ): Promise<CheckedFile> {
    const { storage, differ, files, references } = this.deps;
    const decoded = decodeObject(head.metadata);
    refuseUnreadable(space.bucket, head.key, decoded);
    if (decoded.type !== 'delta') {
      // A `.delta` key without delta metadata is not ours to decode.
      throw new IntegrityError(
        `${formatS3Url(space.bucket, head.key)} has no DeltaGlider delta metadata`,
        'It was not written by DeltaGlider; download it with another S3 tool',
      );
    }
    const bounds = boundsOf(formatS3Url(space.bucket, head.key), decoded);
    const refKey = referenceKeyFor(decoded.refKey ?? referenceKey(space));
    const refSha = decoded.refSha256 ?? (await this.declaredReferenceSha(space.bucket, refKey));
    const refPath = await references.localCopy(space.bucket, refKey, refSha);
    const source = decoded.archive
      ? await this.archiveSource(bounds.where, decoded.archive, refSha, refPath)
      : refPath;
    const deltaPath = files.tempPath(`${name}.delta`);
    const expandedPath = files.tempPath(`${name}.expanded`);
    try {
      await inStep(this.deps.progress, name, 'downloading the delta', head.size, (onProgress) =>
        storage.download(space.bucket, head.key, deltaPath, { onProgress }),
      );
      const { sha256, bytes } = await this.place(dest, decoded.sha256, head.key, keep, (partial) =>
        inStep(this.deps.progress, name, 'decoding', decoded.size ?? 0, async (onProgress) => {
          if (!decoded.archive)
            return bounds.decoding(
              differ.decode(source, deltaPath, partial, bounds.file(onProgress)),
            );
          // Archive-aware: the delta rebuilds the expanded form, the codec the file.
          await bounds.decoding(
            differ.decode(source, deltaPath, expandedPath, bounds.expanded(onProgress)),
          );
          await checkExpanded(this.deps.hasher, expandedPath, bounds);
          await bounds.decoding(
            this.deps.archives!.codec.rebuild(expandedPath, partial, bounds.file()),
          );
        }),
      );
      const originalBytes = decoded.size ?? bytes;
      return {
        name,
        key: head.key,
        kind: 'delta',
        originalBytes,
        storedBytes: head.size,
        sha256,
        verified: true,
        // The verified copy holds the reference's bytes: what the bucket stores for it.
        reference: { bucket: space.bucket, key: refKey, bytes: await files.size(refPath) },
      };
    } finally {
      await files.remove(deltaPath);
      await files.remove(expandedPath);
    }
  }

  /** The source an archive-aware delta was encoded from: the reference as it saw it. */
  private async archiveSource(
    key: string,
    archive: DecodedArchive,
    refSha: string,
    refPath: string,
  ): Promise<string> {
    const { archives } = this.deps;
    if (archive.format !== ARCHIVE_FORMAT || !archives) {
      throw new DeltaGliderError(
        `${key} is an archive-aware delta in format "${archive.format}", which this build cannot read`,
        'Upgrade deltaglider/action (or the deltaglider CLI) to the version that wrote it',
        { code: 'unsupported-format', fields: { key } },
      );
    }
    if (archive.refView === 'raw') return refPath;
    const recorded = { size: archive.refViewSize, sha256: archive.refViewSha256, delta: key };
    const view = await archives.viewOf(refSha, refPath, recorded, archive.refView);
    if (view.refView !== archive.refView) {
      throw new IntegrityError(
        `${key} was made against the ${archive.refView} view of its reference, but this build sees it as ${view.refView}`,
        'Upgrade deltaglider/action to the version that wrote it',
      );
    }
    return view.path;
  }

  /** Legacy deltas may lack dg-ref-sha256: trust what the reference declares, still verified. */
  private async declaredReferenceSha(bucket: string, refKey: string): Promise<string> {
    const head = await this.deps.storage.head(bucket, refKey);
    const sha = head && referenceSha256(head.metadata);
    if (!sha) {
      throw new NotFoundError(
        `The reference ${formatS3Url(bucket, refKey)} is missing or has no sha256 metadata`,
        'Deltas against it cannot be rebuilt; restore the reference or re-upload the files',
      );
    }
    return sha;
  }

  /**
   * Writes a file through `produce` into a temporary path beside `dest`, checks its
   * sha256 and only then renames it into place (or, without `keep`, deletes it).
   */
  private async place(
    dest: string,
    expectedSha: string | undefined,
    key: string,
    keep: boolean,
    produce: (partialPath: string) => Promise<void>,
  ): Promise<{ sha256: string; bytes: number }> {
    const { files, hasher } = this.deps;
    await files.ensureDir(resolve(dest, '..'));
    const partial = files.partialPathFor(dest);
    try {
      await produce(partial);
      const actual = await hasher.sha256File(partial);
      if (expectedSha !== undefined && actual !== expectedSha) {
        throw new IntegrityError(
          `${key} rebuilt to bytes with sha256 ${actual}, but its metadata says ${expectedSha}`,
          'The object or its reference is corrupt; nothing was written to the destination',
        );
      }
      const bytes = await files.size(partial);
      if (keep) await files.rename(partial, dest);
      return { sha256: actual, bytes };
    } catch (error) {
      // The partial file's name means nothing to the user: name the file it stands for.
      if (error instanceof LocalFileError && error.local.path === partial) throw error.at(dest);
      throw error;
    } finally {
      await files.remove(partial);
    }
  }
}

function sizeOf(decoded: ReturnType<typeof decodeObject>): number | undefined {
  return decoded.type === 'plain' ? undefined : decoded.size;
}

/** A full disk while writing the file itself says how many bytes the file needs. */
function needing(dest: string, bytes: number | undefined): (error: unknown) => never {
  return (error) => {
    const ours = error instanceof LocalFileError && error.local.path === dest;
    throw ours ? error.needing(bytes) : error;
  };
}

/**
 * Joins a logical name to the destination directory, refusing anything that escapes it.
 * `paths` is path.win32 on Windows (the default is this OS's), so its `\` and drive-letter
 * rules can be tested anywhere.
 */
export function destinationPath(
  destDir: string,
  name: string,
  paths: PlatformPath = nodePath,
): string {
  const root = paths.resolve(destDir);
  const dest = paths.resolve(paths.join(root, name));
  const inside = root.endsWith(paths.sep) ? root : root + paths.sep;
  if (!dest.startsWith(inside)) {
    throw new InputError(
      `The name "${name}" would be written outside ${root}`,
      'Refusing to write outside the destination directory',
    );
  }
  return dest;
}

/**
 * Nothing is read of an object in a form a newer release wrote (docs/format.md,
 * "Compatibility policy"), nor of metadata with control characters: DeltaGlider never
 * writes those.
 */
function refuseUnreadable(bucket: string, key: string, decoded: DecodedObject): void {
  if (decoded.unreadable) throw unreadableError(formatS3Url(bucket, key), decoded.unreadable);
  if (decoded.type === 'plain' || !decoded.unsafe) return;
  throw new IntegrityError(
    `${formatS3Url(bucket, key)} has control characters (such as a line break) in its ${decoded.unsafe} metadata`,
    'DeltaGlider never writes such values: the object was altered by another tool; delete it or upload the file again',
  );
}
