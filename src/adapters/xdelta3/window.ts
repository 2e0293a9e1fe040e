// xdelta3 only finds matches inside its source window (`-B`, default 64 MiB): content
// that moved further than that is stored literally (BENCHMARKS.md: a 256 MiB
// file whose second half moved to the front gives a 94% delta in 340 s with the default
// window, 911 bytes in 20 s with -B 256 MiB). So the window covers the whole reference,
// as far as the memory budget allows.
//
// What xdelta3 3.0.11 takes, measured with `-9` (BENCHMARKS.md, "xdelta3 memory"):
// it rounds -B up to a power of two W, then
//   encode: the source it holds, min(reference, W), plus a hash table of min(2 W, 1 GiB)
//           that it fills whatever the reference size, plus up to ~60 MB;
//   decode: min(reference, W) plus up to ~60 MB. Decoding seeks the source, so any window
//           decodes any delta, but one that holds the reference avoids re-reading it
//           (a 93 MiB binary: 2.2 s with W = 128 MiB, 9.1 s with 64 MiB).
// The estimates below round those up a little so that the budget is a ceiling.

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export const DEFAULT_WINDOW_BYTES = 64 * MIB;
/** xdelta3 3.0.x rejects larger values ("-B: maximum value: 2147483648"). */
export const MAX_WINDOW_BYTES = 2 * GIB;
/**
 * Default for the memory all xdelta3 processes of a step may use together, sized for a
 * 7 GB runner: references up to 1.9 GiB are matched whole (one encode then takes up to
 * 3.2 GB), larger ones through a 1 GiB window (2.2 GB), leaving the rest to the runner.
 */
export const DEFAULT_XDELTA3_MEMORY_BYTES = 3 * GIB;
/** Below this, not even one encode at the smallest window fits. */
export const MIN_XDELTA3_MEMORY_BYTES = 256 * MIB;

const HASH_TABLE_CAP = GIB;
const PROCESS_OVERHEAD = 64 * MIB;

/** The power-of-two window (64 MiB to 2 GiB) that covers `referenceBytes`, capped at `maxWindowBytes`. */
export function sourceWindowFor(referenceBytes: number, maxWindowBytes = MAX_WINDOW_BYTES): number {
  const cap = Math.min(maxWindowBytes, MAX_WINDOW_BYTES);
  let window = DEFAULT_WINDOW_BYTES;
  while (window < referenceBytes && window < cap) window *= 2;
  return Math.max(DEFAULT_WINDOW_BYTES, Math.min(window, cap));
}

/** Peak RSS of one `xdelta3 -e -9 -B window` against a reference of this size (estimate, bytes). */
export function encodeMemoryFor(referenceBytes: number, windowBytes: number): number {
  const window = powerOfTwoAtLeast(windowBytes);
  return Math.min(referenceBytes, window) + Math.min(2 * window, HASH_TABLE_CAP) + PROCESS_OVERHEAD;
}

/** Peak RSS of one `xdelta3 -d -B window` against a reference of this size (estimate, bytes). */
export function decodeMemoryFor(referenceBytes: number, windowBytes: number): number {
  return Math.min(referenceBytes, powerOfTwoAtLeast(windowBytes)) + PROCESS_OVERHEAD;
}

/**
 * The encode window for a reference: the whole reference, halved until one encode fits
 * `memoryBytes` (never below the 64 MiB default, which xdelta3 would use anyway).
 */
export function encodeWindowFor(
  referenceBytes: number,
  memoryBytes = DEFAULT_XDELTA3_MEMORY_BYTES,
): number {
  return shrinkToFit(referenceBytes, (w) => encodeMemoryFor(referenceBytes, w) <= memoryBytes);
}

/** The decode window for a reference, by the same rule with the decoder's smaller footprint. */
export function decodeWindowFor(
  referenceBytes: number,
  memoryBytes = DEFAULT_XDELTA3_MEMORY_BYTES,
): number {
  return shrinkToFit(referenceBytes, (w) => decodeMemoryFor(referenceBytes, w) <= memoryBytes);
}

function shrinkToFit(referenceBytes: number, fits: (window: number) => boolean): number {
  let window = sourceWindowFor(referenceBytes);
  while (window > DEFAULT_WINDOW_BYTES && !fits(window)) window /= 2;
  return window;
}

function powerOfTwoAtLeast(bytes: number): number {
  let value = 1;
  while (value < bytes) value *= 2;
  return value;
}
