// The expanded form: a container with its deflate streams replaced by their content.
//
//   magic (8 bytes: 89 44 47 58 0d 0a 1a 0a = "\x89DGX\r\n\x1a\n")
//   version (1 byte): 1, or 2 when a 'C' record is present (version 1 readers refuse it)
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
//         miss, correction.ts); version 2 only
//     'E' end of records; the last byte of the file
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

export const EXPANDED_MAGIC = Buffer.from([0x89, 0x44, 0x47, 0x58, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Written when no stream needs a correction: such forms stay readable by older releases. */
export const EXPANDED_VERSION = 1;
/** Written when a stream carries a correction ('C' records). */
export const CORRECTED_VERSION = 2;
const READABLE_VERSIONS = new Set([EXPANDED_VERSION, CORRECTED_VERSION]);
const FORMAT_NAME = 'deltaglider-expanded';
const PREAMBLE_BYTES = EXPANDED_MAGIC.length + 1 + 4;
const MAX_HEADER_BYTES = 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

const RAW = 0x52; // 'R'
const DEFLATED = 0x44; // 'D'
const CORRECTED = 0x43; // 'C'
const END = 0x45; // 'E'
const RAW_RECORD_HEAD = 1 + 8;
const DEFLATED_RECORD_HEAD = 1 + 2 + 8 + 8;
const CORRECTED_RECORD_HEAD = DEFLATED_RECORD_HEAD + 4;

export type ContainerCodec = 'gzip' | 'zip';

export interface ExpandedHeader {
  codec: ContainerCodec;
  recipes: DeflateRecipe[];
  /** Versions of the compressors that proved the recipes (for error messages only). */
  producers: Record<string, string>;
}

export type ExpandedRecord =
  | { kind: 'raw'; start: number; length: number }
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

  private constructor(
    private readonly sink: FileSink,
    private readonly budget?: WriteBudget,
  ) {}

  static async create(
    path: string,
    header: ExpandedHeader,
    budget?: WriteBudget,
  ): Promise<ExpandedWriter> {
    const json = Buffer.from(JSON.stringify({ format: FORMAT_NAME, ...header }), 'utf8');
    const preamble = Buffer.alloc(PREAMBLE_BYTES);
    EXPANDED_MAGIC.copy(preamble, 0);
    preamble.writeUInt8(EXPANDED_VERSION, EXPANDED_MAGIC.length);
    preamble.writeUInt32BE(json.length, EXPANDED_MAGIC.length + 1);
    const sink = await FileSink.create(path);
    await sink.write(preamble);
    await sink.write(json);
    return new ExpandedWriter(sink, budget);
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
    const head = Buffer.alloc(RAW_RECORD_HEAD);
    head.writeUInt8(RAW, 0);
    head.writeBigUInt64BE(BigInt(length), 1);
    await this.write(head);
    await this.copy(path, start, length);
  }

  private async copy(path: string, start: number, length: number): Promise<void> {
    let copied = 0;
    for await (const chunk of readRange(path, start, length)) {
      copied += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (copied !== length) {
      throw new DeltaGliderError('the original file shrank while it was being read', undefined, {
        code: 'source-changed',
      });
    }
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
    const head = Buffer.alloc(correction ? CORRECTED_RECORD_HEAD : DEFLATED_RECORD_HEAD);
    head.writeUInt8(correction ? CORRECTED : DEFLATED, 0);
    head.writeUInt16BE(recipeIndex, 1);
    head.writeBigUInt64BE(BigInt(deflateLength), 11);
    if (correction) head.writeUInt32BE(correction.length, DEFLATED_RECORD_HEAD);
    this.budget?.entries(++this.records);
    await this.write(head);
    let contentLength = 0;
    for await (const chunk of content) {
      contentLength += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(contentLength), 0);
    await this.sink.patch(headAt + 3, length);
    if (correction) {
      this.corrected = true;
      await this.copy(correction.path, correction.start, correction.length);
    }
    return contentLength;
  }

  async finish(): Promise<void> {
    await this.sink.write(Buffer.from([END]));
    if (this.corrected) {
      await this.sink.patch(EXPANDED_MAGIC.length, Buffer.from([CORRECTED_VERSION]));
    }
    await this.sink.close();
  }

  /** Closes the file after a failure (the caller removes it). */
  async abandon(): Promise<void> {
    await this.sink.close().catch(() => undefined);
  }
}

function malformed(detail: string): IntegrityError {
  return new IntegrityError(
    `The expanded archive is malformed: ${detail}`,
    'The delta object or its reference is corrupt, or was written by a newer release; ' +
      'upload the file again',
  );
}

async function readExactly(handle: FileHandle, position: number, length: number, what: string) {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead < length) throw malformed(`it ends inside the ${what}`);
  return buffer;
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
      `format version ${version} is not supported (this release reads versions 1 and 2)`,
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

/**
 * The records of an expanded form, bounds-checked against the file's size (and, for a
 * correction, against its bound) before anything is read or allocated for them.
 */
export async function* expandedRecords(
  handle: FileHandle,
  fileSize: number,
  recordsStart: number,
  recipes: readonly DeflateRecipe[],
  version = EXPANDED_VERSION,
): AsyncGenerator<ExpandedRecord> {
  let position = recordsStart;
  for (;;) {
    const kind = (await readExactly(handle, position, 1, 'records'))[0];
    if (kind === END) {
      if (position + 1 !== fileSize) {
        throw malformed(`${fileSize - position - 1} bytes follow its end record`);
      }
      return;
    }
    if (kind === RAW) {
      const head = await readExactly(handle, position, RAW_RECORD_HEAD, 'record header');
      const length = safeLength(head.readBigUInt64BE(1), 'raw length');
      // The writer never writes an empty record: each one describes output bytes, which
      // is what bounds their count (rebuild.ts).
      if (length === 0) throw malformed(`an empty verbatim record at byte ${position}`);
      const start = position + RAW_RECORD_HEAD;
      if (start + length > fileSize) throw malformed('a verbatim record runs past its end');
      yield { kind: 'raw', start, length };
      position = start + length;
    } else if (kind === DEFLATED || (kind === CORRECTED && version >= CORRECTED_VERSION)) {
      const corrected = kind === CORRECTED;
      const headBytes = corrected ? CORRECTED_RECORD_HEAD : DEFLATED_RECORD_HEAD;
      const head = await readExactly(handle, position, headBytes, 'record header');
      const recipeIndex = head.readUInt16BE(1);
      const recipe = recipes[recipeIndex];
      if (recipe === undefined) throw malformed(`a record names recipe ${recipeIndex}`);
      const contentLength = safeLength(head.readBigUInt64BE(3), 'content length');
      const deflateLength = safeLength(head.readBigUInt64BE(11), 'deflate length');
      if (deflateLength === 0) throw malformed(`an empty deflate record at byte ${position}`);
      const start = position + headBytes;
      if (start + contentLength > fileSize) throw malformed('a content record runs past its end');
      const record: ExpandedRecord = {
        kind: 'deflated',
        recipe,
        start,
        contentLength,
        deflateLength,
      };
      position = start + contentLength;
      if (corrected) {
        const length = head.readUInt32BE(DEFLATED_RECORD_HEAD);
        const bound = Math.min(deflateLength, maxCorrectionBytes(deflateLength));
        if (length > bound) {
          throw malformed(
            `a correction of ${length} bytes for a ${deflateLength}-byte deflate stream ` +
              `at byte ${position - contentLength - headBytes} (at most ${bound} allowed)`,
          );
        }
        if (position + length > fileSize) throw malformed('a correction runs past its end');
        record.correction = { start: position, length };
        position += length;
      }
      yield record;
    } else {
      throw malformed(`unknown record type 0x${(kind ?? 0).toString(16)} at byte ${position}`);
    }
  }
}
