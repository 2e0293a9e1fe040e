import * as core from '@actions/core';
import { DeltaGliderError } from '../core/errors.js';
import type { IfNoFilesFound } from './inputs.js';

// `if-not-found`: a download of something the bucket does not hold is, for a CI cache, a
// normal first run (actions/cache treats a miss the same way). Only a miss is forgiven:
// denied access, a missing reference or bytes that fail their sha256 still fail the step.

/** The codes that mean "the bucket does not hold the file, DeltaSpace or pack named". */
const MISS_CODES: ReadonlySet<string> = new Set(['no-such-file', 'empty-space']);

export function isMiss(error: unknown): error is DeltaGliderError {
  return error instanceof DeltaGliderError && MISS_CODES.has(error.code);
}

/**
 * Runs the download; on a miss with `warn` or `ignore`, logs it (a warning or an info
 * line) and resolves to `{ kind: 'missing' }` instead of failing.
 */
export async function allowMiss<T>(
  policy: IfNoFilesFound,
  run: () => Promise<T>,
): Promise<{ kind: 'found'; value: T } | { kind: 'missing'; message: string }> {
  try {
    return { kind: 'found', value: await run() };
  } catch (error) {
    if (policy === 'error' || !isMiss(error)) throw error;
    const message = `${error.message}; nothing was downloaded (if-not-found: ${policy})`;
    if (policy === 'warn') core.warning(message);
    else core.info(message);
    return { kind: 'missing', message };
  }
}
