// gzip (.gz, .tgz, .tar.gz): one member, header and trailer verbatim, the deflate stream
// rebuilt from its content by a proven recipe. Anything else is left to the caller's
// fallback: several members, bytes after the member, a truncated or corrupt stream.
import { stat } from 'node:fs/promises';
import { withFile } from './byte-sinks.js';
import { nearMiss } from './correction.js';
import { candidateRecipes, describeRecipe, type DeflateRecipe } from './deflate-recipes.js';
import {
  openInflated,
  proveWithin,
  type ExpandContext,
  type ExpandReport,
} from './expand-context.js';
import { ExpandedWriter } from './expanded-format.js';
import { GZIP_TRAILER_BYTES, levelsFromXfl, parseGzipHeader } from './gzip-header.js';
import { matchingRecipes, type SearchStats } from './recipe-search.js';

/** Enough for any real header (the name and comment are the only unbounded fields). */
const HEADER_READ_BYTES = 64 * 1024;
/** A recipe that matched a prefix but failed the proof: try at most this many. */
const MAX_PROOFS = 3;

interface GzipLayout {
  size: number;
  bodyStart: number;
  bodyLength: number;
  likelyLevels: number[];
}

async function readLayout(path: string): Promise<GzipLayout | undefined> {
  const { size } = await stat(path);
  const head = await withFile(path, async (handle) => {
    const buffer = Buffer.alloc(Math.min(size, HEADER_READ_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  });
  const header = parseGzipHeader(head);
  if (!header) return undefined;
  // A single member: the deflate stream fills everything between header and trailer.
  // Checked while writing (the inflater must consume exactly this much).
  const bodyLength = size - header.length - GZIP_TRAILER_BYTES;
  if (bodyLength < 2) return undefined;
  return { size, bodyStart: header.length, bodyLength, likelyLevels: levelsFromXfl(header.xfl) };
}

/** Expands a single-member gzip file, or resolves undefined when no recipe reproduces it. */
export async function expandGzip(
  path: string,
  expandedPath: string,
  context: ExpandContext,
): Promise<ExpandReport | undefined> {
  const layout = await readLayout(path);
  if (!layout) return undefined;
  const { size, bodyStart, bodyLength } = layout;
  const candidates = candidateRecipes({
    likelyLevels: layout.likelyLevels,
    gzipBinary: context.gzipAvailable,
    engines: context.allowedEngines,
  });
  const stats: SearchStats = { tried: 0 };
  const report = { searchMs: 0, writeMs: 0, proveMs: 0 };
  return withFile(path, async (handle) => {
    const target = {
      handle,
      start: bodyStart,
      length: bodyLength,
      openContent: () => openInflated(handle, bodyStart, bodyLength).content,
    };
    let proofs = 0;
    let clock = Date.now();
    const matches = matchingRecipes(target, candidates, context, context.searchEngines, stats);
    for await (const match of matches) {
      report.searchMs += Date.now() - clock;
      let correction = match.correction;
      for (;;) {
        clock = Date.now();
        const contentBytes = await writeExpanded(
          path,
          expandedPath,
          layout,
          match.recipe,
          context,
          correction,
        );
        report.writeMs += Date.now() - clock;
        clock = Date.now();
        if (contentBytes === undefined) return undefined;
        const proof = await proveWithin(context, expandedPath, path, size);
        report.proveMs += Date.now() - clock;
        clock = Date.now();
        if ('provenBySearch' in proof) {
          return {
            codec: 'gzip',
            recipes: [describeRecipe(match.recipe)],
            streams: 1,
            reproducedStreams: 1,
            correctedStreams: correction === undefined ? 0 : 1,
            correctionBytes: correction ?? 0,
            reproducedBytes: bodyLength - (correction ?? 0),
            verbatimBytes: size - bodyLength + (correction ?? 0),
            contentBytes,
            candidatesTried: stats.tried,
            provenBySearch: 0,
            ...report,
          };
        }
        // A recipe matched on a prefix may miss only the last bytes: once more, corrected.
        if (correction !== undefined) break;
        correction = nearMiss(proof.mismatch.offset - bodyStart, bodyLength);
        if (correction === undefined) break;
      }
      if (++proofs >= MAX_PROOFS) break;
    }
    return undefined;
  });
}

/**
 * Writes header, content and trailer. Undefined when the deflate stream does not end
 * exactly at the trailer (several members, or bytes after the member).
 */
async function writeExpanded(
  path: string,
  expandedPath: string,
  layout: GzipLayout,
  recipe: DeflateRecipe,
  context: ExpandContext,
  correction?: number,
): Promise<number | undefined> {
  const { bodyStart, bodyLength } = layout;
  const writer = await ExpandedWriter.budgeted(context.budget, expandedPath, {
    codec: 'gzip',
    recipes: [recipe],
    producers: context.producers,
  });
  try {
    await writer.raw(path, 0, bodyStart);
    const inflated = openInflated(path, bodyStart, bodyLength);
    const bodyEnd = bodyStart + bodyLength;
    const contentBytes = await writer.deflated(
      0,
      bodyLength,
      inflated.content,
      correction === undefined
        ? undefined
        : { path, start: bodyEnd - correction, length: correction },
    );
    if (inflated.consumed() !== bodyLength) {
      await writer.abandon();
      return undefined;
    }
    await writer.raw(path, bodyStart + bodyLength, GZIP_TRAILER_BYTES);
    await writer.finish();
    return contentBytes;
  } catch (error) {
    await writer.abandon();
    throw error;
  }
}
