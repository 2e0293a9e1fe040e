// Runs a recipe: content in, raw deflate bytes out, streamed.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createDeflateRaw } from 'node:zlib';
import { DeltaGliderError } from '../../core/errors.js';
import type {
  DeflateRecipe,
  GzipBinaryRecipe,
  ZlibRecipe,
  ZlibStrategy,
} from './deflate-recipes.js';
import { watchChild } from './child-exit.js';
import type { DeflateConsumer } from './deflate-consumer.js';
import { deflateWithPako } from './pako-engine.js';
import { deflateWithGoFlate } from './go-flate/engine.js';
import { deflateWithGzipPort } from './gzip-port/engine.js';
import { gzipPortMakes } from './gzip-port/recipe.js';

export interface EngineOptions {
  /** The GNU gzip executable, for `engine: 'gzip'` recipes the port does not run. */
  gzipBinary: string;
  /**
   * Whether the bundled port runs the gzip recipes it makes (gzipPortMakes). Uploads and
   * machines without GNU gzip run it; a download where GNU gzip is found runs the binary,
   * which is faster (see docs/archive-aware.md). Off, every gzip recipe needs the binary.
   */
  gzipPort: boolean;
  /** Where batches of small contents are written for one gzip run (see gzip-batch.ts). */
  tempRoot: string;
}

const CHUNK_BYTES = 64 * 1024;
const GZIP_HEADER_BYTES = 10;
const GZIP_TRAILER_BYTES = 8;

const STRATEGY: Record<ZlibStrategy, number> = {
  default: constants.Z_DEFAULT_STRATEGY,
  filtered: constants.Z_FILTERED,
  huffman: constants.Z_HUFFMAN_ONLY,
  rle: constants.Z_RLE,
  fixed: constants.Z_FIXED,
};

/** Compresses `content` with `recipe` and hands the raw deflate bytes to `consume`. */
export function deflateWith(
  recipe: DeflateRecipe,
  content: Readable,
  consume: DeflateConsumer,
  options: EngineOptions,
): Promise<void> {
  switch (recipe.engine) {
    case 'zlib':
      return deflateWithZlib(recipe, content, consume);
    case 'pako':
      return deflateWithPako(recipe, content, consume);
    case 'gzip':
      return usesGzipBinary(recipe, options)
        ? deflateWithGzip(recipe, content, consume, options.gzipBinary)
        : deflateWithGzipPort(recipe.level, content, consume);
    case 'go':
      return deflateWithGoFlate(recipe, content, consume);
  }
}

/** Whether `recipe` runs in the GNU gzip binary (and so may be batched, gzip-batch.ts). */
export function usesGzipBinary(recipe: DeflateRecipe, options: EngineOptions): boolean {
  return recipe.engine === 'gzip' && !(options.gzipPort && gzipPortMakes(recipe));
}

async function deflateWithZlib(
  recipe: ZlibRecipe,
  content: Readable,
  consume: DeflateConsumer,
): Promise<void> {
  const deflater = createDeflateRaw({
    level: recipe.level,
    memLevel: recipe.memLevel,
    windowBits: recipe.windowBits,
    strategy: STRATEGY[recipe.strategy],
    chunkSize: CHUNK_BYTES,
  });
  await pipeline(content, deflater, consume);
}

export function gzipArguments(recipe: GzipBinaryRecipe): string[] {
  return ['-n', `-${recipe.level}`, ...(recipe.rsyncable ? ['--rsyncable'] : []), '-c'];
}

async function deflateWithGzip(
  recipe: GzipBinaryRecipe,
  content: Readable,
  consume: DeflateConsumer,
  binary: string,
): Promise<void> {
  const args = gzipArguments(recipe);
  const child = spawn(binary, args, { env: gzipEnvironment(), stdio: ['pipe', 'pipe', 'pipe'] });
  const { stderr, exited } = watchChild(child);
  const fed = pipeline(content, child.stdin);
  // Settles on every path below; this stops an early abort from leaving a stray rejection.
  fed.catch(() => undefined);
  try {
    await pipeline(child.stdout, stripGzipFraming, consume);
    await fed;
    const failure = await exited;
    if (failure !== undefined) {
      throw new DeltaGliderError(
        `${binary} ${args.join(' ')} exited with ${failure}: ${stderr().trim() || 'no message'}`,
        'Check that GNU gzip works on this machine',
      );
    }
  } catch (error) {
    child.kill('SIGKILL');
    content.destroy();
    const spawnError = await exited.then(
      () => undefined,
      (reason: unknown) => reason as NodeJS.ErrnoException,
    );
    if (spawnError?.code === 'ENOENT') throw gzipNotFound(binary, spawnError);
    throw error;
  }
}

/** The environment without GZIP: GNU gzip reads options such as --rsyncable from it. */
export function gzipEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.GZIP;
  return env;
}

export function gzipNotFound(binary: string, cause: unknown): DeltaGliderError {
  return new DeltaGliderError(
    `GNU gzip was not found (tried "${binary}"); it is needed to rebuild this archive`,
    'Install gzip (apt-get install gzip, brew install gzip) and put it on PATH',
    { cause },
  );
}

/**
 * The deflate body of `gzip -n -c` output: drops the 10-byte header (checked: no name,
 * no extra fields) and holds back the 8-byte trailer.
 */
async function* stripGzipFraming(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let header: Buffer = Buffer.alloc(0);
  let tail: Buffer = Buffer.alloc(0);
  for await (const piece of source) {
    let chunk = piece;
    if (header.length < GZIP_HEADER_BYTES) {
      const need = GZIP_HEADER_BYTES - header.length;
      header = Buffer.concat([header, chunk.subarray(0, need)]);
      chunk = chunk.subarray(need);
      if (header.length === GZIP_HEADER_BYTES && !isPlainGzipHeader(header)) {
        throw new DeltaGliderError(`gzip wrote an unexpected header (${header.toString('hex')})`);
      }
    }
    if (chunk.length >= GZIP_TRAILER_BYTES) {
      if (tail.length > 0) yield tail;
      yield chunk.subarray(0, chunk.length - GZIP_TRAILER_BYTES);
      tail = chunk.subarray(chunk.length - GZIP_TRAILER_BYTES);
    } else if (chunk.length > 0) {
      const joined = Buffer.concat([tail, chunk]);
      const keep = Math.max(0, joined.length - GZIP_TRAILER_BYTES);
      if (keep > 0) yield joined.subarray(0, keep);
      tail = joined.subarray(keep);
    }
  }
  if (header.length < GZIP_HEADER_BYTES || tail.length < GZIP_TRAILER_BYTES) {
    throw new DeltaGliderError('gzip output ended before its header and trailer were complete');
  }
}

function isPlainGzipHeader(header: Buffer): boolean {
  return header[0] === 0x1f && header[1] === 0x8b && header[2] === 8 && header[3] === 0;
}
