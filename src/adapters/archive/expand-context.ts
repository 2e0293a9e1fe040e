// What both container codecs share while expanding: settings, the proof, the report.
import { createInflateRaw } from 'node:zlib';
import { pipeline, type Readable } from 'node:stream';
import { IntegrityError } from '../../core/errors.js';
import { Mismatch, RangeComparer, withFile } from './byte-sinks.js';
import type { EngineOptions } from './deflate-engines.js';
import type { DeflateEngine } from './deflate-recipes.js';
import { readRange, type ContainerCodec } from './expanded-format.js';
import { rebuildInto } from './rebuild.js';

export interface ExpandContext {
  engines: EngineOptions;
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
}

/** What an expansion found and what it cost; `expand` reduces it to the codec name. */
export interface ExpandReport {
  codec: ContainerCodec;
  /** The recipes used, described (`zlib level 9 ...`, `gzip -n -6`). */
  recipes: string[];
  /** Deflate streams in the container, and how many the expanded form rebuilds. */
  streams: number;
  reproducedStreams: number;
  /** Original bytes rebuilt from content, and original bytes kept verbatim. */
  reproducedBytes: number;
  verbatimBytes: number;
  /** Bytes of uncompressed content in the expanded form. */
  contentBytes: number;
  candidatesTried: number;
  searchMs: number;
  writeMs: number;
  proveMs: number;
}

/** A fresh stream of the inflated content of a raw deflate stream inside a file. */
export function openInflated(
  path: string,
  start: number,
  length: number,
): { content: Readable; consumed: () => number } {
  const inflater = createInflateRaw({ chunkSize: 64 * 1024 });
  // The callback form destroys the file stream when the inflater is destroyed early.
  pipeline(readRange(path, start, length), inflater, () => undefined);
  return { content: inflater, consumed: () => inflater.bytesWritten };
}

/**
 * Rebuilds the expanded form through the same code path a download takes and compares
 * it with the original as it streams. Undefined when they are identical; otherwise where
 * they first differ.
 */
export async function proveExpanded(
  expandedPath: string,
  originalPath: string,
  originalSize: number,
  engines: EngineOptions,
): Promise<Mismatch | undefined> {
  return withFile(originalPath, async (handle) => {
    const comparer = new RangeComparer(handle, 0, originalSize);
    try {
      await rebuildInto(expandedPath, comparer, engines);
      comparer.end();
      return undefined;
    } catch (error) {
      if (error instanceof Mismatch) return error;
      // A recipe that made the wrong number of bytes fails where the comparison stopped.
      if (error instanceof IntegrityError)
        return new Mismatch(comparer.matchedBytes, error.message);
      throw error;
    }
  });
}
