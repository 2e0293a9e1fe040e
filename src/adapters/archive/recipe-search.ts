// The bounded search for a recipe that re-creates a deflate stream.
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Mismatch, PrefixMatched, RangeComparer } from './byte-sinks.js';
import { nearMiss } from './correction.js';
import { deflateWith, type EngineOptions } from './deflate-engines.js';
import type { DeflateRecipe } from './deflate-recipes.js';
import { orderForGoTail } from './go-flate/candidate-order.js';

/** One deflate stream of the original and a way to read its content afresh. */
export interface SearchTarget {
  /** A new stream of the uncompressed content, from its start. */
  openContent(): Readable;
  /** The original file, open for reading. */
  handle: FileHandle;
  /** Where the deflate bytes sit in it. */
  start: number;
  length: number;
}

export interface SearchLimits {
  /** `Date.now()` after which no further candidate starts. */
  deadline: number;
  /**
   * A candidate that matches this many leading deflate bytes is returned without running
   * to the end; the proof rebuild checks the rest.
   */
  prefixBytes: number;
}

export interface SearchMatch {
  recipe: DeflateRecipe;
  /** Whether the whole stream was compared, or only its first `prefixBytes`. */
  complete: boolean;
  /**
   * A near miss (correction.ts): the recipe reproduces all but this many bytes at the end
   * of the stream, which the expanded form then carries verbatim.
   */
  correction?: number;
}

/** The content is not a valid deflate stream (truncated or corrupt): nothing to search. */
export class UndecodableContent extends Error {
  constructor(cause: unknown) {
    super(`the deflate data does not decompress: ${(cause as Error).message}`, { cause });
    this.name = 'UndecodableContent';
  }
}

export interface SearchStats {
  tried: number;
}

/**
 * Candidates that reproduce the target, in the order given, lazily: the caller takes the
 * first and asks for another only if its proof fails. Each candidate is compared on the
 * fly and dropped at its first wrong byte. Stops at the deadline. A near miss is only
 * offered once no candidate matched exactly: the one with the smallest correction.
 */
export async function* matchingRecipes(
  target: SearchTarget,
  candidates: readonly DeflateRecipe[],
  limits: SearchLimits,
  engines: EngineOptions,
  stats: SearchStats = { tried: 0 },
): AsyncGenerator<SearchMatch> {
  const { handle, start, length } = target;
  const ordered = await orderForGoTail(handle, start, length, candidates);
  let closest: SearchMatch | undefined;
  // Two candidates run at once: GNU gzip runs in its own process and Node's zlib on the
  // thread pool, so a search that fails (every candidate) takes about half the time on
  // two cores. Results are still taken in the candidates' order.
  const running: Promise<SearchMatch | undefined>[] = [];
  let next = 0;
  const launch = () => {
    if (next >= ordered.length || Date.now() > limits.deadline) return;
    stats.tried++;
    const attempt = tryRecipe(target, ordered[next++]!, limits.prefixBytes, engines);
    attempt.catch(() => undefined); // awaited below; this keeps an early exit quiet
    running.push(attempt);
  };
  try {
    for (let i = 0; i < SEARCH_CONCURRENCY; i++) launch();
    while (running.length > 0) {
      const match = await running.shift()!;
      if (match?.correction === undefined) {
        if (match) yield match;
      } else if (closest === undefined || match.correction < closest.correction!) {
        closest = match;
      }
      launch();
    }
  } finally {
    // The caller stopped early (a match was proven): let the one still running finish.
    await Promise.allSettled(running);
  }
  if (closest) yield closest;
}

const SEARCH_CONCURRENCY = 2;

/** Runs one candidate against the target: a match, or undefined at the first wrong byte. */
export async function tryRecipe(
  target: SearchTarget,
  recipe: DeflateRecipe,
  prefixBytes: number,
  engines: EngineOptions,
): Promise<SearchMatch | undefined> {
  const comparer = new RangeComparer(target.handle, target.start, target.length, prefixBytes);
  const content = target.openContent();
  try {
    await deflateWith(
      recipe,
      content,
      async (deflated) => {
        for await (const chunk of deflated) await comparer.write(chunk);
      },
      engines,
    );
    comparer.end();
    return { recipe, complete: true };
  } catch (error) {
    if (error instanceof PrefixMatched) return { recipe, complete: false };
    if (error instanceof Mismatch) {
      const correction = nearMiss(error.offset, target.length);
      return correction === undefined ? undefined : { recipe, complete: true, correction };
    }
    if (isZlibDataError(error)) throw new UndecodableContent(error);
    throw error;
  } finally {
    content.destroy();
  }
}

/** An error zlib raises on bad compressed input (as opposed to an I/O failure). */
export function isZlibDataError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('Z_') || code.startsWith('ERR_ZLIB'));
}
