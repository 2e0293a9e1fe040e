// Where the deflate streams of a zip file are: end of central directory (zip64 too),
// central directory, local headers. Only what the codec needs; everything else in the
// file is copied verbatim, so fields this parser ignores cannot be lost.
// The reference view (view.ts) is defined through this parser: a change to what it accepts
// or returns changes the views that deltas in buckets were encoded against (VIEW_VERSION).
import type { FileHandle } from 'node:fs/promises';

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_COMMENT = 0xffff;
/** A central directory beyond this is not worth holding in memory: fall back. */
export const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;

export const METHOD_DEFLATED = 8;
const FLAG_ENCRYPTED = 0x0001;

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  /** From the central directory (used to size batches, not trusted for anything else). */
  uncompressedSize: number;
  /** First byte of the entry's (compressed) data in the file. */
  dataStart: number;
}

export interface ZipLayout {
  entries: ZipEntry[];
  /** Where the central directory sits in the file. */
  directory: { start: number; length: number };
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

function u64(buffer: Buffer, at: number): number {
  const value = buffer.readBigUInt64LE(at);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(value);
}

interface Directory {
  offset: number;
  size: number;
  entries: number;
}

/** The central directory named by the end records, or undefined for anything unusual. */
async function findDirectory(handle: FileHandle, size: number): Promise<Directory | undefined> {
  const tailLength = Math.min(size, EOCD_BYTES + MAX_COMMENT);
  const tailStart = size - tailLength;
  const tail = await readAt(handle, tailStart, tailLength);
  // The end record whose comment reaches exactly to the end of the file: nothing after it.
  let eocd = -1;
  for (let at = tail.length - EOCD_BYTES; at >= 0; at--) {
    if (
      tail.readUInt32LE(at) === EOCD_SIGNATURE &&
      at + EOCD_BYTES + tail.readUInt16LE(at + 20) === tail.length
    ) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return undefined;
  const disk = tail.readUInt16LE(eocd + 4);
  const directoryDisk = tail.readUInt16LE(eocd + 6);
  if (disk !== 0 || directoryDisk !== 0) return undefined;
  let directory: Directory = {
    entries: tail.readUInt16LE(eocd + 10),
    size: tail.readUInt32LE(eocd + 12),
    offset: tail.readUInt32LE(eocd + 16),
  };
  const eocdPosition = tailStart + eocd;
  const locatorPosition = eocdPosition - ZIP64_LOCATOR_BYTES;
  if (locatorPosition >= 0) {
    const locator = await readAt(handle, locatorPosition, ZIP64_LOCATOR_BYTES);
    if (
      locator.length === ZIP64_LOCATOR_BYTES &&
      locator.readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE
    ) {
      const recordPosition = u64(locator, 8);
      if (!Number.isSafeInteger(recordPosition)) return undefined;
      const record = await readAt(handle, recordPosition, ZIP64_EOCD_BYTES);
      if (record.length < ZIP64_EOCD_BYTES || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) {
        return undefined;
      }
      if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) return undefined;
      directory = { entries: u64(record, 32), size: u64(record, 40), offset: u64(record, 48) };
    }
  }
  const { offset, size: length, entries } = directory;
  if (![offset, length, entries].every(Number.isSafeInteger)) return undefined;
  if (length > MAX_CENTRAL_DIRECTORY || offset + length > size) return undefined;
  return directory;
}

/** Sizes and offset from the zip64 extra field, for the fields marked 0xFFFFFFFF. */
function applyZip64(
  extra: Buffer,
  fields: { uncompressed: number; compressed: number; offset: number },
): boolean {
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === ZIP64_EXTRA_ID) {
      let cursor = at + 4;
      const end = cursor + length;
      for (const key of ['uncompressed', 'compressed', 'offset'] as const) {
        if (fields[key] !== 0xffffffff) continue;
        if (cursor + 8 > end || end > extra.length) return false;
        fields[key] = u64(extra, cursor);
        cursor += 8;
      }
      return true;
    }
    at += 4 + length;
  }
  return !Object.values(fields).includes(0xffffffff);
}

/**
 * The entries of a zip file with where their data starts. Undefined when the file is not
 * a zip this parser understands (multi-disk, prefixed, inconsistent offsets).
 */
export async function readZipLayout(
  handle: FileHandle,
  size: number,
): Promise<ZipLayout | undefined> {
  const directory = await findDirectory(handle, size);
  if (!directory) return undefined;
  const central = await readAt(handle, directory.offset, directory.size);
  if (central.length !== directory.size) return undefined;
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let index = 0; index < directory.entries; index++) {
    if (at + CENTRAL_BYTES > central.length || central.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      return undefined;
    }
    const flags = central.readUInt16LE(at + 8);
    const method = central.readUInt16LE(at + 10);
    const nameLength = central.readUInt16LE(at + 28);
    const extraLength = central.readUInt16LE(at + 30);
    const commentLength = central.readUInt16LE(at + 32);
    const nameStart = at + CENTRAL_BYTES;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > central.length) return undefined;
    const fields = {
      compressed: central.readUInt32LE(at + 20),
      uncompressed: central.readUInt32LE(at + 24),
      offset: central.readUInt32LE(at + 42),
    };
    if (!applyZip64(central.subarray(extraStart, extraStart + extraLength), fields))
      return undefined;
    if (!Number.isSafeInteger(fields.compressed) || !Number.isSafeInteger(fields.offset)) {
      return undefined;
    }
    const local = await readAt(handle, fields.offset, LOCAL_BYTES);
    if (local.length < LOCAL_BYTES || local.readUInt32LE(0) !== LOCAL_SIGNATURE) return undefined;
    const dataStart = fields.offset + LOCAL_BYTES + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (dataStart + fields.compressed > directory.offset) return undefined;
    entries.push({
      name: central.toString('utf8', nameStart, extraStart),
      method,
      flags,
      compressedSize: fields.compressed,
      uncompressedSize: fields.uncompressed,
      dataStart,
    });
    at = next;
  }
  return { entries, directory: { start: directory.offset, length: directory.size } };
}

/**
 * Rewrites, in place, the "relative offset of local header" field of each central
 * directory header (walked from the start while the signature is there and the header
 * fits) as the difference from the previous header's field (the first: from 0), mod 2^32;
 * `undo` reverses it. The name, extra and comment lengths that the walk follows are left
 * alone, so both directions walk the same headers. Every entry after one that changed
 * size has a new offset; its difference changes only when the entry before it changed.
 */
export function offsetsAsDifferences(directory: Buffer, undo = false): Buffer {
  let previous = 0;
  for (let at = 0; at + CENTRAL_BYTES <= directory.length;) {
    if (directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) break;
    const field = directory.readUInt32LE(at + 42);
    const value = undo ? (field + previous) >>> 0 : (field - previous) >>> 0;
    directory.writeUInt32LE(value, at + 42);
    previous = undo ? value : field;
    at +=
      CENTRAL_BYTES +
      directory.readUInt16LE(at + 28) +
      directory.readUInt16LE(at + 30) +
      directory.readUInt16LE(at + 32);
  }
  return directory;
}

/** Whether the codec may rebuild the entry's data: deflated, not encrypted, not empty. */
export function isDeflatedEntry(entry: ZipEntry): boolean {
  return (
    entry.method === METHOD_DEFLATED &&
    (entry.flags & FLAG_ENCRYPTED) === 0 &&
    entry.compressedSize > 0
  );
}

/** Deflated entries in file order, without any whose data overlaps an earlier one's. */
export function deflatedEntriesInFileOrder(entries: readonly ZipEntry[]): ZipEntry[] {
  const sorted = entries.filter(isDeflatedEntry).sort((a, b) => a.dataStart - b.dataStart);
  const kept: ZipEntry[] = [];
  let end = 0;
  for (const entry of sorted) {
    if (entry.dataStart < end) continue;
    kept.push(entry);
    end = entry.dataStart + entry.compressedSize;
  }
  return kept;
}

/** Levels the deflate option bits (general-purpose bits 1-2) point at. */
export function levelsFromZipFlags(flags: number): number[] {
  switch ((flags >> 1) & 3) {
    case 1:
      return [9, 8];
    case 2:
      return [2];
    case 3:
      return [1];
    default:
      return [6, 5, 4, 3, 7];
  }
}
