// Many small deflate streams through one gzip process.
//
// Spawning gzip costs ~6 ms, more than compressing a typical zip entry. `gzip -c a b c`
// compresses each file as its own member, with the same deflate state reset as separate
// runs, so one process can serve hundreds of entries: contents go to temporary files,
// the members come back concatenated and are split by the lengths the caller expects.
// Each member's trailer (CRC-32 and size of the content) is checked, so a member whose
// deflate body is not the expected length cannot be mistaken for a good one.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { DeltaGliderError } from '../../core/errors.js';
import { ByteReader, StreamEndedEarly } from './byte-reader.js';
import { gzipArguments, gzipEnvironment, gzipNotFound } from './deflate-engines.js';
import type { GzipBinaryRecipe } from './deflate-recipes.js';
import { watchChild } from './child-exit.js';

/** Small contents share one gzip process, within these bounds. */
export const BATCH_LIMITS = {
  members: 512,
  memberContentBytes: 4 * 1024 * 1024,
  contentBytes: 32 * 1024 * 1024,
};

/**
 * A member's content, as a stream or (cheaper for small contents: no stream set up per
 * member) whole.
 */
export type BatchMember = ({ content(): Readable } | { bytes(): Promise<Uint8Array> }) & {
  /** How many deflate bytes the member must come out as. */
  deflateLength: number;
};

/** What gzip read for a member: the sha256 of the content staged for it, and its length. */
export interface StagedContent {
  sha256: string;
  length: number;
}

/**
 * Receives member `index`'s deflate bytes (and what its content was); must read them all
 * or throw.
 */
export type MemberConsumer = (
  index: number,
  deflated: AsyncIterable<Buffer>,
  content: StagedContent,
) => Promise<void>;

/** Writing member `index`'s content failed (its source is corrupt, for instance). */
export class BatchContentError extends Error {
  constructor(
    readonly index: number,
    cause: unknown,
  ) {
    super(`member ${index}: ${(cause as Error).message}`, { cause });
    this.name = 'BatchContentError';
  }
}

/** Member `index` did not come out with the expected framing: the recipe is wrong for it. */
export class BatchFramingError extends Error {
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super(`gzip member ${index} ${detail}`);
    this.name = 'BatchFramingError';
  }
}

const GZIP_HEADER_BYTES = 10;

interface Written extends StagedContent {
  crc: number;
}

async function writeContent(member: BatchMember, path: string): Promise<Written> {
  if ('bytes' in member) {
    const bytes = await member.bytes();
    await writeFile(path, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { crc: crc32(bytes), length: bytes.length, sha256 };
  }
  let crc = 0;
  let length = 0;
  const hash = createHash('sha256');
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      crc = crc32(chunk, crc);
      hash.update(chunk);
      length += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(member.content(), measure, createWriteStream(path));
  return { crc, length, sha256: hash.digest('hex') };
}

/**
 * Staging a member costs a few ms of latency (a file opened, written, closed; a content
 * stream set up), little CPU: several at once, in order.
 */
const STAGING_CONCURRENCY = 4;

/**
 * Writes each member's content to `dir/<index>`. On a failure, the launched members
 * settle first and the error names the lowest failed index: every member below it was
 * written.
 */
async function stageAll(members: readonly BatchMember[], dir: string): Promise<Written[]> {
  const written: Written[] = [];
  let next = 0;
  const failures: BatchContentError[] = [];
  const worker = async () => {
    while (failures.length === 0 && next < members.length) {
      const index = next++;
      try {
        written[index] = await writeContent(members[index]!, join(dir, String(index)));
      } catch (error) {
        failures.push(new BatchContentError(index, error));
      }
    }
  };
  await Promise.all(Array.from({ length: STAGING_CONCURRENCY }, worker));
  if (failures.length > 0) throw failures.reduce((a, b) => (b.index < a.index ? b : a));
  return written;
}

/**
 * Compresses every member's content with one `gzip -n -<level> -c` run and hands each
 * member's raw deflate bytes to `consume`, in order.
 */
export async function deflateBatchWithGzip(
  recipe: GzipBinaryRecipe,
  members: readonly BatchMember[],
  consume: MemberConsumer,
  options: { binary: string; tempRoot: string },
): Promise<void> {
  const dir = await mkdtemp(join(options.tempRoot, 'dg-gzip-'));
  try {
    const written = await stageAll(members, dir);
    const names = members.map((_, index) => String(index));
    await runGzip(recipe, names, dir, options.binary, async (output) => {
      const reader = new ByteReader(output);
      for (const [index, member] of members.entries()) {
        const header = await reader.read(GZIP_HEADER_BYTES);
        if (
          header.length < GZIP_HEADER_BYTES ||
          header[0] !== 0x1f ||
          header[1] !== 0x8b ||
          header[3] !== 0
        ) {
          throw new BatchFramingError(index, 'does not start with a plain gzip header');
        }
        let delivered = 0;
        const counted = async function* () {
          for await (const chunk of reader.take(member.deflateLength)) {
            delivered += chunk.length;
            yield chunk;
          }
        };
        try {
          const { sha256, length } = written[index]!;
          await consume(index, counted(), { sha256, length });
        } catch (error) {
          if (error instanceof StreamEndedEarly) throw new BatchFramingError(index, 'ended early');
          throw error;
        }
        if (delivered !== member.deflateLength) throw new Error('a batch consumer stopped early');
        const trailer = await reader.read(8);
        const { crc, length } = written[index]!;
        if (
          trailer.length < 8 ||
          trailer.readUInt32LE(0) !== crc ||
          trailer.readUInt32LE(4) !== length % 2 ** 32
        ) {
          throw new BatchFramingError(index, `is not ${member.deflateLength} deflate bytes long`);
        }
      }
      if (!(await reader.atEnd())) throw new BatchFramingError(members.length, 'is unexpected');
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runGzip(
  recipe: GzipBinaryRecipe,
  names: string[],
  cwd: string,
  binary: string,
  consume: (output: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  const args = [...gzipArguments(recipe), '--', ...names];
  const child = spawn(binary, args, {
    cwd,
    env: gzipEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { stderr, exited } = watchChild(child);
  try {
    await consume(child.stdout);
    const failure = await exited;
    if (failure !== undefined) {
      throw new DeltaGliderError(
        `${binary} ${gzipArguments(recipe).join(' ')} (${names.length} files) exited with ` +
          `${failure}: ${stderr().trim() || 'no message'}`,
        'Check that GNU gzip works on this machine',
      );
    }
  } catch (error) {
    child.kill('SIGKILL');
    child.stdout.destroy();
    const spawnError = await exited.then(
      () => undefined,
      (reason: unknown) => reason as NodeJS.ErrnoException,
    );
    if (spawnError?.code === 'ENOENT') throw gzipNotFound(binary, spawnError);
    throw error;
  }
}
