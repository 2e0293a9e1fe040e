// xdelta3 only finds matches inside its source window (`-B`, default 64 MiB): content
// that moved further than that is stored literally (NOTES.md). Sizing the window to the
// whole reference keeps large artifacts small; xdelta3 allocates by the source it
// actually reads, so a window larger than a small reference costs nothing.
export const DEFAULT_WINDOW_BYTES = 64 * 1024 * 1024;
/** xdelta3 3.0.x rejects larger values ("-B: maximum value: 2147483648"). */
export const MAX_WINDOW_BYTES = 2 * 1024 * 1024 * 1024;

export function sourceWindowFor(referenceBytes: number, maxWindowBytes = MAX_WINDOW_BYTES): number {
  const cap = Math.min(maxWindowBytes, MAX_WINDOW_BYTES);
  let window = DEFAULT_WINDOW_BYTES;
  while (window < referenceBytes && window < cap) window *= 2;
  return Math.max(DEFAULT_WINDOW_BYTES, Math.min(window, cap));
}
