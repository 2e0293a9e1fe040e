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
//   anything else: no view.
//
// The view's definition is part of the on-bucket format (deltas in buckets were encoded
// against it): never change it without a new `dg-ref-view` version.
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
import { readRange, type ContainerCodec } from './expanded-format.js';
import { isGzip } from './gzip-header.js';
import { isZlibDataError } from './recipe-search.js';
import { deflatedEntriesInFileOrder, readZipLayout } from './zip-structure.js';

/** The view definition above, as recorded beside deltas encoded against it. */
export const VIEW_VERSION = 'v1';

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
      codec === 'gzip' ? await gzipView(path, size, sink) : await zipView(path, size, sink);
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

/** The zip with each deflated entry's data replaced by its content. False: not a zip. */
async function zipView(path: string, size: number, sink: CappedSink): Promise<boolean> {
  const layout = await withFile(path, (handle) => readZipLayout(handle, size));
  if (!layout) return false;
  let cursor = 0;
  for (const entry of deflatedEntriesInFileOrder(layout.entries)) {
    await copyRange(path, cursor, entry.dataStart - cursor, sink);
    const mark = sink.position;
    if (await inflateEntry(path, entry.dataStart, entry.compressedSize, sink)) {
      cursor = entry.dataStart + entry.compressedSize;
    } else {
      // Not exactly one deflate stream: its bytes go out verbatim with the next range.
      await sink.truncate(mark);
      cursor = entry.dataStart;
    }
  }
  await copyRange(path, cursor, size - cursor, sink);
  return true;
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

async function copyRange(path: string, start: number, length: number, sink: ByteSink) {
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

  close(): Promise<void> {
    return this.file.close();
  }
}
