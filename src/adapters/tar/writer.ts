import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import { InputError } from '../../core/errors.js';
import { asLocalError } from '../local-errors.js';
import { DEFAULT_TAR_LIMITS, pathProblem } from './reader.js';
import { BLOCK, USTAR_MAX_SIZE, encodeHeader, paxRecord, splitUstarName } from './header.js';

// A deterministic tar of regular files: entries sorted by path (bytewise), owner 0/0
// without names, one fixed mtime, modes kept. The same files with the same modes always
// make the same bytes, so consecutive builds delta against each other well.

/** The mtime of every entry: 2000-01-01T00:00:00Z (0 confuses some tools). */
export const PACK_MTIME = 946684800;

export interface PackEntry {
  /** The path inside the tar, `/`-separated and relative. */
  path: string;
  /** The file to read (symlinks followed). */
  source: string;
}

export interface PackSummary {
  files: number;
  /** Bytes of file content packed. */
  contentBytes: number;
}

/** Writes `entries` (any order: they are sorted here) into a new tar at `dest`. */
export async function writeTar(entries: readonly PackEntry[], dest: string): Promise<PackSummary> {
  const sorted = [...entries].sort((a, b) =>
    Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)),
  );
  // What the unpacking would refuse is refused here, before anything is stored.
  if (sorted.length > DEFAULT_TAR_LIMITS.maxEntries) {
    throw new InputError(
      `${sorted.length} files matched, more than the ${DEFAULT_TAR_LIMITS.maxEntries} a packed tar may hold`,
      'Pack fewer files, or several directories under several pack names',
    );
  }
  for (const entry of sorted) {
    const problem = pathProblem(entry.path, DEFAULT_TAR_LIMITS);
    if (problem) {
      throw new InputError(
        `Cannot pack ${entry.source}: its path in the tar (${JSON.stringify(entry.path)}) ${problem}, which unpacking refuses`,
        'Rename the file or leave it out of the path patterns',
      );
    }
  }
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path === sorted[i - 1]!.path) {
      throw new InputError(
        `Two matched files would be packed as ${JSON.stringify(sorted[i]!.path)}`,
        'Narrow the path patterns so that each file has its own relative path',
      );
    }
  }
  const out = createWriteStream(dest, { mode: 0o600 });
  // Write errors surface through `once` (drain/finish) as well as this listener.
  let writeError: unknown;
  out.on('error', (error) => (writeError ??= error));
  let contentBytes = 0;
  try {
    for (const entry of sorted) contentBytes += await appendFile(out, entry);
    await write(out, Buffer.alloc(2 * BLOCK));
    out.end();
    await once(out, 'finish');
  } catch (error) {
    throw writeError ? asLocalError(writeError, dest) : error;
  } finally {
    out.destroy();
  }
  return { files: sorted.length, contentBytes };
}

async function appendFile(out: WriteStream, entry: PackEntry): Promise<number> {
  const info = await stat(entry.source).catch((error: unknown) => {
    throw asLocalError(error, entry.source, { verb: 'read' });
  });
  const size = info.size;
  const mode = info.mode & 0o777;
  const split = splitUstarName(entry.path);
  const pax: string[] = [];
  if (!split) pax.push(paxRecord('path', entry.path));
  if (size > USTAR_MAX_SIZE) pax.push(paxRecord('size', String(size)));
  if (pax.length > 0) {
    const data = Buffer.from(pax.join(''));
    await write(
      out,
      encodeHeader({
        name: '././@PaxHeader',
        prefix: '',
        mode: 0o644,
        size: data.length,
        mtime: PACK_MTIME,
        flag: 'x',
      }),
    );
    await write(out, padded(data));
  }
  const [prefix, name] = split ?? ['', shortName(entry.path)];
  await write(out, encodeHeader({ name, prefix, mode, size, mtime: PACK_MTIME, flag: '0' }));
  let copied = 0;
  if (size > 0) {
    const input = createReadStream(entry.source, { highWaterMark: 1024 * 1024, end: size - 1 });
    input.on('error', () => undefined); // surfaced by the iterator below
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        copied += chunk.length;
        await write(out, chunk);
      }
    } catch (error) {
      input.destroy();
      throw (error as { syscall?: string }).syscall === 'read' ||
        (error as { syscall?: string }).syscall === 'open'
        ? asLocalError(error, entry.source, { verb: 'read' })
        : error;
    }
  }
  if (copied !== size) {
    throw new InputError(
      `${entry.source} changed while it was packed (${size} bytes at the start, ${copied} read)`,
      'Pack files once the step that writes them has finished',
    );
  }
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad > 0) await write(out, Buffer.alloc(pad));
  return size;
}

/** The ustar name field of an entry whose real path is in its PAX header (readers that skip PAX). */
function shortName(path: string): string {
  let name = Buffer.from(path).subarray(-99).toString('latin1');
  name = name.replace(/[^\x20-\x7e]/g, '_');
  return name;
}

function padded(data: Buffer): Buffer {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad === 0 ? data : Buffer.concat([data, Buffer.alloc(pad)]);
}

/** Writes honouring back-pressure. */
async function write(out: WriteStream, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
