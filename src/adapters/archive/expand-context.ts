// What both container codecs share while expanding: settings, the proof, the report.
import type { FileHandle } from 'node:fs/promises';
import { createInflateRaw, inflateRaw } from 'node:zlib';
import { pipeline, Readable } from 'node:stream';
import { IntegrityError } from '../../core/errors.js';
import { Mismatch, RangeComparer, readAt, streamAt, withFile } from './byte-sinks.js';
import { ComparedStreams, type ComparedStream } from './compared-streams.js';
import type { EngineOptions } from './deflate-engines.js';
import type { DeflateEngine } from './deflate-recipes.js';
import { readRange, type ContainerCodec } from './expanded-format.js';
import { rebuildInto } from './rebuild.js';

export interface ExpandContext {
  /** Engines of the proof: a rebuild's, as a download here would run them. */
  engines: EngineOptions;
  /** Engines of the recipe search: the gzip port, so gzip candidates spawn nothing. */
  searchEngines: EngineOptions;
  /** Bytes, entries and wall time the whole expansion (search, write, proof) may take. */
  budget: ExpansionBudget;
  /** Whether GNU gzip recipes may be tried. */
  gzipAvailable: boolean;
  /** Engines the search may use (all when absent). */
  allowedEngines?: readonly DeflateEngine[];
  /** Compressor versions recorded in the expanded form. */
  producers: Record<string, string>;
  /** `Date.now()` after which the recipe search starts no further candidate. */
  deadline: number;
  /** Leading deflate bytes a candidate must match before the proof checks the rest. */
  prefixBytes: number;
  /** The caller's work on each written form while it is proven (ArchiveCodecPort.expand). */
  whileProving?: (expandedPath: string) => Promise<void>;
}

/** What an expansion found and what it cost; `expand` reduces it to the codec name. */
export interface ExpandReport {
  codec: ContainerCodec;
  /** The recipes used, described (`zlib level 9 ...`, `gzip -n -6`). */
  recipes: string[];
  /** Deflate streams in the container, and how many the expanded form rebuilds. */
  streams: number;
  reproducedStreams: number;
  /** Of those, how many are near misses, and their correction bytes in all (correction.ts). */
  correctedStreams: number;
  correctionBytes: number;
  /** Original bytes rebuilt from content, and original bytes kept verbatim. */
  reproducedBytes: number;
  verbatimBytes: number;
  /**
   * Of the reproduced streams, how many the proof took as compared whole by the search
   * instead of recompressing them (compared-streams.ts).
   */
  provenBySearch: number;
  /** Bytes of uncompressed content in the expanded form. */
  contentBytes: number;
  candidatesTried: number;
  searchMs: number;
  writeMs: number;
  proveMs: number;
}

/** How much one expansion may cost before the file is stored without it. */
export interface ExpansionLimits {
  /** Bytes of expanded form. */
  maxBytes: number;
  /** Entries (deflate streams) in the container. */
  maxEntries: number;
  /** `Date.now()` after which the expansion stops, whatever phase it is in. */
  deadline: number;
}

/** The expansion passed its budget: the file is stored without it (`reason` says why). */
export class ExpansionBudgetExceeded extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ExpansionBudgetExceeded';
  }
}

/**
 * Checked as an expansion runs: by the writer on every chunk, by the proof as it
 * compares, and up front on the entry count. A hostile archive (a 1 MB .tgz of 256 MiB
 * of zeros, a zip of 20,000 tiny entries) then costs a bounded amount of disk and time.
 */
export class ExpansionBudget {
  constructor(readonly limits: ExpansionLimits) {}

  /** Throws once the expanded form written so far passes the byte budget or time is up. */
  written(bytes: number): void {
    if (bytes > this.limits.maxBytes) {
      throw new ExpansionBudgetExceeded(
        `its expanded content passed ${formatBytes(this.limits.maxBytes)}, the archive-aware budget for a file of its size`,
      );
    }
    this.tick();
  }

  entries(count: number): void {
    if (count > this.limits.maxEntries) {
      throw new ExpansionBudgetExceeded(
        `it has ${count} entries, more than the ${this.limits.maxEntries} the archive-aware budget allows`,
      );
    }
  }

  tick(): void {
    if (Date.now() > this.limits.deadline) {
      throw new ExpansionBudgetExceeded('expanding and proving it ran out of its time budget');
    }
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(0)} MiB` : `${bytes} bytes`;
}

/**
 * A fresh stream of the inflated content of a raw deflate stream inside a file, by path
 * or through a handle the caller keeps open (no file opened and closed per stream).
 */
export function openInflated(
  source: string | FileHandle,
  start: number,
  length: number,
): { content: Readable; consumed: () => number } {
  const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
  const compressed =
    typeof source === 'string' ? readRange(source, start, length) : streamAt(source, start, length);
  // The callback form destroys the file stream when the inflater is destroyed early.
  pipeline(compressed, inflater, () => undefined);
  return { content: inflater, consumed: () => inflater.bytesWritten };
}

/**
 * A small raw deflate stream inside an open file, inflated whole (one read and one
 * inflate instead of two streams), with how many deflate bytes it took. Undefined past
 * `maxBytes` of content, or when the stream claims more than twice that many deflate
 * bytes (deflate never grows content that much): a header cannot make it allocate more.
 */
export async function inflateWhole(
  handle: FileHandle,
  start: number,
  length: number,
  maxBytes: number,
): Promise<{ content: Buffer; consumed: number } | undefined> {
  if (length > 2 * maxBytes + 1024) return undefined;
  const compressed = await readAt(handle, start, length);
  try {
    const { buffer, engine } = await new Promise<{ buffer: Buffer; engine: Inflated }>(
      (resolve, reject) =>
        inflateRaw(compressed, { info: true, maxOutputLength: maxBytes }, (error, result) =>
          error
            ? reject(error)
            : resolve(result as unknown as { buffer: Buffer; engine: Inflated }),
        ),
    );
    return { content: buffer, consumed: engine.bytesWritten };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw error;
  }
}

interface Inflated {
  bytesWritten: number;
}

/** `openInflated` through an open handle; a stream up to `wholeBytes` is inflated whole. */
export async function inflatedAt(
  handle: FileHandle,
  start: number,
  length: number,
  wholeBytes: number,
): Promise<{ content: Readable; consumed: () => number }> {
  const whole = await inflateWhole(handle, start, length, wholeBytes);
  if (!whole) return openInflated(handle, start, length);
  return { content: Readable.from([whole.content]), consumed: () => whole.consumed };
}

/**
 * What a proof found: where the rebuild first differs from the original, or, when it is
 * identical, how many records it took as compared by the search.
 */
export type ProofResult = { mismatch: Mismatch } | { provenBySearch: number };

/**
 * Rebuilds the expanded form through the same code path a download takes and compares
 * it with the original as it streams. Within the budget's time (ExpansionBudgetExceeded
 * past it).
 *
 * Streams in `compared` that the search already compared whole are not recompressed
 * when the form's record for them checks out (compared-streams.ts says why that is
 * enough); every other byte is rebuilt and compared.
 */
export async function proveExpanded(
  expandedPath: string,
  originalPath: string,
  originalSize: number,
  engines: EngineOptions,
  budget?: ExpansionBudget,
  compared: readonly ComparedStream[] = [],
): Promise<ProofResult> {
  const streams = new ComparedStreams(compared);
  return withFile(originalPath, async (handle) => {
    const comparer = new RangeComparer(handle, 0, originalSize);
    const timed = {
      write: (chunk: Uint8Array) => {
        budget?.tick();
        return comparer.write(chunk);
      },
    };
    let provenBySearch = 0;
    const proven = {
      covers: streams.covers.bind(streams),
      skip: async (position: number, length: number) => {
        budget?.tick();
        comparer.skip(position, length);
        provenBySearch++;
      },
    };
    try {
      await rebuildInto(expandedPath, timed, engines, originalSize, proven);
      comparer.end();
      return { provenBySearch };
    } catch (error) {
      if (error instanceof Mismatch) return { mismatch: error };
      // A recipe that made the wrong number of bytes fails where the comparison stopped.
      if (error instanceof IntegrityError)
        return { mismatch: new Mismatch(comparer.matchedBytes, error.message) };
      throw error;
    }
  });
}

/**
 * `proveExpanded` with an expansion's engines and budget, and the caller's `whileProving`
 * work on the same form beside it. Both end before this returns, so the form is never
 * rewritten (a correction, a dropped entry) while that work still reads it.
 */
export async function proveWithin(
  context: ExpandContext,
  expandedPath: string,
  originalPath: string,
  originalSize: number,
  compared: readonly ComparedStream[] = [],
): Promise<ProofResult> {
  // The caller's work is a bet on this form: its failure is the caller's to see.
  const work = context.whileProving?.(expandedPath).catch(() => undefined);
  try {
    return await proveExpanded(
      expandedPath,
      originalPath,
      originalSize,
      context.engines,
      context.budget,
      compared,
    );
  } finally {
    await work;
  }
}
