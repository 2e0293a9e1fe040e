// The expanded form: a container with its deflate streams replaced by their content.
//
//   magic (8 bytes: 89 44 47 58 0d 0a 1a 0a = "\x89DGX\r\n\x1a\n")
//   version (1 byte): 3 for zip files; for gzip files 1, or 2 when a 'C' record is present
//     (each version's readers refuse the later ones)
//   header length N (u32 big-endian), then N bytes of UTF-8 JSON:
//     { "format": "deltaglider-expanded", "codec": "gzip" | "zip",
//       "recipes": [<DeflateRecipe>...], "producers": { "node-zlib": ..., "gzip": ... } }
//     (nothing that changes from one release to the next: the header deltas to nothing)
//   records, in the order of the original bytes:
//     'R' u64 L, then L bytes copied verbatim (headers, trailers, stored data, directories)
//     'D' u16 recipe index, u64 content length C, u64 deflate length Z, then C bytes of
//         content; rebuilt by deflating the content with the recipe into Z bytes
//     'C' u16 recipe index, u64 content length C, u64 deflate length Z, u32 correction
//         length T, then C bytes of content, then T bytes of correction; rebuilt as the
//         first Z - T bytes of the deflated content followed by the correction (a near
//         miss, correction.ts); version 2 and later
//     'E' end of records; the last byte of the file (versions 1 and 2)
//   version 3 only: the 'D' and 'C' records carry no recipe index (they start u64 C), and
//     the end record is followed by the recipe table: the u16 recipe index of each 'D'
//     and 'C' record in order, then their count as u32 (the file's last 4 bytes).
//     'Z' u64 L, then L bytes (at most 256 MiB): a zip central directory whose local
//         header offsets are written as differences (zip-structure.ts,
//         offsetsAsDifferences); rebuilt by undoing them
//
// Why version 3: the records of a zip's form are then byte for byte those of its reference
// view (view.ts, view-v2) wherever an entry is unchanged, and xdelta3 copies them across
// entry boundaries; a recipe index that differs between the two (the view knows no
// recipes) would break the copy. A 'Z' record keeps the central directory from changing in
// every header after the first entry that changed size: only the header after each changed
// entry differs. On the tool corpus (issue #17) zip deltas went from 1.8x the .tar delta
// (view-v1, version 1 forms) to 1.3x with the records matching, 1.2x with 'Z' too.
//
// Everything a rebuild needs travels inside, so a delta between two expanded forms carries
// the recipe too, and the content sits uncompressed where a delta encoder can see it.
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DeltaGliderError, IntegrityError } from '../../core/errors.js';
import { FileSink } from './byte-sinks.js';
import { maxCorrectionBytes } from './correction.js';
import { parseRecipe, type DeflateRecipe } from './deflate-recipes.js';
import { MAX_CENTRAL_DIRECTORY, offsetsAsDifferences } from './zip-structure.js';

export const EXPANDED_MAGIC = Buffer.from([0x89, 0x44, 0x47, 0x58, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Written when no stream needs a correction: such forms stay readable by older releases. */
export const EXPANDED_VERSION = 1;
/** Written when a stream carries a correction ('C' records). */
export const CORRECTED_VERSION = 2;
/** Written for zip files: recipe indices in a table after the records (view-v2). */
export const TABLED_VERSION = 3;
const READABLE_VERSIONS = new Set([EXPANDED_VERSION, CORRECTED_VERSION, TABLED_VERSION]);
const FORMAT_NAME = 'deltaglider-expanded';
const PREAMBLE_BYTES = EXPANDED_MAGIC.length + 1 + 4;
const MAX_HEADER_BYTES = 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

const RAW = 0x52; // 'R'
const DEFLATED = 0x44; // 'D'
const CORRECTED = 0x43; // 'C'
const END = 0x45; // 'E'
const DIRECTORY = 0x5a; // 'Z'
const RAW_RECORD_HEAD = 1 + 8;
const DEFLATED_RECORD_HEAD = 1 + 2 + 8 + 8;
const CORRECTED_RECORD_HEAD = DEFLATED_RECORD_HEAD + 4;
/** Version 3: the same heads without the u16 recipe index. */
const RECIPE_INDEX_BYTES = 2;
const TABLE_COUNT_BYTES = 4;

/**
 * Deflate records any form may hold, whatever its output: the upload's entry budget has
 * always defaulted to this, so every form written so far still rebuilds.
 */
export const BASE_DEFLATED_RECORDS = 10_000;
/** Beyond the base, one more deflate record per this many bytes of rebuilt output. */
const OUTPUT_BYTES_PER_RECORD = 4096;

/**
 * The most deflate records a form may hold for `outputBytes` of rebuilt file. Every record
 * costs an engine run (or a gzip member) however few bytes it describes, so a count
 * bounded only by the output let a 274-byte delta claim 100,000 empty records and minutes
 * of CPU. With this cap, rebuilding or refusing costs in proportion to the real output.
 * Uploads keep to it too (expand-budget.ts), so a form never outgrows what downloads read.
 */
export function maxDeflatedRecords(outputBytes: number): number {
  return BASE_DEFLATED_RECORDS + Math.floor(outputBytes / OUTPUT_BYTES_PER_RECORD);
}

/** A 'R' record's head (any version). */
export function rawRecordHead(length: number): Buffer {
  const head = Buffer.alloc(RAW_RECORD_HEAD);
  head.writeUInt8(RAW, 0);
  head.writeBigUInt64BE(BigInt(length), 1);
  return head;
}

/**
 * A 'D' (or, with a correction length, 'C') record's head; with a recipe index the
 * version 1/2 layout, without one version 3's. The content length sits at byte
 * `contentLengthAt(head)`, for writers that patch it once the content is out.
 */
export function deflatedRecordHead(
  contentLength: number,
  deflateLength: number,
  recipeIndex?: number,
  correctionLength?: number,
): Buffer {
  const indexBytes = recipeIndex === undefined ? 0 : RECIPE_INDEX_BYTES;
  const corrected = correctionLength !== undefined;
  const head = Buffer.alloc(
    (corrected ? CORRECTED_RECORD_HEAD : DEFLATED_RECORD_HEAD) - RECIPE_INDEX_BYTES + indexBytes,
  );
  head.writeUInt8(corrected ? CORRECTED : DEFLATED, 0);
  if (recipeIndex !== undefined) head.writeUInt16BE(recipeIndex, 1);
  head.writeBigUInt64BE(BigInt(contentLength), 1 + indexBytes);
  head.writeBigUInt64BE(BigInt(deflateLength), 9 + indexBytes);
  if (corrected) head.writeUInt32BE(correctionLength, 17 + indexBytes);
  return head;
}

/** A 'Z' record: head, then the directory with its offsets as differences (a copy). */
export function directoryRecord(directory: Buffer): Buffer {
  const head = rawRecordHead(directory.length);
  head.writeUInt8(DIRECTORY, 0);
  return Buffer.concat([head, offsetsAsDifferences(Buffer.from(directory))]);
}

/**
 * The verbatim bytes `[start, end)` of a zip as records: the central directory, when it
 * lies inside, as a 'Z' record, the rest as 'R' records (empty ranges left out).
 */
export function verbatimRanges(
  start: number,
  end: number,
  directory?: { start: number; length: number },
): { start: number; length: number; directory?: true }[] {
  const ranges: { start: number; length: number; directory?: true }[] = [];
  const inside =
    directory !== undefined &&
    directory.length > 0 &&
    directory.start >= start &&
    directory.start + directory.length <= end;
  const add = (from: number, to: number, isDirectory?: true) => {
    if (to > from) ranges.push({ start: from, length: to - from, directory: isDirectory });
  };
  if (!inside) {
    add(start, end);
    return ranges;
  }
  add(start, directory.start);
  add(directory.start, directory.start + directory.length, true);
  add(directory.start + directory.length, end);
  return ranges;
}

/** Reads a 'Z' record's bytes and undoes the differences: the directory as the zip had it. */
export async function readDirectoryRecord(
  path: string,
  record: { start: number; length: number },
): Promise<Buffer> {
  return offsetsAsDifferences(await readWhole(path, record.start, record.length), true);
}

/** Bytes `[start, start + length)` of a file in memory (fewer if it is shorter). */
export async function readWhole(path: string, start: number, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readRange(path, start, length)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Where a deflated record head keeps its content length (see deflatedRecordHead). */
export function contentLengthAt(tabled: boolean): number {
  return tabled ? 1 : 1 + RECIPE_INDEX_BYTES;
}

/** The end record. */
export const END_RECORD = Buffer.from([END]);

export type ContainerCodec = 'gzip' | 'zip';

export interface ExpandedHeader {
  codec: ContainerCodec;
  recipes: DeflateRecipe[];
  /** Versions of the compressors that proved the recipes (for error messages only). */
  producers: Record<string, string>;
}

export type ExpandedRecord =
  | {
      kind: 'raw';
      start: number;
      length: number;
      /** A 'Z' record: read it with readDirectoryRecord. */
      directory?: true;
    }
  | {
      kind: 'deflated';
      recipe: DeflateRecipe;
      start: number;
      contentLength: number;
      deflateLength: number;
      /** Where the original's last bytes sit in the expanded form, for a near miss. */
      correction?: { start: number; length: number };
    };

/** The original's bytes that replace the end of an engine's output (correction.ts). */
export interface CorrectionSource {
  path: string;
  start: number;
  length: number;
}

/** Whether leading bytes are those of an expanded form. */
export function looksExpanded(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, EXPANDED_MAGIC.length)).equals(EXPANDED_MAGIC);
}

/** Bytes `[start, start + length)` of a file as a stream (empty ranges included). */
export function readRange(path: string, start: number, length: number): Readable {
  if (length === 0) return Readable.from([]);
  return createReadStream(path, {
    start,
    end: start + length - 1,
    highWaterMark: READ_CHUNK_BYTES,
  });
}

/** What the writer reports to as it writes (expand-context.ts, ExpansionBudget). */
export interface WriteBudget {
  /** Throws to stop the writer once `bytes` written is too many (or time is up). */
  written(bytes: number): void;
  /** Throws once `count` deflate records is too many. */
  entries(count: number): void;
}

/** Writes an expanded form record by record, within a budget when given one. */
export class ExpandedWriter {
  private records = 0;
  private corrected = false;
  /** Version 3 (zip): each deflated record's recipe index, written after the end record. */
  private readonly table?: number[];

  private constructor(
    private readonly sink: FileSink,
    tabled: boolean,
    private readonly budget?: WriteBudget,
  ) {
    if (tabled) this.table = [];
  }

  static async create(
    path: string,
    header: ExpandedHeader,
    budget?: WriteBudget,
  ): Promise<ExpandedWriter> {
    const json = Buffer.from(JSON.stringify({ format: FORMAT_NAME, ...header }), 'utf8');
    // Zip forms take version 3 to match the zip view (view-v2); gzip's view (view-v1) has
    // no records to match, so gzip forms stay readable by older releases.
    const tabled = header.codec === 'zip';
    const preamble = Buffer.alloc(PREAMBLE_BYTES);
    EXPANDED_MAGIC.copy(preamble, 0);
    preamble.writeUInt8(tabled ? TABLED_VERSION : EXPANDED_VERSION, EXPANDED_MAGIC.length);
    preamble.writeUInt32BE(json.length, EXPANDED_MAGIC.length + 1);
    const sink = await FileSink.create(path);
    await sink.write(preamble);
    await sink.write(json);
    return new ExpandedWriter(sink, tabled, budget);
  }

  /** `create` within a budget. */
  static budgeted(budget: WriteBudget, path: string, header: ExpandedHeader) {
    return ExpandedWriter.create(path, header, budget);
  }

  private async write(chunk: Uint8Array): Promise<void> {
    this.budget?.written(this.sink.position + chunk.length);
    await this.sink.write(chunk);
  }

  /** Copies `length` bytes of `path` from `start`. */
  async raw(path: string, start: number, length: number): Promise<void> {
    if (length === 0) return;
    await this.write(rawRecordHead(length));
    await this.copy(path, start, length);
  }

  /**
   * Copies bytes `[start, end)` of a zip file; in version 3, the central directory (when
   * inside) as a 'Z' record.
   */
  async verbatim(
    path: string,
    start: number,
    end: number,
    directory: { start: number; length: number },
  ): Promise<void> {
    for (const range of verbatimRanges(start, end, this.table && directory)) {
      if (!range.directory) {
        await this.raw(path, range.start, range.length);
        continue;
      }
      // In memory: the zip parser read it whole already, within MAX_CENTRAL_DIRECTORY.
      const bytes = await readWhole(path, range.start, range.length);
      if (bytes.length !== range.length) throw shrank();
      await this.write(directoryRecord(bytes));
    }
  }

  private async copy(path: string, start: number, length: number): Promise<void> {
    let copied = 0;
    for await (const chunk of readRange(path, start, length)) {
      copied += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (copied !== length) throw shrank();
  }

  /**
   * Streams `content` into a 'D' record, or a 'C' record followed by the correction's
   * bytes when given one; returns the content length.
   */
  async deflated(
    recipeIndex: number,
    deflateLength: number,
    content: Readable,
    correction?: CorrectionSource,
  ): Promise<number> {
    if (correction && correction.length > maxCorrectionBytes(deflateLength)) {
      throw new RangeError(`a correction of ${correction.length} bytes passes its bound`);
    }
    const headAt = this.sink.position;
    const tabled = this.table !== undefined;
    const head = deflatedRecordHead(
      0,
      deflateLength,
      tabled ? undefined : recipeIndex,
      correction?.length,
    );
    this.budget?.entries(++this.records);
    this.table?.push(recipeIndex);
    await this.write(head);
    let contentLength = 0;
    for await (const chunk of content) {
      contentLength += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(contentLength), 0);
    await this.sink.patch(headAt + contentLengthAt(tabled), length);
    if (correction) {
      this.corrected = true;
      await this.copy(correction.path, correction.start, correction.length);
    }
    return contentLength;
  }

  async finish(): Promise<void> {
    await this.sink.write(END_RECORD);
    if (this.table) {
      const table = Buffer.alloc(this.table.length * RECIPE_INDEX_BYTES + TABLE_COUNT_BYTES);
      this.table.forEach((index, at) => table.writeUInt16BE(index, at * RECIPE_INDEX_BYTES));
      table.writeUInt32BE(this.table.length, table.length - TABLE_COUNT_BYTES);
      await this.sink.write(table);
    } else if (this.corrected) {
      await this.sink.patch(EXPANDED_MAGIC.length, Buffer.from([CORRECTED_VERSION]));
    }
    await this.sink.close();
  }

  /** Closes the file after a failure (the caller removes it). */
  async abandon(): Promise<void> {
    await this.sink.close().catch(() => undefined);
  }
}

function shrank(): DeltaGliderError {
  return new DeltaGliderError('the original file shrank while it was being read', undefined, {
    code: 'source-changed',
  });
}

function malformed(detail: string): IntegrityError {
  return new IntegrityError(
    `The expanded archive is malformed: ${detail}`,
    'The delta object or its reference is corrupt, or was written by a newer release; ' +
      'upload the file again',
  );
}

function tooManyRecords(count: number | string, max: number, outputBytes: number) {
  return malformed(
    `it has ${count} deflate records for ${outputBytes} bytes of output (at most ${max}: ` +
      `${BASE_DEFLATED_RECORDS}, and one per ${OUTPUT_BYTES_PER_RECORD} bytes)`,
  );
}

async function readExactly(handle: FileHandle, position: number, length: number, what: string) {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead < length) throw malformed(`it ends inside the ${what}`);
  return buffer;
}

/** Record heads and table entries are read through a window of this many bytes. */
const HEAD_WINDOW_BYTES = 64 * 1024;

/**
 * Small reads (record heads, table entries) served from one window of the file: a form's
 * many short heads cost one read per window, not two or three reads per record.
 */
class HeadReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(private readonly handle: FileHandle) {}

  async read(position: number, length: number, what: string): Promise<Buffer> {
    const offset = position - this.windowStart;
    if (offset < 0 || offset + length > this.window.length) {
      const buffer = Buffer.alloc(Math.max(HEAD_WINDOW_BYTES, length));
      const { bytesRead } = await this.handle.read(buffer, 0, buffer.length, position);
      this.window = buffer.subarray(0, bytesRead);
      this.windowStart = position;
      if (bytesRead < length) throw malformed(`it ends inside the ${what}`);
      return this.window.subarray(0, length);
    }
    return this.window.subarray(offset, offset + length);
  }
}

/** Reads and checks the preamble and JSON header; returns it with where records start. */
export async function readExpandedHeader(
  handle: FileHandle,
): Promise<{ header: ExpandedHeader; recordsStart: number; version: number }> {
  const preamble = await readExactly(handle, 0, PREAMBLE_BYTES, 'preamble');
  if (!looksExpanded(preamble)) {
    throw malformed(`it does not start with the expanded-form magic number`);
  }
  const version = preamble.readUInt8(EXPANDED_MAGIC.length);
  if (!READABLE_VERSIONS.has(version)) {
    throw malformed(
      `format version ${version} is not supported (this release reads versions 1 to 3)`,
    );
  }
  const jsonLength = preamble.readUInt32BE(EXPANDED_MAGIC.length + 1);
  if (jsonLength > MAX_HEADER_BYTES) throw malformed(`its header claims ${jsonLength} bytes`);
  const json = await readExactly(handle, PREAMBLE_BYTES, jsonLength, 'header');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    throw malformed('its header is not JSON');
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (fields.format !== FORMAT_NAME) throw malformed('its header does not name the format');
  if (fields.codec !== 'gzip' && fields.codec !== 'zip') {
    throw malformed(`unknown codec ${JSON.stringify(fields.codec)}`);
  }
  if (!Array.isArray(fields.recipes)) throw malformed('its header lists no recipes');
  const producers = fields.producers;
  const header: ExpandedHeader = {
    codec: fields.codec,
    recipes: fields.recipes.map(parseRecipe),
    producers:
      typeof producers === 'object' && producers !== null
        ? (producers as Record<string, string>)
        : {},
  };
  return { header, recordsStart: PREAMBLE_BYTES + jsonLength, version };
}

function safeLength(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed(`${what} ${value} is too large`);
  return Number(value);
}

/** Version 3's recipe table: where it starts and how many entries it holds. */
interface RecipeTable {
  start: number;
  count: number;
}

/** Reads the table's count from the last 4 bytes and checks that it fits after the records. */
async function readRecipeTable(
  handle: FileHandle,
  fileSize: number,
  recordsStart: number,
): Promise<RecipeTable> {
  if (fileSize < recordsStart + 1 + TABLE_COUNT_BYTES) {
    throw malformed('it ends before its recipe table');
  }
  const count = (
    await readExactly(handle, fileSize - TABLE_COUNT_BYTES, TABLE_COUNT_BYTES, 'recipe table')
  ).readUInt32BE(0);
  const start = fileSize - TABLE_COUNT_BYTES - count * RECIPE_INDEX_BYTES;
  // At least the end record sits between the header and the table.
  if (start < recordsStart + 1) {
    throw malformed(`its recipe table claims ${count} records, more than the file holds`);
  }
  return { start, count };
}

/**
 * The records of an expanded form, bounds-checked against the file's size (and, for a
 * correction, against its bound) before anything is read or allocated for them. In
 * version 3 the records end where the recipe table starts, and each deflated record takes
 * its recipe from the table, which must list exactly one recipe per deflated record.
 */
export async function* expandedRecords(
  handle: FileHandle,
  fileSize: number,
  recordsStart: number,
  recipes: readonly DeflateRecipe[],
  version = EXPANDED_VERSION,
  outputBytes = Number.POSITIVE_INFINITY,
): AsyncGenerator<ExpandedRecord> {
  const maxRecords = maxDeflatedRecords(outputBytes);
  const heads = new HeadReader(handle);
  const tableEntries = new HeadReader(handle);
  const table =
    version >= TABLED_VERSION ? await readRecipeTable(handle, fileSize, recordsStart) : undefined;
  // Version 3 says its count up front: refused before a single record is read.
  if (table && table.count > maxRecords) throw tooManyRecords(table.count, maxRecords, outputBytes);
  // Where the records (the end record included) stop.
  const recordsEnd = table ? table.start : fileSize;
  const indexBytes = table ? 0 : RECIPE_INDEX_BYTES;
  let deflatedRecords = 0;
  let position = recordsStart;
  for (;;) {
    if (position >= recordsEnd) throw malformed('it ends inside the records');
    const kind = (await heads.read(position, 1, 'records'))[0];
    if (kind === END) {
      if (position + 1 !== recordsEnd) {
        throw malformed(`${recordsEnd - position - 1} bytes follow its end record`);
      }
      if (table && deflatedRecords !== table.count) {
        throw malformed(
          `its recipe table lists ${table.count} recipes for ${deflatedRecords} deflated records`,
        );
      }
      return;
    }
    if (kind === RAW || (kind === DIRECTORY && table)) {
      const head = await heads.read(position, RAW_RECORD_HEAD, 'record header');
      const length = safeLength(head.readBigUInt64BE(1), 'raw length');
      // The writer never writes an empty record: each one describes output bytes, which
      // is what bounds their count (rebuild.ts).
      if (length === 0) throw malformed(`an empty verbatim record at byte ${position}`);
      const start = position + RAW_RECORD_HEAD;
      if (start + length > recordsEnd) throw malformed('a verbatim record runs past its end');
      if (kind === RAW) {
        yield { kind: 'raw', start, length };
      } else {
        // Rebuilt in memory, as the zip parser reads a central directory.
        if (length > MAX_CENTRAL_DIRECTORY) {
          throw malformed(
            `a central directory record of ${length} bytes (at most ${MAX_CENTRAL_DIRECTORY})`,
          );
        }
        yield { kind: 'raw', start, length, directory: true };
      }
      position = start + length;
    } else if (kind === DEFLATED || (kind === CORRECTED && version >= CORRECTED_VERSION)) {
      const corrected = kind === CORRECTED;
      const headBytes =
        (corrected ? CORRECTED_RECORD_HEAD : DEFLATED_RECORD_HEAD) -
        RECIPE_INDEX_BYTES +
        indexBytes;
      const head = await heads.read(position, headBytes, 'record header');
      const recipeIndex = table
        ? await tableEntry(tableEntries, table, deflatedRecords)
        : head.readUInt16BE(1);
      if (++deflatedRecords > maxRecords) {
        throw tooManyRecords(`more than ${maxRecords}`, maxRecords, outputBytes);
      }
      const recipe = recipes[recipeIndex];
      if (recipe === undefined) throw malformed(`a record names recipe ${recipeIndex}`);
      const contentLength = safeLength(head.readBigUInt64BE(1 + indexBytes), 'content length');
      const deflateLength = safeLength(head.readBigUInt64BE(9 + indexBytes), 'deflate length');
      if (deflateLength === 0) throw malformed(`an empty deflate record at byte ${position}`);
      const start = position + headBytes;
      if (start + contentLength > recordsEnd) {
        throw malformed('a content record runs past its end');
      }
      const record: ExpandedRecord = {
        kind: 'deflated',
        recipe,
        start,
        contentLength,
        deflateLength,
      };
      position = start + contentLength;
      if (corrected) {
        const length = head.readUInt32BE(17 + indexBytes);
        const bound = Math.min(deflateLength, maxCorrectionBytes(deflateLength));
        if (length > bound) {
          throw malformed(
            `a correction of ${length} bytes for a ${deflateLength}-byte deflate stream ` +
              `at byte ${position - contentLength - headBytes} (at most ${bound} allowed)`,
          );
        }
        if (position + length > recordsEnd) throw malformed('a correction runs past its end');
        record.correction = { start: position, length };
        position += length;
      }
      yield record;
    } else {
      throw malformed(`unknown record type 0x${(kind ?? 0).toString(16)} at byte ${position}`);
    }
  }
}

/** The recipe index of the `index`-th deflated record, from version 3's table. */
async function tableEntry(reader: HeadReader, table: RecipeTable, index: number) {
  if (index >= table.count) {
    throw malformed(`its recipe table lists ${table.count} recipes, but more records follow`);
  }
  const at = table.start + index * RECIPE_INDEX_BYTES;
  return (await reader.read(at, RECIPE_INDEX_BYTES, 'recipe table')).readUInt16BE(0);
}
