// The interfaces the core needs from the outside world. The core (src/core) imports
// only these; adapters (src/adapters) implement them; the shells (src/action,
// src/cli) wire one to the other. Nothing here names a library.
import type { FileResult } from './core/models.js';

/** S3 user metadata as plain lowercase keys without the `x-amz-meta-` prefix. */
export type Metadata = Record<string, string>;

export interface ObjectHead {
  key: string;
  /** Stored size in bytes (the body as it sits in the bucket). */
  size: number;
  metadata: Metadata;
  /** When the object was written (whole seconds on S3); picks one of two forms of a name. */
  lastModified?: Date;
  /** The store's tag of this version of the object (its ETag, as sent), when it gives one. */
  etag?: string;
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified?: Date;
  etag?: string;
}

/**
 * Conditions on a read or a delete: act only on the version tagged `ifMatch` (an ETag
 * from a listing or a HEAD). A store that honours it (S3, moto) answers 412, and the
 * call resolves `'changed'` instead of acting; one that ignores it acts regardless.
 */
export interface VersionOptions {
  ifMatch?: string;
}

/** What a conditional call found instead: another version, or (a delete) no object. */
export type VersionMismatch = 'changed' | 'missing';

/** Receives how many bytes of one long operation are done so far. Called often: keep it cheap. */
export type ProgressListener = (doneBytes: number) => void;

export interface ProgressOptions {
  /** Transfers: bytes sent or written so far. Encode: target bytes read; decode: bytes written. */
  onProgress?: ProgressListener;
}

export interface EncodeOptions extends ProgressOptions {
  /**
   * Processes this encode may run at once (default: as the differ sees fit). One, when the
   * caller keeps another core busy meanwhile: each process of a split encode indexes the
   * whole reference again.
   */
  maxProcesses?: number;
}

export interface PutOptions extends ProgressOptions {
  /**
   * Create the object only if no object exists under the key (`If-None-Match: *`).
   * The put then resolves to `'exists'` instead of overwriting.
   */
  ifAbsent?: boolean;
}

export type PutOutcome = 'created' | 'exists';

/** Object storage: S3 or anything that speaks it. Paths are local files: bodies stream. */
export interface StoragePort {
  /** Metadata of an object, or undefined when there is none under the key. */
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  /** Every object whose key starts with `prefix` (all pages). */
  list(bucket: string, prefix: string): AsyncIterable<ListedObject>;
  /**
   * Streams the object body into `destPath` (created or truncated); with `ifMatch`,
   * resolves `'changed'`, writing nothing, when the object is another version.
   */
  download(
    bucket: string,
    key: string,
    destPath: string,
    options?: ProgressOptions & VersionOptions,
  ): Promise<void | 'changed'>;
  /** Streams `srcPath` into the object with the given user metadata. */
  upload(
    bucket: string,
    key: string,
    srcPath: string,
    metadata: Metadata,
    options?: PutOptions,
  ): Promise<PutOutcome>;
  /**
   * Rewrites the object's user metadata in place (S3 CopyObject onto itself), only if it
   * is still the version `ifMatch` names (its ETag): `'changed'` when it is not, or is
   * gone. The bytes are untouched.
   */
  replaceMetadata(
    bucket: string,
    key: string,
    metadata: Metadata,
    ifMatch: string,
  ): Promise<'replaced' | 'changed'>;
  /**
   * Deletes the object (a missing key counts as deleted); with `ifMatch`, only that
   * version: resolves what it found instead, deleting nothing.
   */
  delete(bucket: string, key: string, options?: VersionOptions): Promise<void | VersionMismatch>;
  /**
   * Deletes many objects (S3 DeleteObjects, 1000 keys a request). A key that could not
   * be deleted comes back with S3's reason; every other key is gone (a missing key
   * counts as gone, as with `delete`). Rejects only when no answer came at all.
   */
  deleteMany(bucket: string, keys: readonly string[]): Promise<DeleteFailure[]>;
}

/** One key a batch delete left in place, and why (S3's error code and message). */
export interface DeleteFailure {
  key: string;
  code: string;
  message: string;
}

/** A bound on bytes written: past it, the work stops and rejects with OutputLimitError. */
export interface LimitOptions {
  maxBytes?: number;
}

/** Binary delta encoder/decoder working file to file (xdelta3). */
export interface DifferPort {
  /** Writes to `deltaPath` a delta that turns `referencePath` into `targetPath`. */
  encode(
    referencePath: string,
    targetPath: string,
    deltaPath: string,
    options?: EncodeOptions,
  ): Promise<void>;
  /**
   * Writes to `outPath` the file that `deltaPath` makes from `referencePath`. With
   * `maxBytes`, stops as soon as the output passes it, removes it and rejects with
   * OutputLimitError (core/output-limit.ts).
   */
  decode(
    referencePath: string,
    deltaPath: string,
    outPath: string,
    options?: ProgressOptions & LimitOptions,
  ): Promise<void>;
  /** The command line recorded in `dg-delta-cmd` (informational only). */
  describeEncode(referenceName: string, targetName: string, deltaName: string): string;
}

export interface HasherPort {
  /** Lowercase hex sha256 of a file, streamed. */
  sha256File(path: string): Promise<string>;
}

/**
 * Local copies of reference files, addressed by their sha256. A cache entry is
 * always verified: `get` never returns a file whose bytes do not hash to `sha256`.
 */
export interface ReferenceCachePort {
  /** Path of a verified local copy, or undefined on a miss. */
  get(sha256: string): Promise<string | undefined>;
  /**
   * Takes ownership of `filePath` (moved, or copied when `copy` is set) as the
   * reference with this sha256; returns its path in the cache.
   */
  put(filePath: string, sha256: string, options?: { copy?: boolean }): Promise<string>;
}

export interface ClockPort {
  now(): Date;
  /** Resolves after `ms` milliseconds (backoff between retries). */
  sleep(ms: number): Promise<void>;
}

export interface LoggerPort {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  /** A notice (the action shows it in the run's annotations); `info` where absent. */
  notice?(message: string): void;
}

/** What is at a local path: nothing, a regular file, or something else (a directory, ...). */
export type LocalPathState = 'none' | 'file' | 'other';

/**
 * The local file system as the core needs it: sizes, leading bytes, scratch files, and
 * atomic placement of finished downloads.
 */
export interface LocalFilesPort {
  /** Size of a regular file; rejects (with a clear message) for anything else. */
  size(path: string): Promise<number>;
  /** Up to `bytes` leading bytes of a file. */
  readHead(path: string, bytes: number): Promise<Uint8Array>;
  /** A fresh path in a private scratch directory; the file does not exist yet. */
  tempPath(hint: string): string;
  /** A fresh hidden path beside `destPath`, on the same file system, for an atomic rename. */
  partialPathFor(destPath: string): string;
  /**
   * Rejects (naming it) a destination path this file system cannot hold, such as a name
   * longer than 255 bytes, without writing anything.
   */
  checkName(path: string): Promise<void>;
  /**
   * Whether the file system that would hold `path` treats names differing only in case as
   * one (NTFS, APFS by default), found without writing anything.
   */
  ignoresCase(path: string): Promise<boolean>;
  /** What is at `path` now (the overwrite check before a download). */
  state(path: string): Promise<LocalPathState>;
  ensureDir(dir: string): Promise<void>;
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file if it exists. */
  remove(path: string): Promise<void>;
}

/**
 * Sees through a compressed container (gzip, zip) whose exact bytes can be rebuilt from
 * its uncompressed content. The expanded form is self-describing: it carries whatever
 * the rebuild needs (deflate parameters, headers, container bytes) followed by the
 * content, so a delta between two expanded forms captures the recipe too.
 */
export interface ExpandOptions {
  /**
   * Called with each expanded form once it is written, and run while the codec proves it;
   * the codec waits for it before it rewrites the form or answers. A form it is called
   * with may still fail its proof: what the work made of it is a bet, to be matched
   * against the form `expand` finally answers with. Its rejections are ignored.
   */
  whileProving?: (expandedPath: string) => Promise<void>;
}

export interface ArchiveCodecPort {
  /**
   * When `path` is a container this codec reproduces byte for byte, writes its expanded
   * form to `expandedPath` and names the codec; otherwise resolves undefined and leaves
   * no file behind. Bounded in time, bytes and entries: past its budget it leaves no
   * file behind and resolves `declined` with the reason.
   */
  expand(
    path: string,
    expandedPath: string,
    options?: ExpandOptions,
  ): Promise<{ codec: string } | { declined: string } | undefined>;
  /**
   * Rebuilds the exact original bytes from an expanded form; with `maxBytes`, refuses an
   * expanded form that describes more (before any recompression) or writes more.
   */
  rebuild(expandedPath: string, outPath: string, options?: LimitOptions): Promise<void>;
  /**
   * The reference side of an archive-aware delta: a deterministic uncompressed view of a
   * container (its content decompressed, structure bytes verbatim). Unlike `expand` it
   * searches no recipe, so the uploader and every later downloader derive the same bytes
   * from the same reference. Resolves the view's name as `dg-ref-view` records it
   * (`view-v2`), or undefined, writing nothing, when `path` is not a container this codec
   * can read; the raw bytes are then the view. `version` names the view to build (a
   * delta's `dg-ref-view`); without it, the newest, named by the oldest version that has
   * the same bytes for this container (older releases read those deltas too). With
   * `maxBytes`, stops as soon as the view passes it, removes it and rejects with
   * OutputLimitError.
   */
  view(
    path: string,
    viewPath: string,
    options?: LimitOptions & { version?: string },
  ): Promise<string | undefined>;
}

/**
 * Where the core reports long work, file by file. The core says what runs for which
 * file; the shell decides what to print and how often (the action: steady progress lines
 * and one log group per file).
 */
export interface ProgressPort {
  /**
   * Runs all the work on one file (an upload or a download): what it logs and reports
   * belongs to that file, and its result titles the file's log.
   */
  file(name: string, work: () => Promise<FileResult>): Promise<FileResult>;
  /** Starts one long step on a file ("encoding", "uploading delta") of `totalBytes` (0: unknown). */
  step(file: string, activity: string, totalBytes: number): ProgressStep;
}

export interface ProgressStep {
  /** Bytes done so far. */
  update: ProgressListener;
  /** The step is over, successfully or not. */
  end(): void;
}
