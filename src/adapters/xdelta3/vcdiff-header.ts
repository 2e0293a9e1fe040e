// The VCDIFF file header (RFC 3284 section 4.1, with xdelta3's application header) and
// the concatenation of several VCDIFF outputs into one: a segmented encode
// (segmented-encode.ts) gives one VCDIFF per segment of the target, each with its own
// header followed by its windows. Windows carry their own source offsets and lengths, so
// the parts join into one valid VCDIFF by keeping the first header and dropping the
// others, provided every part was written with the same header (same flags, no
// secondary compressor: LZMA state spans windows; BENCHMARKS.md, "Parallel encode").

const MAGIC = [0xd6, 0xc3, 0xc4, 0x00];
const VCD_SECONDARY = 0x01;
const VCD_CODETABLE = 0x02;
const VCD_APPHEADER = 0x04;
/** Application headers are file names and such; anything larger is not xdelta3 output. */
const MAX_SECTION_BYTES = 1024 * 1024;

export class VcdiffFormatError extends Error {}

/**
 * The length of the VCDIFF header at the start of `bytes`, or undefined when `bytes`
 * ends before the header does (read more and ask again). Throws on anything that is not
 * a VCDIFF header.
 */
export function vcdiffHeaderLength(bytes: Uint8Array): number | undefined {
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= bytes.length) return undefined;
    if (bytes[i] !== MAGIC[i]) throw new VcdiffFormatError('not a VCDIFF file (bad magic bytes)');
  }
  if (bytes.length <= 4) return undefined;
  const indicator = bytes[4] as number;
  if (indicator & ~(VCD_SECONDARY | VCD_CODETABLE | VCD_APPHEADER))
    throw new VcdiffFormatError(`unknown VCDIFF header indicator 0x${indicator.toString(16)}`);
  let offset = 5;
  if (indicator & VCD_SECONDARY) offset += 1;
  for (const flag of [VCD_CODETABLE, VCD_APPHEADER]) {
    if (!(indicator & flag)) continue;
    const section = readVarint(bytes, offset);
    if (section === undefined) return undefined;
    if (section.value > MAX_SECTION_BYTES)
      throw new VcdiffFormatError(`VCDIFF header section of ${section.value} bytes`);
    offset = section.next + section.value;
  }
  return offset <= bytes.length ? offset : undefined;
}

/**
 * A VCDIFF integer (base 128, most significant digit first, high bit set on all but the
 * last byte) at `offset`: its value and the offset after it, or undefined if cut short.
 */
export function readVarint(
  bytes: Uint8Array,
  offset: number,
): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = offset; i < bytes.length; i++) {
    if (i - offset >= 5) throw new VcdiffFormatError('VCDIFF integer longer than 5 bytes');
    const byte = bytes[i] as number;
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      if (value > 0xffffffff) throw new VcdiffFormatError('VCDIFF integer above 32 bits');
      return { value, next: i + 1 };
    }
  }
  return undefined;
}

/**
 * Joins VCDIFF parts given in order, chunk by chunk, without holding a part in memory:
 * the first part passes whole; from the others the header is checked against the first
 * one's and dropped. `startPart`, then `push` each chunk (it returns the bytes to write
 * out), then `endPart`.
 */
export class VcdiffConcatenator {
  private header: Buffer | undefined;
  private pending: Buffer | undefined;
  private parts = 0;

  startPart(): void {
    if (this.pending) throw new VcdiffFormatError('startPart before the previous part ended');
    this.pending = Buffer.alloc(0);
    this.parts++;
  }

  push(chunk: Buffer): Buffer {
    if (!this.pending) return chunk;
    const head = Buffer.concat([this.pending, chunk]);
    const length = vcdiffHeaderLength(head);
    if (length === undefined) {
      if (head.length > MAX_SECTION_BYTES * 2)
        throw new VcdiffFormatError('VCDIFF header too long');
      this.pending = head;
      return Buffer.alloc(0);
    }
    this.pending = undefined;
    if (!this.header) {
      this.header = Buffer.from(head.subarray(0, length));
      return head;
    }
    if (!this.header.equals(head.subarray(0, length)))
      throw new VcdiffFormatError(
        `part ${this.parts} has another VCDIFF header than part 1: the parts cannot be joined`,
      );
    return head.subarray(length);
  }

  endPart(): void {
    if (this.pending)
      throw new VcdiffFormatError(`part ${this.parts} ended inside its VCDIFF header`);
  }
}
