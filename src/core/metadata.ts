import type { Metadata } from '../ports.js';
import { readability, READER_KEY, WRITTEN_READER, type NeedsRelease } from './form-level.js';
import { hasControlChars } from './text-safety.js';
import { TOOL_ID } from './version.js';

// The `dg-*` user metadata of docs/format.md: written exactly as the contract says, read
// liberally (older DeltaGlider releases wrote other spellings of the same fields).

export interface ReferenceFields {
  sourceName: string;
  sha256: string;
  createdAt: Date;
  /** `dg-ref-sketch`: the content sketch smart references choose by (references/sketch.ts). */
  sketch?: string;
}

export interface DeltaFields {
  originalName: string;
  sha256: string;
  size: number;
  createdAt: Date;
  refKey: string;
  refSha256: string;
  deltaSize: number;
  deltaCmd: string;
  note?: string;
  /** Set for archive-aware deltas: how the target and the reference were seen. */
  archive?: ArchiveFields;
}

/**
 * An archive-aware delta goes from the reference's view to the file's expanded form
 * (docs/archive-aware.md): `codec` names the container, `refView` how the reference was
 * seen (`raw`, or the codec's view version).
 */
export interface ArchiveFields {
  codec: string;
  refView: string;
  /**
   * What a download must build before the rebuild, recorded so it can be bounded and
   * checked first (`dg-expanded-size`, `dg-expanded-sha256`: the expanded form the delta
   * decodes to; `dg-ref-view-size`, `dg-ref-view-sha256`: the reference's view, unless
   * `refView` is `raw`). Objects written before these keys existed lack them.
   */
  expandedSize?: number;
  expandedSha256?: string;
  refViewSize?: number;
  refViewSha256?: string;
}

/** The expanded-form version this build writes and reads (`dg-archive-format`). */
export const ARCHIVE_FORMAT = 'expanded-v1';

export interface DirectFields {
  originalName: string;
  sha256: string;
  size: number;
  createdAt: Date;
}

export const ZERO_DIFF_NOTE = 'zero-diff (reference identical)';

/** `2026-11-25T16:26:05.453000Z`: ISO-8601 with microseconds, as the reference tool writes. */
export function formatCreatedAt(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function encodeReference(f: ReferenceFields): Metadata {
  return headerSafe({
    'dg-tool': TOOL_ID,
    [READER_KEY]: WRITTEN_READER,
    'dg-source-name': f.sourceName,
    'dg-file-sha256': f.sha256,
    'dg-created-at': formatCreatedAt(f.createdAt),
    'dg-note': 'reference',
    ...(f.sketch ? { 'dg-ref-sketch': f.sketch } : {}),
  });
}

export function encodeDelta(f: DeltaFields): Metadata {
  const meta: Metadata = {
    'dg-tool': TOOL_ID,
    [READER_KEY]: WRITTEN_READER,
    'dg-original-name': f.originalName,
    'dg-file-sha256': f.sha256,
    'dg-file-size': String(f.size),
    'dg-created-at': formatCreatedAt(f.createdAt),
    'dg-ref-key': f.refKey,
    'dg-ref-sha256': f.refSha256,
    'dg-delta-size': String(f.deltaSize),
    'dg-delta-cmd': boundedCommand(f.deltaCmd, f.originalName),
  };
  if (f.archive) {
    meta['dg-archive-codec'] = f.archive.codec;
    meta['dg-archive-format'] = ARCHIVE_FORMAT;
    meta['dg-ref-view'] = f.archive.refView;
    const { expandedSize, expandedSha256, refViewSize, refViewSha256 } = f.archive;
    if (expandedSize !== undefined) meta['dg-expanded-size'] = String(expandedSize);
    if (expandedSha256 !== undefined) meta['dg-expanded-sha256'] = expandedSha256;
    if (refViewSize !== undefined) meta['dg-ref-view-size'] = String(refViewSize);
    if (refViewSha256 !== undefined) meta['dg-ref-view-sha256'] = refViewSha256;
  }
  if (f.note) meta['dg-note'] = f.note;
  return headerSafe(meta);
}

/** Longest `dg-delta-cmd` written, in header characters (metadata-budget.ts says why). */
export const MAX_DELTA_CMD_CHARS = 256;

/**
 * `dg-delta-cmd` is informational and names the file twice: with a long (or encoded
 * non-ASCII) name it would take a third of S3's 2 KB metadata allowance. Past
 * MAX_DELTA_CMD_CHARS the name reads `<file>`; the name itself is in dg-original-name.
 */
function boundedCommand(command: string, name: string): string {
  if (encodeHeaderValue(command).length <= MAX_DELTA_CMD_CHARS) return command;
  const generic = command.split(name).join('<file>');
  if (encodeHeaderValue(generic).length <= MAX_DELTA_CMD_CHARS) return generic;
  return `${generic.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_DELTA_CMD_CHARS - 3)}...`;
}

export function encodeDirect(f: DirectFields): Metadata {
  return headerSafe({
    'dg-tool': TOOL_ID,
    [READER_KEY]: WRITTEN_READER,
    'dg-original-name': f.originalName,
    'dg-file-sha256': f.sha256,
    'dg-file-size': String(f.size),
    'dg-created-at': formatCreatedAt(f.createdAt),
    'dg-compression': 'none',
  });
}

// S3 user metadata travels as HTTP headers, which carry printable ASCII only, but file
// names (and DeltaSpace prefixes, in dg-ref-key) may be any Unicode. Such values are
// written as RFC 2047 encoded-words, `=?UTF-8?B?<base64>?=`: the encoding AWS documents
// for non-ASCII user metadata (S3 decodes it on write and returns it encoded), which any
// S3 tool stores and returns untouched. The DeltaGlider CLI cannot write such names at
// all (boto3 refuses non-ASCII metadata) and only displays these fields; names it needs
// come from the object keys, which are UTF-8. Reading decodes B and Q encoded-words.

/** Bytes of UTF-8 per encoded-word: 45 bytes are 60 base64 chars, a 72-char word (RFC 2047: at most 75). */
const WORD_BYTES = 45;
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

/** A metadata value as HTTP can carry it: unchanged when printable ASCII, else encoded-words. */
export function encodeHeaderValue(value: string): string {
  // A plain value that looks like an encoded-word is encoded too, so it reads back as written.
  if (/^[\x20-\x7e]*$/.test(value) && !value.includes('=?')) return value;
  const words: number[][] = [];
  let chunk: number[] = [];
  for (const char of value) {
    const bytes = [...Buffer.from(char, 'utf8')];
    if (chunk.length + bytes.length > WORD_BYTES) {
      words.push(chunk);
      chunk = [];
    }
    chunk.push(...bytes);
  }
  words.push(chunk);
  return words.map((bytes) => `=?UTF-8?B?${Buffer.from(bytes).toString('base64')}?=`).join(' ');
}

/** The text of a metadata value, with any RFC 2047 encoded-words decoded. */
export function decodeHeaderValue(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let at = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (pending) out += decodeBytes(pending.charset, Buffer.concat(pending.bytes));
    pending = undefined;
  };
  for (const match of value.matchAll(ENCODED_WORD)) {
    const [word, rawCharset, encoding, text] = match as unknown as [string, string, string, string];
    const gap = value.slice(at, match.index);
    // Whitespace between two encoded-words is not part of the text (RFC 2047, 6.2).
    if (!(pending && /^\s*$/.test(gap))) {
      flush();
      out += gap;
    }
    const charset = rawCharset.toLowerCase().replace(/\*.*$/, ''); // drop an RFC 2231 language
    const bytes = /^b$/i.test(encoding) ? Buffer.from(text, 'base64') : decodeQ(text);
    // Adjacent words in one charset are joined before decoding: some encoders split a
    // multi-byte character between two words.
    if (pending && pending.charset !== charset) flush();
    pending ??= { charset, bytes: [] };
    pending.bytes.push(bytes);
    at = (match.index ?? 0) + word.length;
  }
  flush();
  return out + value.slice(at);
}

function decodeQ(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0));
  }
  return Buffer.from(bytes);
}

function decodeBytes(charset: string, bytes: Buffer): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes); // an unknown charset: UTF-8 is the likeliest
  }
}

/**
 * Every `dg-*` value as it is written: HTTP-safe (encoded-words where needed). All
 * metadata this product writes passes here; `readField` decodes it.
 */
export function headerSafe(meta: Metadata): Metadata {
  const safe: Metadata = {};
  for (const [key, value] of Object.entries(meta)) safe[key] = encodeHeaderValue(value);
  return safe;
}

/**
 * The first non-empty value among the spellings of a field, in the contract's order:
 * `dg-x-y`, `dg_x_y`, `x_y`, `x-y`. Keys are compared lowercase (S3 lowercases them).
 */
export function readField(meta: Metadata, field: string): string | undefined {
  const lower: Metadata = {};
  for (const [k, v] of Object.entries(meta)) lower[k.toLowerCase()] = v;
  const snake = field.replace(/-/g, '_');
  for (const key of [`dg-${field}`, `dg_${snake}`, snake, field]) {
    const value = lower[key];
    if (value !== undefined && value !== '') return decodeHeaderValue(value);
  }
  return undefined;
}

/** What an object's metadata says it is. */
export interface DecodedArchive extends ArchiveFields {
  format: string;
}

export type DecodedObject = (
  | { type: 'plain' }
  | { type: 'direct'; sha256: string; size?: number; originalName?: string; unsafe?: string }
  | {
      type: 'delta';
      /** The first `dg-*` field holding control characters: no DeltaGlider writes those. */
      unsafe?: string;
      sha256: string;
      size?: number;
      originalName?: string;
      refKey?: string;
      refSha256?: string;
      archive?: DecodedArchive;
    }
) & {
  /** Set when `dg-reader` names a newer release than this one (form-level.ts): not read. */
  unreadable?: NeedsRelease;
};

function readSize(meta: Metadata, field = 'file-size'): number | undefined {
  const raw = readField(meta, field);
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

function readSha(meta: Metadata, field: string): string | undefined {
  const raw = readField(meta, field)?.toLowerCase();
  return raw !== undefined && /^[0-9a-f]{64}$/.test(raw) ? raw : undefined;
}

/**
 * Classifies a non-reference object by its metadata (docs/format.md, "Reading"). A decoded
 * value with control characters (a line break in `dg-ref-key`, an encoded-word that
 * decodes to one in `dg-file-sha256`) is flagged in `unsafe`: downloads refuse it. An
 * object whose `dg-reader` names a newer release is flagged in `unreadable`, whatever else
 * it holds: its other fields may mean something else in that form.
 */
export function decodeObject(meta: Metadata): DecodedObject {
  const form = readability(readField(meta, 'reader'));
  const decoded = classifyObject(meta);
  if (!form.readable) {
    const { readable: _readable, ...unreadable } = form;
    return { ...decoded, unreadable };
  }
  if (decoded.type === 'plain') return decoded;
  const archive = decoded.type === 'delta' ? Object.entries(decoded.archive ?? {}) : [];
  const unsafe = [...Object.entries(decoded), ...archive].find(
    ([, value]) => typeof value === 'string' && hasControlChars(value),
  );
  return unsafe ? { ...decoded, unsafe: FIELD_NAMES[unsafe[0]] ?? unsafe[0] } : decoded;
}

const FIELD_NAMES: Record<string, string> = {
  sha256: 'dg-file-sha256',
  originalName: 'dg-original-name',
  refKey: 'dg-ref-key',
  refSha256: 'dg-ref-sha256',
  codec: 'dg-archive-codec',
  format: 'dg-archive-format',
  refView: 'dg-ref-view',
};

function classifyObject(meta: Metadata): DecodedObject {
  const sha256 = readField(meta, 'file-sha256')?.toLowerCase();
  if (sha256 === undefined) return { type: 'plain' };
  const size = readSize(meta);
  const originalName = readField(meta, 'original-name');
  if (readField(meta, 'compression') === 'none') {
    return { type: 'direct', sha256, size, originalName };
  }
  return {
    type: 'delta',
    sha256,
    size,
    originalName,
    refKey: readField(meta, 'ref-key'),
    refSha256: readField(meta, 'ref-sha256')?.toLowerCase(),
    archive: readArchive(meta),
  };
}

function readArchive(meta: Metadata): DecodedArchive | undefined {
  const codec = readField(meta, 'archive-codec');
  if (codec === undefined) return undefined;
  return {
    codec,
    format: readField(meta, 'archive-format') ?? '',
    refView: readField(meta, 'ref-view') ?? 'raw',
    expandedSize: readSize(meta, 'expanded-size'),
    expandedSha256: readSha(meta, 'expanded-sha256'),
    refViewSize: readSize(meta, 'ref-view-size'),
    refViewSha256: readSha(meta, 'ref-view-sha256'),
  };
}

/** The sha256 a reference.bin object declares for its bytes. */
export function referenceSha256(meta: Metadata): string | undefined {
  return readField(meta, 'file-sha256')?.toLowerCase();
}
