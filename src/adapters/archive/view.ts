// The reference view: the source side of an archive-aware delta. The uploader encodes
// xdelta3(view(reference) -> expanded target) and every later downloader rebuilds the
// same view from the same reference bytes, so the view is a pure function of those bytes:
// no recipe search, no time budget, no external compressor, only RFC 1951/1952 inflation.
//
//   gzip: the content of every member, back to back (the whole file must be members:
//         nothing after the last one, not even zero padding); otherwise no view.
//   zip:  the file with the data of each deflated, unencrypted entry (in file order, as
//         zip-structure.ts finds them) replaced by its content; an entry whose data is not
//         exactly one deflate stream stays verbatim. A zip that parser rejects: no view.
//         view-v2 writes the same bytes as the records of a version 3 expanded form
//         (expanded-format.ts, up to and including its end record): 'R' u64 length before
//         each verbatim range, 'D' u64 content length, u64 deflate length before each
//         content, the central directory as a 'Z' record (its local header offsets as
//         differences), then 'E'. An expanded form of a later release then matches the
//         view record for record, headers included, wherever an entry is unchanged
//         (view-v1 has no record heads, so every entry boundary cost the delta an
//         instruction and ~20 new bytes, and every offset after a changed entry another).
//   anything else: no view.
//
// Versions: view-v1 and view-v2 differ for zip only (gzip's view is the same in both).
// Uploads write the latest; a delta records the one it was made against, and downloads
// build that one. The view's definition is part of the on-bucket format (deltas in buckets
// were encoded against it): never change a version's bytes, add a version instead.
//
// Building one is bounded (`maxBytes`): a few hundred KiB of gzip can inflate to
// gigabytes. Past the bound it stops, removes the file and rejects with OutputLimitError.
// (The bound counts bytes as written, so a zip entry that inflates past it before it
// turns out not to be one deflate stream also stops it.)
import { rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DeltaGliderError } from '../../core/errors.js';
import { OutputLimitError } from '../../core/output-limit.js';
import { FileSink, withFile, type ByteSink } from './byte-sinks.js';
import { openInflated } from './expand-context.js';
import {
  contentLengthAt,
  deflatedRecordHead,
  directoryRecord,
  END_RECORD,
  rawRecordHead,
  readRange,
  readWhole,
  verbatimRanges,
  type ContainerCodec,
} from './expanded-format.js';
import { isGzip } from './gzip-header.js';
import { isZlibDataError } from './recipe-search.js';
import { deflatedEntriesInFileOrder, readZipLayout } from './zip-structure.js';

/** The view versions above, as recorded beside deltas (`dg-ref-view: view-<version>`). */
export const VIEW_VERSIONS = ['v1', 'v2'] as const;
export type ViewVersion = (typeof VIEW_VERSIONS)[number];
/** What uploads write. */
export const VIEW_VERSION: ViewVersion = 'v2';

/**
 * The `dg-ref-view` name of a view: the version asked for, or for the newest the oldest
 * version with the same bytes for this container (gzip: view-v1, which older releases read).
 */
export function viewName(codec: ContainerCodec, version: ViewVersion, asked: boolean): string {
  return `view-${!asked && codec === 'gzip' ? 'v1' : version}`;
}

/** The version `dg-ref-view` names (`view-v1`), the newest when none is named. */
export function viewVersion(name?: string): ViewVersion {
  if (name === undefined) return VIEW_VERSION;
  const version = VIEW_VERSIONS.find((known) => `view-${known}` === name);
  if (!version) {
    throw new DeltaGliderError(
      `the reference view ${JSON.stringify(name)} is not one this build can write`,
      'Upgrade deltaglider/action to the version that wrote the delta',
      { code: 'unsupported-format' },
    );
  }
  return version;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const INFLATE_CHUNK_BYTES = 64 * 1024;

/** The reference changed size or content while its view was being written. */
function changedWhileReading(path: string): Error {
  return new DeltaGliderError(
    `${path} changed while its reference view was being written`,
    'Try again once nothing else writes to it',
    { code: 'source-changed', fields: { path } },
  );
}

/**
 * Writes the view of `path` to `viewPath` and names the container; undefined, with no
 * file left behind, when `path` has no view. I/O errors reject (and remove the output):
 * only the bytes of `path` decide between a view and none.
 */
export async function writeView(
  path: string,
  viewPath: string,
  maxBytes = Number.POSITIVE_INFINITY,
  version: ViewVersion = VIEW_VERSION,
): Promise<ContainerCodec | undefined> {
  const { size } = await stat(path);
  const head = await withFile(path, async (handle) => {
    const buffer = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buffer, 0, 4, 0);
    return buffer.subarray(0, bytesRead);
  });
  const codec = isGzip(head) ? 'gzip' : head.equals(ZIP_MAGIC) ? 'zip' : undefined;
  if (!codec) return undefined;
  const sink = new CappedSink(await FileSink.create(viewPath), maxBytes);
  try {
    const viewed =
      codec === 'gzip'
        ? await gzipView(path, size, sink)
        : await zipView(path, size, sink, version === 'v2');
    await sink.close();
    if (viewed) return codec;
  } catch (error) {
    await sink.close().catch(() => undefined);
    await rm(viewPath, { force: true });
    throw error;
  }
  await rm(viewPath, { force: true });
  return undefined;
}

/** Every member's content. False on a corrupt or truncated member, or bytes after the last. */
async function gzipView(path: string, size: number, sink: ByteSink): Promise<boolean> {
  // Node's gunzip reads member after member, but stops without error at a zero byte after
  // one (padding, or a later member it then skips): only consuming every byte counts.
  const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
  pipeline(readRange(path, 0, size), gunzip, () => undefined);
  try {
    for await (const chunk of gunzip) await sink.write(chunk as Buffer);
    return gunzip.bytesWritten === size;
  } catch (error) {
    if (isZlibDataError(error)) return false;
    throw error;
  } finally {
    gunzip.destroy();
  }
}

/**
 * The zip with each deflated entry's data replaced by its content; with `records`, as
 * expanded-form records (view-v2). False: not a zip.
 */
async function zipView(
  path: string,
  size: number,
  sink: CappedSink,
  records: boolean,
): Promise<boolean> {
  const layout = await withFile(path, (handle) => readZipLayout(handle, size));
  if (!layout) return false;
  let cursor = 0;
  for (const entry of deflatedEntriesInFileOrder(layout.entries)) {
    const mark = sink.position;
    await copyRange(path, cursor, entry.dataStart - cursor, sink, records);
    const head = sink.position;
    if (records) await sink.write(deflatedRecordHead(0, entry.compressedSize));
    const contentStart = sink.position;
    if (await inflateEntry(path, entry.dataStart, entry.compressedSize, sink)) {
      if (records)
        await sink.patch(head + contentLengthAt(true), u64(sink.position - contentStart));
      cursor = entry.dataStart + entry.compressedSize;
    } else {
      // Not exactly one deflate stream: its bytes go out verbatim with the next range (one
      // 'R' record from `cursor`, as the expanded form writes an entry it does not rebuild).
      await sink.truncate(mark);
    }
  }
  if (!records) {
    await copyRange(path, cursor, size - cursor, sink);
    return true;
  }
  for (const range of verbatimRanges(cursor, size, layout.directory)) {
    if (!range.directory) await copyRange(path, range.start, range.length, sink, true);
    else await sink.write(directoryRecord(await readDirectory(path, range)));
  }
  await sink.write(END_RECORD);
  return true;
}

function u64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value), 0);
  return bytes;
}

/** Inflates one entry's data into the sink; false unless it is exactly one deflate stream. */
async function inflateEntry(
  path: string,
  start: number,
  length: number,
  sink: ByteSink,
): Promise<boolean> {
  const inflated = openInflated(path, start, length);
  try {
    for await (const chunk of inflated.content) await sink.write(chunk as Buffer);
  } catch (error) {
    if (isZlibDataError(error)) return false;
    throw error;
  } finally {
    inflated.content.destroy();
  }
  return inflated.consumed() === length;
}

/** The central directory's bytes (in memory: the zip parser read them whole already). */
async function readDirectory(path: string, range: { start: number; length: number }) {
  const bytes = await readWhole(path, range.start, range.length);
  if (bytes.length !== range.length) throw changedWhileReading(path);
  return bytes;
}

/** Copies a range of `path`; with `record`, as an 'R' record (none for an empty range). */
async function copyRange(
  path: string,
  start: number,
  length: number,
  sink: ByteSink,
  record = false,
) {
  if (record && length > 0) await sink.write(rawRecordHead(length));
  let copied = 0;
  for await (const chunk of readRange(path, start, length)) {
    copied += (chunk as Buffer).length;
    await sink.write(chunk as Buffer);
  }
  if (copied !== length) throw changedWhileReading(path);
}

/** A file sink that refuses to grow past `maxBytes`. */
class CappedSink implements ByteSink {
  constructor(
    private readonly file: FileSink,
    private readonly maxBytes: number,
  ) {}

  get position(): number {
    return this.file.position;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.file.position + chunk.length > this.maxBytes)
      throw new OutputLimitError(this.maxBytes);
    await this.file.write(chunk);
  }

  truncate(position: number): Promise<void> {
    return this.file.truncate(position);
  }

  patch(position: number, bytes: Uint8Array): Promise<void> {
    return this.file.patch(position, bytes);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
