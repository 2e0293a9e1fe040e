// Errors the shells show to people. Every error the product raises is a DeltaGliderError
// with a `code` and structured fields. The message says what went wrong in words any
// shell can print; a `hint` it carries is shell-neutral. Advice that names a setting
// (an action input, a CLI flag) belongs to the shells: src/action/hints.ts and
// src/cli/hints.ts map each code, with its fields, to a hint in their own words.

/** Every code, so tests can check that each shell has a hint for each. */
export const ERROR_CODES = [
  // Input and names
  'bad-input',
  'bad-url',
  'bad-setting',
  'missing-file',
  'name-clash',
  'unsafe-name',
  'reserved-name',
  'empty-space',
  'would-overwrite',
  // Objects in the bucket
  'not-found',
  'no-such-file',
  'integrity',
  'output-limit',
  'foreign-reference',
  'archive-aware-mismatch',
  'reference-never-appeared',
  'reference-kept-changing',
  'unsupported-format',
  // This machine
  'local-file',
  'source-changed',
  // xdelta3 and its provisioning
  'xdelta3-missing',
  'xdelta3-failed',
  'xdelta3-unusable',
  'xdelta3-download',
  'xdelta3-checksum',
  'xdelta3-archive',
  'xdelta3-unavailable',
  // Storage (src/adapters/s3/errors.ts classifies SDK failures)
  'storage-no-credentials',
  'storage-bad-credentials',
  'storage-unreachable',
  'storage-dropped',
  'storage-timeout',
  'storage-no-bucket',
  'storage-no-key',
  'storage-wrong-region',
  'storage-denied',
  'storage-failed',
  // A failure with no better name (a bug, an unexpected state)
  'failed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A setting people choose, named by each shell in its own words: the action's input
 * (`s3-url`, `overwrite: true`), the CLI's argument or flag (`--overwrite`).
 */
export type Setting =
  | 'location'
  | 'path'
  | 'overwrite'
  | 'archive-aware'
  | 'endpoint'
  | 'region'
  | 'max-attempts'
  | 'concurrency'
  | 'cache-dir'
  | 'xdelta3-path'
  | 'xdelta3-url'
  | 'xdelta3-sha256'
  | 'xdelta3-version'
  | 'xdelta3-install';

/** What an error is about, for hints and for programs (each field optional). */
export interface ErrorFields {
  /** The setting at fault, or the one that would fix it. */
  setting?: Setting;
  /** A second setting the hint names (`xdelta3-url` without its `xdelta3-sha256`). */
  other?: Setting;
  bucket?: string;
  key?: string;
  /** A local file or directory. */
  path?: string;
  /** Local files the error is about (two with one name, existing destinations). */
  paths?: readonly string[];
  /** The release an object needs (`1.3`), for `unsupported-format`. */
  release?: string;
}

export interface ErrorOptions {
  cause?: unknown;
  /** Overrides the class's code. */
  code?: ErrorCode;
  fields?: ErrorFields;
}

export class DeltaGliderError extends Error {
  /** The code when the thrower names none. */
  static readonly defaultCode: ErrorCode = 'failed';
  readonly code: ErrorCode;
  readonly fields: ErrorFields;

  constructor(
    message: string,
    /** What the user can do about it, in words that hold for every shell. */
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options?.code ?? (new.target as typeof DeltaGliderError).defaultCode;
    this.fields = options?.fields ?? {};
  }

  /** Message plus the neutral hint: what code without a shell prints. */
  describe(): string {
    return joinHint(this.message, this.hint);
  }
}

/** Bad input from the user: a malformed URL, a missing file, an invalid option. */
export class InputError extends DeltaGliderError {
  static override readonly defaultCode: ErrorCode = 'bad-input';
}

/** The bucket does not hold what the request names. */
export class NotFoundError extends DeltaGliderError {
  static override readonly defaultCode: ErrorCode = 'not-found';
}

/** Bytes that do not match the sha256 their metadata promises. */
export class IntegrityError extends DeltaGliderError {
  static override readonly defaultCode: ErrorCode = 'integrity';
}

/** What went wrong on this machine, as the adapter that saw it describes it. */
export interface LocalProblem {
  /** The local file or directory the operation failed on. */
  path: string;
  /** The errno code (ENOSPC, EACCES, EROFS, EMFILE, ...). */
  code: string;
  /** "no space left on the device" */
  problem: string;
  /** What the user can do. */
  fix: string;
  /** "write" (default), "read", "create". */
  verb?: string;
  bytesNeeded?: number;
  bytesFree?: number;
}

/**
 * A problem on this machine (a full disk, no permission, a read-only file system, too
 * many open files, a name too long), not in the bucket: never a verdict on an object.
 */
export class LocalFileError extends DeltaGliderError {
  static override readonly defaultCode: ErrorCode = 'local-file';

  constructor(
    readonly local: LocalProblem,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot ${local.verb ?? 'write'} ${local.path}: ${local.problem} (${local.code})${space(local)}`,
      `This is a problem of this machine, not of the bucket: ${local.fix}`,
      { cause: options?.cause, fields: { path: local.path } },
    );
  }

  /** The same error, saying how many bytes the file needs (when space ran out). */
  needing(bytes: number | undefined): LocalFileError {
    const full = this.local.code === 'ENOSPC' || this.local.code === 'EDQUOT';
    if (!full || bytes === undefined || this.local.bytesNeeded !== undefined) return this;
    return new LocalFileError({ ...this.local, bytesNeeded: bytes }, { cause: this.cause });
  }

  /** The same error on `path` (the destination a partial file stands in for). */
  at(path: string): LocalFileError {
    return new LocalFileError({ ...this.local, path }, { cause: this.cause });
  }
}

function space({ bytesNeeded, bytesFree }: LocalProblem): string {
  const parts = [
    bytesNeeded === undefined ? '' : `${bytesNeeded.toLocaleString('en-US')} bytes needed`,
    bytesFree === undefined ? '' : `${bytesFree.toLocaleString('en-US')} bytes free there`,
  ].filter(Boolean);
  return parts.length === 0 ? '' : `; ${parts.join(', ')}`;
}

function joinHint(message: string, hint: string | undefined): string {
  return hint ? `${message}. ${hint}` : message;
}

/**
 * A shell's hint for an error, in the shell's words, or undefined to print the error's
 * own (neutral) hint. A shell's hint replaces the neutral one: it says the same, better.
 */
export type HintFor = (error: DeltaGliderError) => string | undefined;

/** A shell's hints: one entry per code, so a new code cannot go without one. */
export type ShellHints = Readonly<Record<ErrorCode, HintFor>>;

/** For codes whose message and neutral hint already say everything. */
export const ownHint: HintFor = () => undefined;

/** The message of any thrown value, with the hint `hints` give it (the shells' printer). */
export function describeError(error: unknown, hints?: ShellHints): string {
  if (error instanceof DeltaGliderError) {
    // `?.(`: the printer must never throw, even for a code a map lacks at run time.
    return joinHint(error.message, hints?.[error.code]?.(error) ?? error.hint);
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
