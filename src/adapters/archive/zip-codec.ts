// zip, jar and friends: each deflated entry whose data a recipe reproduces is stored as
// its content; every other byte (headers, stored and encrypted entries, entries no
// recipe matches, data descriptors, the central directory) is copied verbatim.
import { stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { Mismatch, RangeComparer, withFile } from './byte-sinks.js';
import type { ComparedStream } from './compared-streams.js';
import { nearMiss } from './correction.js';
import {
  candidateRecipes,
  describeRecipe,
  recipeKey,
  type DeflateRecipe,
  type GzipBinaryRecipe,
} from './deflate-recipes.js';
import {
  BATCH_LIMITS,
  BatchContentError,
  BatchFramingError,
  deflateBatchWithGzip,
  type StagedContent,
} from './gzip-batch.js';
import {
  inflateWhole,
  inflatedAt,
  openInflated,
  proveWithin,
  type ExpandContext,
  type ExpandReport,
} from './expand-context.js';
import { ExpandedWriter } from './expanded-format.js';
import {
  matchingRecipes,
  UndecodableContent,
  isZlibDataError,
  type SearchStats,
} from './recipe-search.js';
import {
  deflatedEntriesInFileOrder,
  levelsFromZipFlags,
  readZipLayout,
  type ZipEntry,
  type ZipLayout,
} from './zip-structure.js';

/**
 * After this many entries in a row that no candidate reproduced, the archive was made by
 * a compressor we do not have: only recipes that already worked are tried from then on.
 * Each miss costs the whole candidate list (~1.3 s on a Go-made zip here), and one tool
 * writes a whole archive, so a few misses are enough to tell.
 */
const MAX_MISSES_IN_A_ROW = 3;
/**
 * After a miss, the next entries get the head of the list only: each engine at the levels
 * the flags point at (and 9 and 6), where every tool measured so far was found. The rarer
 * variants cost most of a failing search and are tried on the first entries only.
 */
const CANDIDATES_AFTER_A_MISS = 9;
/**
 * Entries dropped after a failed proof before giving up on the file. Correcting a near
 * miss does not count: each entry is corrected at most once, within the time budget.
 */
const MAX_REWRITES = 4;

interface Stream {
  entry: ZipEntry;
  recipe?: DeflateRecipe;
  /** Bytes at the end of the entry's data the recipe does not reproduce (correction.ts). */
  correction?: number;
  /**
   * Set when a batched gzip run compared the entry's whole deflate data: that recipe's
   * key and the sha256 of the content it compressed (compared-streams.ts).
   */
  compared?: { recipe: string; contentSha256: string };
}

/** Deflated entries in file order, without any whose data overlaps another's. */
function deflateStreams(entries: readonly ZipEntry[]): Stream[] {
  return deflatedEntriesInFileOrder(entries).map((entry) => ({ entry }));
}

/** Expands a zip file, or resolves undefined when no entry can be reproduced. */
export async function expandZip(
  path: string,
  expandedPath: string,
  context: ExpandContext,
): Promise<ExpandReport | undefined> {
  const { size } = await stat(path);
  return withFile(path, async (handle) => {
    const layout = await readZipLayout(handle, size);
    if (!layout) return undefined;
    context.budget.entries(layout.entries.length);
    const streams = deflateStreams(layout.entries);
    const stats: SearchStats = { tried: 0 };
    const report = { searchMs: 0, writeMs: 0, proveMs: 0 };
    let clock = Date.now();
    await findRecipes(handle, streams, context, stats);
    report.searchMs = Date.now() - clock;
    for (let attempt = 0; attempt < MAX_REWRITES;) {
      const reproduced = streams.filter((stream) => stream.recipe);
      if (reproduced.length === 0) return undefined;
      clock = Date.now();
      const written = await writeExpanded(
        path,
        handle,
        expandedPath,
        size,
        reproduced,
        context,
        layout,
      );
      report.writeMs += Date.now() - clock;
      if ('failed' in written) {
        written.failed.recipe = undefined;
        attempt++;
        continue;
      }
      clock = Date.now();
      const proof = await proveWithin(context, expandedPath, path, size, comparedWhole(reproduced));
      report.proveMs += Date.now() - clock;
      if ('provenBySearch' in proof) {
        const corrected = reproduced.filter((stream) => stream.correction !== undefined);
        const correctionBytes = corrected.reduce((sum, s) => sum + s.correction!, 0);
        const reproducedBytes =
          reproduced.reduce((sum, s) => sum + s.entry.compressedSize, 0) - correctionBytes;
        return {
          codec: 'zip',
          recipes: written.recipes.map(describeRecipe),
          streams: streams.length,
          reproducedStreams: reproduced.length,
          correctedStreams: corrected.length,
          correctionBytes,
          reproducedBytes,
          verbatimBytes: size - reproducedBytes,
          contentBytes: written.contentBytes,
          candidatesTried: stats.tried,
          provenBySearch: proof.provenBySearch,
          ...report,
        };
      }
      const { mismatch } = proof;
      const culprit = reproduced.find(
        ({ entry }) =>
          // Inclusive end: a member found too long fails right after its expected bytes.
          mismatch.offset >= entry.dataStart &&
          mismatch.offset <= entry.dataStart + entry.compressedSize,
      );
      if (!culprit) return undefined;
      // A recipe matched on a prefix may miss only the entry's last bytes: once more, corrected.
      const { dataStart, compressedSize } = culprit.entry;
      const correction =
        culprit.correction === undefined
          ? nearMiss(mismatch.offset - dataStart, compressedSize)
          : undefined;
      if (correction !== undefined) {
        culprit.correction = correction;
      } else {
        culprit.recipe = undefined;
        attempt++;
      }
    }
    return undefined;
  });
}

/**
 * The streams the proof may take as compared by the search: compared whole with the recipe
 * they still have, and not corrected since.
 */
function comparedWhole(reproduced: readonly Stream[]): ComparedStream[] {
  return reproduced.flatMap(({ entry, recipe, correction, compared }) =>
    compared && correction === undefined && compared.recipe === recipeKey(recipe!)
      ? [{ start: entry.dataStart, length: entry.compressedSize, ...compared }]
      : [],
  );
}

interface SearchState {
  /** Recipes that reproduced an entry, the most recent first. */
  proven: DeflateRecipe[];
  /** Entries in a row that the whole candidate list failed to reproduce. */
  misses: number;
  /** Members of the next gzip batch (0: no batch until gzip reproduces an entry again). */
  batchMembers: number;
}

/**
 * A batch stages every member's content before gzip runs, so a batch that fails early
 * wastes the staging of the rest: batches start small and double while they match.
 */
const FIRST_BATCH_MEMBERS = 8;

/**
 * Gives each stream the first recipe that reproduces it, within the time budget. Once a
 * gzip recipe works, runs of small entries are tried with it in batches (one gzip process
 * each); an entry a batch fails on gets the full search.
 */
async function findRecipes(
  handle: FileHandle,
  streams: Stream[],
  context: ExpandContext,
  stats: SearchStats,
): Promise<void> {
  const state: SearchState = { proven: [], misses: 0, batchMembers: 0 };
  let index = 0;
  while (index < streams.length) {
    if (Date.now() > context.deadline) return;
    // The latest gzip recipe, even when an odd entry (one Info-ZIP entry in hundreds that
    // only vanilla zlib reproduces) put another recipe first: the entries after it go on
    // in batches instead of one gzip process each.
    const gzip = state.proven.find((recipe) => recipe.engine === 'gzip') as
      GzipBinaryRecipe | undefined;
    // Batches run in the binary even though the port makes the recipe: one gzip process
    // for many entries is faster than the port, and the proof takes them as compared.
    if (gzip && context.gzipAvailable && state.batchMembers > 0 && batchable(streams[index]!)) {
      const group = batchFrom(streams, index, state.batchMembers);
      const matched = await searchInParts({ handle, recipe: gzip, context, stats }, group);
      index += matched;
      if (matched === group.length) {
        state.batchMembers = Math.min(BATCH_LIMITS.members, group.length * 2);
        continue;
      }
      state.batchMembers = matched === 0 ? 0 : Math.max(FIRST_BATCH_MEMBERS, matched);
    }
    if (!(await searchOne(handle, streams[index]!, state, context, stats))) return;
    index++;
  }
}

function batchable(stream: Stream): boolean {
  return stream.entry.uncompressedSize <= BATCH_LIMITS.memberContentBytes;
}

/** The run of batchable streams from `start`, within the batch limits and `members`. */
function batchFrom(streams: readonly Stream[], start: number, members: number): Stream[] {
  const group: Stream[] = [];
  let content = 0;
  for (const stream of streams.slice(start)) {
    if (!batchable(stream) || group.length >= Math.min(members, BATCH_LIMITS.members)) break;
    content += stream.entry.uncompressedSize;
    if (group.length > 0 && content > BATCH_LIMITS.contentBytes) break;
    group.push(stream);
  }
  return group;
}

/** A batch of fewer members than this runs in one gzip process. */
const SPLIT_MEMBERS = 8;
/** Content per part of a split batch: a few hundred ms of gzip each. */
const PART_CONTENT_BYTES = 4 * 1024 * 1024;
/** gzip processes at once: one per core of a typical runner. */
const PARTS_AT_ONCE = 2;

/**
 * `searchBatch` on parts of a run (at least two, split by content), two at a time: both
 * cores compress, and one part's staging overlaps another's gzip. Parts run in order
 * and none starts after one failed; at most two parts are staged at once, so staging
 * takes no more space than one batch. Returns how many leading entries matched: a part
 * counts only when every part before it matched whole. (Matches in later parts stand:
 * each was compared whole.)
 */
async function searchInParts(run: BatchRun, group: readonly Stream[]): Promise<number> {
  const parts = splitByContent(group);
  const matched: number[] = [];
  let firstFailed = parts.length;
  let next = 0;
  const worker = async () => {
    while (next < Math.min(parts.length, firstFailed)) {
      const index = next++;
      matched[index] = await searchBatch(run, parts[index]!);
      if (matched[index] < parts[index]!.length) firstFailed = Math.min(firstFailed, index);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: PARTS_AT_ONCE }, worker));
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  let leading = 0;
  for (const [index, part] of parts.entries()) {
    leading += matched[index]!;
    if (matched[index]! < part.length) break;
  }
  return leading;
}

/** A run in consecutive parts of about PART_CONTENT_BYTES (two at least, when it is long). */
function splitByContent(group: readonly Stream[]): Stream[][] {
  if (group.length < SPLIT_MEMBERS) return [[...group]];
  const total = group.reduce((sum, { entry }) => sum + entry.uncompressedSize, 0);
  const count = Math.min(
    Math.floor(group.length / (SPLIT_MEMBERS / 2)),
    Math.max(2, Math.ceil(total / PART_CONTENT_BYTES)),
  );
  const parts: Stream[][] = [[]];
  let content = 0;
  for (const stream of group) {
    const part = parts.at(-1)!;
    // Into the next part once this one holds its share (each part keeps one entry at least).
    if (part.length > 0 && content >= (total * parts.length) / count && parts.length < count) {
      parts.push([stream]);
    } else {
      part.push(stream);
    }
    content += stream.entry.uncompressedSize;
  }
  return parts;
}

/** What batched runs of one gzip recipe share. */
interface BatchRun {
  handle: FileHandle;
  recipe: GzipBinaryRecipe;
  context: ExpandContext;
  stats: SearchStats;
}

/** Tries one gzip recipe on a run of entries; returns how many leading entries matched. */
async function searchBatch(run: BatchRun, group: readonly Stream[]): Promise<number> {
  const { handle, recipe, context, stats } = run;
  stats.tried++;
  let current = 0;
  let matched: number;
  const staged: StagedContent[] = [];
  try {
    await deflateBatchWithGzip(
      recipe,
      group.map(({ entry }) => ({
        bytes: async () => {
          const limit = BATCH_LIMITS.memberContentBytes;
          const inflated = await inflateWhole(handle, entry.dataStart, entry.compressedSize, limit);
          // The entry's header understated its size: the full search takes it.
          if (!inflated) throw new RangeError(`more than ${limit} bytes of content`);
          return inflated.content;
        },
        deflateLength: entry.compressedSize,
      })),
      async (index, deflated, content) => {
        current = index;
        const { entry } = group[index]!;
        const comparer = new RangeComparer(handle, entry.dataStart, entry.compressedSize);
        for await (const chunk of deflated) await comparer.write(chunk);
        comparer.end();
        staged[index] = content;
      },
      { binary: context.engines.gzipBinary, tempRoot: context.engines.tempRoot },
    );
    matched = group.length;
  } catch (error) {
    if (error instanceof BatchContentError) {
      // An entry that does not inflate: try the ones before it, leave it to the full search.
      return error.index === 0 ? 0 : searchBatch(run, group.slice(0, error.index));
    }
    if (error instanceof Mismatch) matched = current;
    else if (error instanceof BatchFramingError) matched = Math.min(error.index, group.length - 1);
    else throw error;
  }
  // Matched members were compared whole, and their trailers checked (gzip-batch.ts).
  const key = recipeKey(recipe);
  for (const [index, stream] of group.slice(0, matched).entries()) {
    stream.recipe = recipe;
    stream.correction = undefined;
    stream.compared = { recipe: key, contentSha256: staged[index]!.sha256 };
  }
  return matched;
}

/** The full candidate search for one entry; false once nothing is left worth trying. */
async function searchOne(
  handle: FileHandle,
  stream: Stream,
  state: SearchState,
  context: ExpandContext,
  stats: SearchStats,
): Promise<boolean> {
  const { entry } = stream;
  const everything = state.misses < MAX_MISSES_IN_A_ROW;
  const candidates = everything
    ? candidateRecipes({
        likelyLevels: levelsFromZipFlags(entry.flags),
        proven: state.proven,
        gzipBinary: context.gzipAvailable,
        engines: context.allowedEngines,
      }).slice(0, state.misses === 0 ? undefined : state.proven.length + CANDIDATES_AFTER_A_MISS)
    : state.proven;
  if (candidates.length === 0) return false;
  const target = {
    handle,
    start: entry.dataStart,
    length: entry.compressedSize,
    openContent: () => openInflated(handle, entry.dataStart, entry.compressedSize).content,
  };
  try {
    for await (const match of matchingRecipes(
      target,
      candidates,
      context,
      context.searchEngines,
      stats,
    )) {
      stream.recipe = match.recipe;
      stream.correction = match.correction;
      break;
    }
  } catch (error) {
    if (!(error instanceof UndecodableContent)) throw error;
  }
  if (stream.recipe) {
    if (stream.recipe.engine === 'gzip') {
      state.batchMembers = Math.max(state.batchMembers, FIRST_BATCH_MEMBERS);
    }
    const key = recipeKey(stream.recipe);
    state.proven = [stream.recipe, ...state.proven.filter((recipe) => recipeKey(recipe) !== key)];
    state.misses = 0;
  } else if (everything) {
    state.misses++;
  }
  return true;
}

/** Entries with up to this much content are inflated whole while writing (small: many). */
const WHOLE_CONTENT_BYTES = 1024 * 1024;

type Written = { recipes: DeflateRecipe[]; contentBytes: number } | { failed: Stream };

/**
 * Writes the expanded form. A stream whose data turns out not to be exactly one deflate
 * stream (corrupt, or followed by other bytes) comes back as `failed`.
 */
async function writeExpanded(
  path: string,
  handle: FileHandle,
  expandedPath: string,
  size: number,
  reproduced: readonly Stream[],
  context: ExpandContext,
  { directory }: ZipLayout,
): Promise<Written> {
  const recipes: DeflateRecipe[] = [];
  const indexOf = new Map<string, number>();
  for (const { recipe } of reproduced) {
    const key = recipeKey(recipe!);
    if (!indexOf.has(key)) {
      indexOf.set(key, recipes.length);
      recipes.push(recipe!);
    }
  }
  const writer = await ExpandedWriter.budgeted(context.budget, expandedPath, {
    codec: 'zip',
    recipes,
    producers: context.producers,
  });
  let contentBytes = 0;
  let cursor = 0;
  try {
    for (const stream of reproduced) {
      const { dataStart, compressedSize } = stream.entry;
      await writer.raw(path, cursor, dataStart - cursor);
      let inflated: Awaited<ReturnType<typeof inflatedAt>>;
      try {
        inflated =
          stream.entry.uncompressedSize <= WHOLE_CONTENT_BYTES
            ? await inflatedAt(handle, dataStart, compressedSize, WHOLE_CONTENT_BYTES)
            : openInflated(handle, dataStart, compressedSize);
        const index = indexOf.get(recipeKey(stream.recipe!))!;
        const end = dataStart + compressedSize;
        const { correction } = stream;
        contentBytes += await writer.deflated(
          index,
          compressedSize,
          inflated.content,
          correction === undefined
            ? undefined
            : { path, start: end - correction, length: correction },
        );
      } catch (error) {
        if (!isZlibDataError(error)) throw error;
        await writer.abandon();
        return { failed: stream };
      }
      if (inflated.consumed() !== compressedSize) {
        await writer.abandon();
        return { failed: stream };
      }
      cursor = dataStart + compressedSize;
    }
    await writer.verbatim(path, cursor, size, directory);
    await writer.finish();
    return { recipes, contentBytes };
  } catch (error) {
    await writer.abandon();
    throw error;
  }
}
