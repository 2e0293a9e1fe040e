// Errors the shells show to people. Each says what went wrong and, where we know it,
// what to do about it, so the action can print `message` alone, without a stack trace.

export class DeltaGliderError extends Error {
  constructor(
    message: string,
    /** What the user can do about it; shown after the message. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Message plus hint, the form the action and the CLI print. */
  describe(): string {
    return this.hint ? `${this.message}. ${this.hint}` : this.message;
  }
}

/** Bad input from the user: a malformed URL, a missing file, an invalid option. */
export class InputError extends DeltaGliderError {}

/** The bucket does not hold what the request names. */
export class NotFoundError extends DeltaGliderError {}

/** Bytes that do not match the sha256 their metadata promises. */
export class IntegrityError extends DeltaGliderError {}

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
  constructor(
    readonly local: LocalProblem,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot ${local.verb ?? 'write'} ${local.path}: ${local.problem} (${local.code})${space(local)}`,
      `This is a problem of this machine, not of the bucket: ${local.fix}`,
      options,
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

/** The message of any thrown value, for shells that must print something. */
export function describeError(error: unknown): string {
  if (error instanceof DeltaGliderError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
