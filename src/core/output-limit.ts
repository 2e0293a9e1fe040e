// Bounds on what a few bytes from the bucket may make us write: a delta may decode to no
// more than the size its metadata records, and everything archive-aware (the reference
// view, the expanded form) to no more than a fixed multiple of the bytes it came from.
import { IntegrityError, type ErrorCode } from './errors.js';

/** Expanded forms and reference views may be this many times their container... */
export const EXPANSION_RATIO = 32;
/** ...or this size, whichever is larger (small archives of very compressible data). */
export const EXPANSION_FLOOR_BYTES = 64 * 1024 * 1024;

/**
 * The most an archive-aware expansion of `containerBytes` may take: the expanded form
 * of a file, or the view of a reference. The uploader never writes more; a download
 * refuses metadata that records more, and stops any build that passes it.
 */
export function expansionLimit(containerBytes: number): number {
  return Math.max(EXPANSION_FLOOR_BYTES, EXPANSION_RATIO * containerBytes);
}

/**
 * An output passed the size it was bounded by (decoding, a view, a rebuild): stopped at
 * once, with its partial output removed. A verdict on the object, like a sha256 mismatch.
 */
export class OutputLimitError extends IntegrityError {
  static override readonly defaultCode: ErrorCode = 'output-limit';

  constructor(
    readonly limitBytes: number,
    /** The full message; by default a generic one. */
    message = `The output exceeds its limit of ${limitBytes} bytes; it was stopped there`,
    cause?: unknown,
  ) {
    super(message, 'The object is corrupt or hostile; nothing was written', { cause });
  }
}
