// The 512-byte tar header (POSIX ustar) and PAX extended records: the small part of the
// format the pack writer emits and the unpack reader accepts.

export const BLOCK = 512;

/** Largest size a ustar header holds (11 octal digits); bigger files get a PAX `size`. */
export const USTAR_MAX_SIZE = 0o77777777777;

export type EntryType =
  | 'file'
  | 'directory'
  | 'symlink'
  | 'hardlink'
  | 'device'
  | 'fifo'
  | 'pax'
  | 'pax-global'
  | 'gnu-longname'
  | 'gnu-longlink'
  | 'other';

export interface RawHeader {
  name: string;
  mode: number;
  size: number;
  type: EntryType;
  /** The type flag as found (for messages about types we refuse). */
  flag: string;
  linkname: string;
}

const FLAGS: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file', // contiguous file: a regular file to every reader
  '5': 'directory',
  '2': 'symlink',
  '1': 'hardlink',
  '3': 'device',
  '4': 'device',
  '6': 'fifo',
  x: 'pax',
  g: 'pax-global',
  L: 'gnu-longname',
  K: 'gnu-longlink',
};

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function putString(block: Buffer, offset: number, width: number, text: string): void {
  block.write(text, offset, width, 'utf8');
}

/**
 * A ustar header with fixed owner (0/0, no names) and mtime, so the same files always
 * make the same bytes. `name` must already fit (see `splitUstarName`).
 */
export function encodeHeader(fields: {
  name: string;
  prefix: string;
  mode: number;
  size: number;
  mtime: number;
  flag: string;
}): Buffer {
  const block = Buffer.alloc(BLOCK);
  putString(block, 0, 100, fields.name);
  putString(block, 100, 8, octal(fields.mode & 0o7777, 8));
  putString(block, 108, 8, octal(0, 8));
  putString(block, 116, 8, octal(0, 8));
  putString(block, 124, 12, octal(Math.min(fields.size, USTAR_MAX_SIZE), 12));
  putString(block, 136, 12, octal(fields.mtime, 12));
  putString(block, 156, 1, fields.flag);
  putString(block, 257, 6, 'ustar\0');
  putString(block, 263, 2, '00');
  putString(block, 345, 155, fields.prefix);
  block.fill(0x20, 148, 156);
  putString(block, 148, 8, checksumOf(block).toString(8).padStart(6, '0') + '\0 ');
  return block;
}

function checksumOf(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

/** `[prefix, name]` when the path fits ustar's 155 + 100 bytes of ASCII, else undefined. */
export function splitUstarName(path: string): [string, string] | undefined {
  if (!/^[\x20-\x7e]*$/.test(path)) return undefined;
  if (path.length <= 100) return ['', path];
  for (let cut = path.indexOf('/'); cut !== -1; cut = path.indexOf('/', cut + 1)) {
    if (cut <= 155 && path.length - cut - 1 <= 100 && cut > 0) {
      return [path.slice(0, cut), path.slice(cut + 1)];
    }
  }
  return undefined;
}

/** One PAX record, `"<len> <key>=<value>\n"`, whose length counts its own digits. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyBytes = Buffer.byteLength(body);
  let length = bodyBytes + String(bodyBytes).length;
  if (String(length).length !== String(bodyBytes).length)
    length = bodyBytes + String(length).length;
  return `${length}${body}`;
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

function cString(block: Buffer, offset: number, width: number): string {
  const field = block.subarray(offset, offset + width);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? width : end).toString('utf8');
}

/** Octal (ustar) or base-256 (GNU, for big values); undefined when malformed. */
function parseNumber(block: Buffer, offset: number, width: number): number | undefined {
  const field = block.subarray(offset, offset + width);
  if (field[0]! & 0x80) {
    if (field[0] !== 0x80) return undefined; // negative or absurdly large
    let value = 0;
    for (let i = 1; i < width; i++) value = value * 256 + field[i]!;
    return Number.isSafeInteger(value) ? value : undefined;
  }
  const text = cString(block, offset, width).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  const value = parseInt(text, 8);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** Decodes a header block; throws a plain Error (the reader words it) when malformed. */
export function decodeHeader(block: Buffer): RawHeader {
  const stored = parseNumber(block, 148, 8);
  if (stored === undefined || stored !== checksumOf(block)) {
    throw new Error('a header with a bad checksum (not a tar file, or a corrupt one)');
  }
  const size = parseNumber(block, 124, 12);
  const mode = parseNumber(block, 100, 8);
  if (size === undefined || mode === undefined) throw new Error('a header with a malformed number');
  const flag = String.fromCharCode(block[156]!);
  const ustar = block.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = ustar ? cString(block, 345, 155) : '';
  const name = cString(block, 0, 100);
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode,
    size,
    type: FLAGS[flag] ?? 'other',
    flag,
    linkname: cString(block, 157, 100),
  };
}

/** Parses PAX records (`path`, `size`, `linkpath` matter); throws when malformed. */
export function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // padding
    const space = data.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) {
      throw new Error('a malformed PAX extended header');
    }
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq === -1 || data[at + length - 1] !== 0x0a) {
      throw new Error('a malformed PAX extended header');
    }
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}
