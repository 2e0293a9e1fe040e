import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../../core/errors.js';
import { asLocalError } from '../local-errors.js';
import { windowsNameProblem } from '../windows-names.js';
import { BLOCK, decodeHeader, isZeroBlock, parsePax, type RawHeader } from './header.js';

// Reads a tar's table of contents without writing anything, and refuses what an
// untrusted archive could use against the destination: paths that leave it, links,
// devices, duplicates, and counts or lengths beyond fixed bounds. The content bytes are
// never read here; `extract.ts` copies them by offset once the whole index is accepted.

export interface TarLimits {
  /** Entries (files and directories) at most. */
  maxEntries: number;
  /** Bytes of one path at most (Linux's PATH_MAX). */
  maxPathBytes: number;
  /** Bytes of one PAX extended header or GNU long name at most. */
  maxHeaderDataBytes: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxEntries: 500_000,
  maxPathBytes: 4096,
  maxHeaderDataBytes: 1024 * 1024,
};

export interface TarEntry {
  /** Normalised relative path: `/`-separated, no `.`, `..` or empty parts. */
  path: string;
  type: 'file' | 'directory';
  /** Permission bits (0o777 of the header's mode). */
  mode: number;
  /** Offset of the content in the tar file. */
  offset: number;
  size: number;
}

/** Why an archive was refused; `label` names it (the stored object) in the message. */
function refuse(label: string, why: string): InputError {
  return new InputError(
    `${label} cannot be unpacked: ${why}. Nothing was written`,
    'A tar stored with pack holds only regular files; this one was written by another tool or altered. Remove it or upload it again with pack',
  );
}

/** Quotes a name read from the archive: JSON escapes control characters; long names are cut. */
function quote(name: string): string {
  return JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name);
}

/** What is wrong with an entry's path ("leaves the destination directory (..)"), if anything. */
export function pathProblem(
  raw: string,
  limits: TarLimits,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) return 'has a control character in its name';
  if (raw.includes('\\')) return 'has a backslash in its name';
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return 'is an absolute path';
  if (Buffer.byteLength(raw) > limits.maxPathBytes) {
    return `has a path longer than ${limits.maxPathBytes} bytes`;
  }
  const parts = raw.split('/');
  if (parts.includes('..')) return 'leaves the destination directory (..)';
  if (parts.some((part) => Buffer.byteLength(part) > 255)) {
    return 'has a name part longer than 255 bytes';
  }
  if (platform === 'win32') {
    const named = parts.filter((part) => part !== '' && part !== '.');
    const problem = named.map(windowsNameProblem).find((found) => found !== undefined);
    if (problem) return problem;
  }
  return undefined;
}

/** The normalised path (no `.` or empty parts), or throws naming what is wrong with it. */
function safeEntryPath(raw: string, label: string, limits: TarLimits): string {
  const problem = pathProblem(raw, limits);
  if (problem) throw refuse(label, `entry ${quote(raw)} ${problem}`);
  return raw
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

const KIND_NAMES: Record<string, string> = {
  symlink: 'a symbolic link',
  hardlink: 'a hard link',
  device: 'a device file',
  fifo: 'a FIFO',
};

/** Reads and checks the whole index of the tar at `path`. */
export async function readTarIndex(
  path: string,
  label: string,
  limits: TarLimits = DEFAULT_TAR_LIMITS,
): Promise<TarEntry[]> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    throw asLocalError(error, path, { verb: 'read' });
  });
  try {
    const reader = new BlockReader(handle, (await handle.stat()).size);
    return await index(reader, label, limits);
  } finally {
    await handle.close();
  }
}

async function index(reader: BlockReader, label: string, limits: TarLimits): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pending: { path?: string; size?: number } = {};
  for (;;) {
    const block = await reader.read(offset, BLOCK);
    if (block.length === 0 && entries.length > 0) break; // end without the zero blocks
    if (block.length < BLOCK) throw refuse(label, 'the archive is truncated');
    if (isZeroBlock(block)) break;
    let header: RawHeader;
    try {
      header = decodeHeader(block);
    } catch (error) {
      throw refuse(label, `${(error as Error).message} at byte ${offset}`);
    }
    const size = pending.size ?? header.size;
    const dataAt = offset + BLOCK;
    if (dataAt + size > reader.size) throw refuse(label, 'the archive is truncated');
    offset = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    if (['pax', 'pax-global', 'gnu-longname', 'gnu-longlink'].includes(header.type)) {
      if (size > limits.maxHeaderDataBytes) {
        throw refuse(
          label,
          `an extended header of ${size} bytes (at most ${limits.maxHeaderDataBytes})`,
        );
      }
      const data = await reader.read(dataAt, size);
      if (header.type === 'pax') pending = { ...pending, ...paxFields(data, label) };
      if (header.type === 'gnu-longname') {
        pending.path = data.toString('utf8').replace(/\0+$/, '');
      }
      continue;
    }
    const raw = pending.path ?? header.name;
    pending = {};
    if (header.type !== 'file' && header.type !== 'directory') {
      const kind = KIND_NAMES[header.type] ?? `of an unknown type (${JSON.stringify(header.flag)})`;
      const target = header.linkname ? ` to ${quote(header.linkname)}` : '';
      throw refuse(
        label,
        `entry ${quote(raw)} is ${kind}${target}; only regular files and directories are unpacked`,
      );
    }
    const normal = safeEntryPath(raw, label, limits);
    if (normal === '') {
      if (header.type === 'directory') continue; // "./": the destination itself
      throw refuse(label, `entry ${quote(raw)} has no name`);
    }
    if (entries.length >= limits.maxEntries) {
      throw refuse(label, `it has more than ${limits.maxEntries} entries`);
    }
    entries.push({
      path: normal,
      type: header.type,
      mode: header.mode & 0o777,
      offset: dataAt,
      size: header.type === 'file' ? size : 0,
    });
  }
  checkConflicts(entries, label);
  return entries;
}

function paxFields(data: Buffer, label: string): { path?: string; size?: number } {
  let records: Map<string, string>;
  try {
    records = parsePax(data);
  } catch (error) {
    throw refuse(label, (error as Error).message);
  }
  const fields: { path?: string; size?: number } = {};
  const path = records.get('path');
  if (path !== undefined) fields.path = path;
  const size = records.get('size');
  if (size !== undefined) {
    if (!/^\d+$/.test(size) || !Number.isSafeInteger(Number(size))) {
      throw refuse(label, `a PAX size of ${quote(size)}`);
    }
    fields.size = Number(size);
  }
  return fields;
}

/** A path twice, or a file that another entry needs as a directory. */
function checkConflicts(entries: readonly TarEntry[], label: string): void {
  const kinds = new Map<string, TarEntry['type']>();
  for (const entry of entries) {
    const seen = kinds.get(entry.path);
    if (seen === 'file' || (seen === 'directory' && entry.type === 'file')) {
      throw refuse(label, `entry ${quote(entry.path)} appears twice`);
    }
    kinds.set(entry.path, entry.type);
  }
  for (const entry of entries) {
    for (let cut = entry.path.indexOf('/'); cut !== -1; cut = entry.path.indexOf('/', cut + 1)) {
      if (kinds.get(entry.path.slice(0, cut)) === 'file') {
        throw refuse(
          label,
          `entry ${quote(entry.path)} is inside ${quote(entry.path.slice(0, cut))}, which is a file`,
        );
      }
    }
  }
}

/** Positional reads through a 1 MiB window: headers are small and mostly close together. */
class BlockReader {
  private window = Buffer.alloc(0);
  private windowAt = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(at: number, length: number): Promise<Buffer> {
    if (at >= this.size) return Buffer.alloc(0);
    const end = Math.min(at + length, this.size);
    if (at >= this.windowAt && end <= this.windowAt + this.window.length) {
      return this.window.subarray(at - this.windowAt, end - this.windowAt);
    }
    const want = Math.max(end - at, 1024 * 1024);
    const buffer = Buffer.alloc(Math.min(want, Math.max(this.size - at, 0)));
    const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, at);
    this.window = buffer.subarray(0, bytesRead);
    this.windowAt = at;
    return this.window.subarray(0, Math.min(end - at, bytesRead));
  }
}
