// Near misses: an engine that reproduces a deflate stream except for its last few bytes.
//
// Some tools deflate with the same code as an engine but end the stream their own way:
// Info-ZIP `zip` on a 12 MB binary entry matches `gzip -n -6` except its last 3 bytes;
// a compressor that flushes before finishing matches up to the start of its last block.
// Such a stream is rebuilt from the engine's output up to where it first differs, followed
// by the original's remaining bytes (the correction), stored verbatim.
//
// The bound: a correction is opaque compressed bytes that a delta cannot see into, so it
// may cost at most 0.1% of the stream (at least 64 bytes, which covers the measured
// end-of-stream differences of 3–4 bytes and a flushed last block of a few hundred bytes
// on small streams), and never more than 64 KiB whatever the stream's size. A difference
// further from the end means another encoder (or another block split), not a near miss:
// the stream stays compressed. Readers apply the same bound, so an untrusted expanded form
// cannot make a download copy more than this per stream.

export const CORRECTION_LIMITS = {
  minBytes: 64,
  fraction: 0.001,
  maxBytes: 64 * 1024,
};

/** The most correction bytes a deflate stream of `deflateLength` bytes may carry. */
export function maxCorrectionBytes(deflateLength: number): number {
  const { minBytes, fraction, maxBytes } = CORRECTION_LIMITS;
  return Math.min(maxBytes, Math.max(minBytes, Math.floor(deflateLength * fraction)));
}

/**
 * The correction for an engine whose output first differs from a `deflateLength`-byte
 * stream at `matched` (the engine's output then ends, is longer, or has another byte):
 * the original's bytes from there on, or undefined when there are too many of them.
 * Never more bytes than the engine reproduces.
 */
export function nearMiss(matched: number, deflateLength: number): number | undefined {
  const tail = deflateLength - matched;
  if (tail < 0 || tail > maxCorrectionBytes(deflateLength) || tail > matched) return undefined;
  return tail;
}
