// The gzip member header (RFC 1952). The expanded form keeps header and trailer verbatim,
// so parsing is only about finding where the deflate stream starts and what made it.

const FTEXT = 0x01;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;

export const GZIP_TRAILER_BYTES = 8;

export interface GzipHeader {
  /** Bytes from the magic number to the first deflate byte. */
  length: number;
  flags: number;
  text: boolean;
  mtime: number;
  /** Extra flags: 2 = slowest (level 9), 4 = fastest (level 1), 0 = anything else. */
  xfl: number;
  os: number;
  extra?: Buffer;
  name?: Buffer;
  comment?: Buffer;
  /** Whether a CRC16 of the header follows it. */
  hasHeaderCrc: boolean;
}

/** Whether leading bytes start a gzip member that uses deflate. */
export function isGzip(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b && head[2] === 8;
}

/**
 * Parses the header at the start of `bytes`. Undefined when the bytes are not gzip, use
 * reserved flags, or end before the header does (a name longer than `bytes`).
 */
export function parseGzipHeader(bytes: Uint8Array): GzipHeader | undefined {
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (data.length < 10 || !isGzip(data)) return undefined;
  const flags = data.readUInt8(3);
  if ((flags & RESERVED) !== 0) return undefined;
  const header: GzipHeader = {
    length: 10,
    flags,
    text: (flags & FTEXT) !== 0,
    mtime: data.readUInt32LE(4),
    xfl: data.readUInt8(8),
    os: data.readUInt8(9),
    hasHeaderCrc: (flags & FHCRC) !== 0,
  };
  let at = 10;
  if (flags & FEXTRA) {
    if (at + 2 > data.length) return undefined;
    const length = data.readUInt16LE(at);
    if (at + 2 + length > data.length) return undefined;
    header.extra = data.subarray(at + 2, at + 2 + length);
    at += 2 + length;
  }
  for (const [flag, field] of [
    [FNAME, 'name'],
    [FCOMMENT, 'comment'],
  ] as const) {
    if (flags & flag) {
      const end = data.indexOf(0, at);
      if (end < 0) return undefined;
      header[field] = data.subarray(at, end);
      at = end + 1;
    }
  }
  if (flags & FHCRC) at += 2;
  if (at > data.length) return undefined;
  header.length = at;
  return header;
}

/** Compression levels the XFL byte points at, most likely first. */
export function levelsFromXfl(xfl: number): number[] {
  if (xfl === 2) return [9];
  if (xfl === 4) return [1];
  return [6];
}
