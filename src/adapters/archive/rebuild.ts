// Expanded form -> original bytes, record by record, for any container codec.
import { stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { IntegrityError } from '../../core/errors.js';
import { OutputLimitError } from '../../core/output-limit.js';
import { readAt, withFile, type ByteSink } from './byte-sinks.js';
import { deflateWith, usesGzipBinary, type EngineOptions } from './deflate-engines.js';
import { describeRecipe, recipeKey, type DeflateRecipe } from './deflate-recipes.js';
import {
  expandedRecords,
  readDirectoryRecord,
  readExpandedHeader,
  readRange,
  type ExpandedHeader,
  type ExpandedRecord,
} from './expanded-format.js';
import { BATCH_LIMITS, BatchFramingError, deflateBatchWithGzip } from './gzip-batch.js';

const COPY_CHUNK_BYTES = 1024 * 1024;

type DeflatedRecord = Extract<ExpandedRecord, { kind: 'deflated' }>;
type RawRecord = Extract<ExpandedRecord, { kind: 'raw' }>;
/** A record whose output the sink takes as proven (ProvenRecords) instead of receiving it. */
interface SkippedRecord {
  kind: 'skipped';
  position: number;
  length: number;
}
/** An empty-content record: its output is its recipe's output for no content (known). */
interface EmptyRecord {
  kind: 'empty';
  record: DeflatedRecord;
  deflated: Buffer;
}
type Pending = ExpandedRecord | SkippedRecord | EmptyRecord;

/**
 * For the upload proof only (expand-context.ts, compared-streams.ts): deflated records
 * whose output is already proven to be the original's, so they need no recompression.
 */
export interface ProvenRecords {
  /** Whether `record` of the form open at `form`, output from `position` on, is proven. */
  covers(form: FileHandle, record: DeflatedRecord, position: number): Promise<boolean>;
  /** Takes the place of a covered record's `length` output bytes from `position`. */
  skip(position: number, length: number): Promise<void>;
}

/**
 * Streams the bytes an expanded form describes into `sink`. Checks structure, not
 * content: the caller compares the result's sha256 (or streams it into a comparer).
 *
 * With `maxBytes`, a first pass over the record headers adds up the output they
 * describe and refuses the form before any recompression when it passes the bound, or
 * when it holds more deflate records than that output allows (maxDeflatedRecords): a
 * small delta cannot make 100,000 empty deflate records cost minutes of CPU.
 */
export async function rebuildInto(
  expandedPath: string,
  sink: ByteSink,
  engines: EngineOptions,
  maxBytes = Number.POSITIVE_INFINITY,
  proven?: ProvenRecords,
): Promise<ExpandedHeader> {
  const { size } = await stat(expandedPath);
  return withFile(expandedPath, async (handle) => {
    const { header, recordsStart, version } = await readExpandedHeader(handle);
    const records = () =>
      expandedRecords(handle, size, recordsStart, header.recipes, version, maxBytes);
    if (maxBytes !== Number.POSITIVE_INFINITY) {
      let described = 0;
      for await (const record of records()) {
        described += record.kind === 'raw' ? record.length : record.deflateLength;
        if (described > maxBytes) {
          throw new OutputLimitError(
            maxBytes,
            `The expanded form describes more than ${maxBytes} bytes of output; refused before rebuilding`,
          );
        }
      }
    }
    const writer = new RecordWriter(expandedPath, handle, header, sink, engines, proven);
    for await (const record of records()) {
      await writer.add(record);
    }
    await writer.flush();
    return header;
  });
}

/** Writes records in order, holding back runs of small gzip records to batch them. */
class RecordWriter {
  private batch: Pending[] = [];
  private batchRecipe?: string;
  private batchMembers = 0;
  private batchContent = 0;
  /** Where the next record's output starts: each record's output length is enforced. */
  private position = 0;
  /** Each recipe's output for empty content, by recipe key: computed once per rebuild. */
  private readonly emptyOutputs = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly header: ExpandedHeader,
    private readonly sink: ByteSink,
    private readonly engines: EngineOptions,
    private readonly proven?: ProvenRecords,
  ) {}

  async add(record: ExpandedRecord): Promise<void> {
    const position = this.position;
    this.position += record.kind === 'raw' ? record.length : record.deflateLength;
    if (record.kind === 'deflated' && (await this.proven?.covers(this.handle, record, position))) {
      await this.pass({ kind: 'skipped', position, length: record.deflateLength });
      return;
    }
    if (record.kind === 'raw') {
      await this.pass(record);
      return;
    }
    // Empty entries are common in zips and cost no engine run (or gzip member) each: a form
    // of many of them costs what its output costs.
    if (record.contentLength === 0 && !record.correction) {
      await this.pass({ kind: 'empty', record, deflated: await this.emptyOutput(record.recipe) });
      return;
    }
    if (!this.batchable(record)) {
      await this.flush();
      await this.deflate(record);
      return;
    }
    const key = recipeKey(record.recipe);
    if (
      this.batchMembers > 0 &&
      (key !== this.batchRecipe ||
        this.batchMembers >= BATCH_LIMITS.members ||
        this.batchContent + record.contentLength > BATCH_LIMITS.contentBytes)
    ) {
      await this.flush();
    }
    this.batch.push(record);
    this.batchRecipe = key;
    this.batchMembers++;
    this.batchContent += record.contentLength;
  }

  async flush(): Promise<void> {
    const records = this.batch;
    this.batch = [];
    this.batchMembers = 0;
    this.batchContent = 0;
    const members = records.filter(
      (record): record is DeflatedRecord => record.kind === 'deflated',
    );
    const first = members[0];
    if (!first || first.recipe.engine !== 'gzip' || members.length === 1) {
      for (const record of records) {
        if (record.kind === 'deflated') await this.deflate(record);
        else await this.emit(record);
      }
      return;
    }
    let next = 0;
    const copyRawUpTo = async (member: DeflatedRecord | undefined) => {
      for (; next < records.length && records[next] !== member; next++) {
        const record = records[next]!;
        if (record.kind !== 'deflated') await this.emit(record);
      }
      next++;
    };
    try {
      await deflateBatchWithGzip(
        first.recipe,
        members.map((member) => ({
          bytes: () => readAt(this.handle, member.start, member.contentLength),
          deflateLength: member.deflateLength,
        })),
        async (index, deflated) => {
          await copyRawUpTo(members[index]);
          for await (const chunk of deflated) await this.sink.write(chunk);
        },
        { binary: this.engines.gzipBinary, tempRoot: this.engines.tempRoot },
      );
    } catch (error) {
      if (error instanceof BatchFramingError) {
        const member = members[Math.min(error.index, members.length - 1)]!;
        throw notReproduced(this.header, member.recipe, member.deflateLength, error);
      }
      throw error;
    }
    await copyRawUpTo(undefined);
  }

  private batchable(record: DeflatedRecord): boolean {
    return (
      usesGzipBinary(record.recipe, this.engines) &&
      !record.correction &&
      record.contentLength <= BATCH_LIMITS.memberContentBytes
    );
  }

  /** A record with known output now, or after the batch being gathered. */
  private async pass(record: RawRecord | SkippedRecord | EmptyRecord): Promise<void> {
    if (this.batchMembers > 0) this.batch.push(record);
    else await this.emit(record);
  }

  private async emit(record: RawRecord | SkippedRecord | EmptyRecord): Promise<void> {
    if (record.kind === 'raw') await this.copy(record);
    else if (record.kind === 'skipped') await this.proven!.skip(record.position, record.length);
    else await this.emitEmpty(record);
  }

  private emptyOutput(recipe: DeflateRecipe): Promise<Buffer> {
    const key = recipeKey(recipe);
    let output = this.emptyOutputs.get(key);
    if (!output) {
      output = deflatedEmpty(recipe, this.engines);
      this.emptyOutputs.set(key, output);
    }
    return output;
  }

  /** As `deflate` does: the bytes that fit go out, then a wrong length is refused. */
  private async emitEmpty({ record, deflated }: EmptyRecord): Promise<void> {
    await this.sink.write(deflated.subarray(0, record.deflateLength));
    if (deflated.length !== record.deflateLength) {
      throw notReproduced(this.header, record.recipe, record.deflateLength);
    }
  }

  /** Through the open handle: headers between small entries are many and short. */
  private async copy(record: RawRecord): Promise<void> {
    if (record.directory) return this.sink.write(await readDirectoryRecord(this.path, record));
    for (let done = 0; done < record.length; done += COPY_CHUNK_BYTES) {
      const length = Math.min(COPY_CHUNK_BYTES, record.length - done);
      await this.sink.write(await readAt(this.handle, record.start + done, length));
    }
  }

  /**
   * Deflates a record's content into exactly its deflate length; with a correction, the
   * engine's first `deflateLength - correction.length` bytes, then the correction (the
   * rest of the engine's output is dropped).
   */
  private async deflate(record: DeflatedRecord): Promise<void> {
    const content = readRange(this.path, record.start, record.contentLength);
    const { correction } = record;
    const wanted = record.deflateLength - (correction?.length ?? 0);
    await deflateWith(
      record.recipe,
      content,
      async (deflated) => {
        const wrongLength = () => notReproduced(this.header, record.recipe, record.deflateLength);
        let produced = 0;
        for await (const chunk of deflated) {
          const room = wanted - produced;
          produced += chunk.length;
          // The bytes that fit still go out, so a proof sees exactly where output went wrong.
          if (room > 0)
            await this.sink.write(room < chunk.length ? chunk.subarray(0, room) : chunk);
          if (produced > wanted && !correction) throw wrongLength();
        }
        if (produced < wanted || (!correction && produced !== wanted)) throw wrongLength();
      },
      this.engines,
    );
    if (correction) await this.copy({ kind: 'raw', ...correction });
  }
}

/** What `recipe` makes of no content: a few bytes. */
async function deflatedEmpty(recipe: DeflateRecipe, engines: EngineOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await deflateWith(
    recipe,
    Readable.from([]),
    async (deflated) => {
      for await (const chunk of deflated) chunks.push(chunk);
    },
    engines,
  );
  return Buffer.concat(chunks);
}

function notReproduced(
  header: ExpandedHeader,
  recipe: DeflateRecipe,
  expected: number,
  cause?: unknown,
): IntegrityError {
  const producers = Object.entries(header.producers)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return new IntegrityError(
    `Recompressing with ${describeRecipe(recipe)} did not give back the ${expected} deflate ` +
      `bytes the archive had: this machine's compressor differs from the one that proved ` +
      `the recipe (${producers || 'unknown'})`,
    'Download on a machine with the same Node.js zlib and GNU gzip, or upload the file ' +
      'again without archive-aware deltas',
    { cause },
  );
}
