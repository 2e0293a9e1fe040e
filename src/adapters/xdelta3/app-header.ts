import { open } from 'node:fs/promises';

// xdelta3 records in its VCDIFF application header whether it decompressed the source
// and the target itself ("out.tar.gz/G/ref.tar.gz/G": gzip; B bzip2, Y xz, Z compress).
// It does so when encoding without -D, as the reference DeltaGlider CLI does. Such a
// delta only decodes the way it was made: with xdelta3's own external (de)compression,
// i.e. without -D -R (docs/format.md, "Interoperability").

/** The VCDIFF magic: 'V' 'C' 'D' with the high bit set, then version 0. */
const MAGIC = [0xd6, 0xc3, 0xc4, 0x00];
const VCD_SECONDARY = 0x01;
const VCD_CODETABLE = 0x02;
const VCD_APPHEADER = 0x04;
/** Enough for any header xdelta3 writes (two file names); more is not read. */
const HEAD_BYTES = 64 * 1024;

/** The compression letters the header records for the target and the source ('' for none). */
export interface ExternalCompression {
  target: string;
  source: string;
}

/**
 * The external compression an xdelta3 delta was made with, from its application header,
 * or undefined when it records none (or the file is no VCDIFF xdelta3 wrote): then the
 * delta decodes with -D -R. Reads at most 64 KiB; never throws on odd bytes.
 */
export async function externalCompressionOf(
  deltaPath: string,
): Promise<ExternalCompression | undefined> {
  const handle = await open(deltaPath, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return parseExternalCompression(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The pure part of `externalCompressionOf`, on the delta's leading bytes. */
export function parseExternalCompression(head: Uint8Array): ExternalCompression | undefined {
  const appHeader = applicationHeader(head);
  if (appHeader === undefined) return undefined;
  // "target/T/source/S", or "target/T" without a source. File names never hold a '/'
  // (xdelta3 writes basenames), so the letters are the 2nd and 4th fields.
  const fields = appHeader.split('/');
  if (fields.length !== 2 && fields.length !== 4) return undefined;
  const target = fields[1] ?? '';
  const source = fields[3] ?? '';
  return target === '' && source === '' ? undefined : { target, source };
}

/** The application header of a VCDIFF file's leading bytes, or undefined. */
function applicationHeader(head: Uint8Array): string | undefined {
  if (head.length < 5 || MAGIC.some((byte, i) => head[i] !== byte)) return undefined;
  const indicator = head[4]!;
  let at = 5;
  if (indicator & VCD_SECONDARY) at += 1;
  if (indicator & VCD_CODETABLE) {
    const table = varint(head, at);
    if (!table) return undefined;
    at = table.next + table.value;
  }
  if (!(indicator & VCD_APPHEADER)) return undefined;
  const length = varint(head, at);
  if (!length || length.next + length.value > head.length) return undefined;
  return Buffer.from(head.subarray(length.next, length.next + length.value)).toString('latin1');
}

/** A VCDIFF integer: base 128, most significant group first, high bit = more follows. */
function varint(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = at; i < bytes.length && i < at + 5; i++) {
    const byte = bytes[i]!;
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) return { value, next: i + 1 };
  }
  return undefined;
}
