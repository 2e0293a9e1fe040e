import { availableParallelism } from 'node:os';
import { InputError } from '../../core/errors.js';

// How a segmented encode splits its target (segmented-encode.ts). Segments are whole
// multiples of xdelta3's target window (-W, 8 MiB by default), so each segment's windows
// start where single-process xdelta3's would and the joined delta has the same windows.

export const TARGET_WINDOW_BYTES = 8 * 1024 * 1024;
export const MAX_ENCODE_WORKERS = 64;

export interface ByteRange {
  start: number;
  /** Exclusive. */
  end: number;
}

/**
 * Splits `targetBytes` into at most `maxSegments` ranges of whole `unitBytes` (the last
 * one takes the rest), as even as the units allow. One range when the target is smaller
 * than two units or one segment is all there may be.
 */
export function planSegments(
  targetBytes: number,
  maxSegments: number,
  unitBytes = TARGET_WINDOW_BYTES,
): ByteRange[] {
  const units = Math.ceil(targetBytes / unitBytes);
  const count = Math.max(1, Math.min(Math.floor(maxSegments), units));
  if (targetBytes < 2 * unitBytes || count < 2) return [{ start: 0, end: targetBytes }];
  const ranges: ByteRange[] = [];
  let unit = 0;
  for (let i = 0; i < count; i++) {
    const take = Math.floor(units / count) + (i < units % count ? 1 : 0);
    const start = unit * unitBytes;
    unit += take;
    ranges.push({ start, end: Math.min(unit * unitBytes, targetBytes) });
  }
  return ranges;
}

/**
 * Encode processes at once (all files and segments together): `DG_ENCODE_WORKERS` when
 * set (a machine setting, e.g. to take a 4-worker figure), else the CPUs available.
 */
export function encodeWorkersFrom(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.DG_ENCODE_WORKERS?.trim();
  if (!text) return availableParallelism();
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_ENCODE_WORKERS) {
    throw new InputError(
      `DG_ENCODE_WORKERS must be a whole number from 1 to ${MAX_ENCODE_WORKERS}, got ${JSON.stringify(text.slice(0, 20))}`,
      'Unset DG_ENCODE_WORKERS to use every CPU, or set it to the number of xdelta3 encode processes to run at once',
    );
  }
  return value;
}
