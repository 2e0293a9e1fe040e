// What can re-create a deflate stream byte for byte, and in which order to try.
//
// A deflate stream is not a function of its content: the compressor, its level and its
// buffers all change the bytes. Four compressors matter in practice and are always at
// hand: Node's own zlib (npm writes every tarball with it, level 9), GNU gzip (GNU tar and
// Info-ZIP zip share its deflate; through our port, gzip-port/, or the binary), vanilla zlib, through pako, its pure-JS port (Python's
// zipfile/tarfile, Java's java.util.zip and most system tools link vanilla zlib; Node's
// bundled Chromium zlib deflates differently) and Go's compress/flate, through our port
// (go-flate/: Go's archive/zip, gzip and goreleaser). A recipe names one of them with its
// settings.
import { IntegrityError } from '../../core/errors.js';
import {
  describeGoFlate,
  goFlate,
  goFlateCandidates,
  goFlateLevel,
  type GoFlateRecipe,
} from './go-flate/recipe.js';
import { GZIP_PORT_VERSION } from './gzip-port/recipe.js';

export type ZlibStrategy = 'default' | 'filtered' | 'huffman' | 'rle' | 'fixed';

/**
 * zlib's deflate with its settings: `zlib` is Node's bundled zlib (`zlib.createDeflateRaw`),
 * `pako` the pure-JS port of vanilla zlib 1.2.x (byte for byte what Python's zlib writes).
 */
export interface ZlibRecipe {
  engine: 'zlib' | 'pako';
  level: number;
  memLevel: number;
  windowBits: number;
  strategy: ZlibStrategy;
}

/**
 * GNU gzip's deflate: `gzip -n -<level> [--rsyncable] -c`, framing stripped. Made by the
 * bundled port (gzip-port/) or by the GNU gzip binary; `port` is the version of the port
 * that reproduced it at upload (absent in objects written before the port: the port makes
 * the same bytes, see gzip-port/recipe.ts).
 */
export interface GzipBinaryRecipe {
  engine: 'gzip';
  level: number;
  rsyncable: boolean;
  port?: number;
}

export type DeflateRecipe = ZlibRecipe | GzipBinaryRecipe | GoFlateRecipe;
export type DeflateEngine = DeflateRecipe['engine'];
export const DEFLATE_ENGINES: readonly DeflateEngine[] = ['zlib', 'gzip', 'pako', 'go'];

export const ZLIB_STRATEGIES: readonly ZlibStrategy[] = [
  'default',
  'filtered',
  'huffman',
  'rle',
  'fixed',
];

export function describeRecipe(recipe: DeflateRecipe): string {
  if (recipe.engine === 'go') return describeGoFlate(recipe);
  if (recipe.engine === 'gzip') {
    return `gzip -n -${recipe.level}${recipe.rsyncable ? ' --rsyncable' : ''}`;
  }
  const { engine, level, memLevel, windowBits, strategy } = recipe;
  return `${engine} level ${level} memLevel ${memLevel} windowBits ${windowBits} strategy ${strategy}`;
}

/** A stable key: two recipes with the same key make the same bytes. */
export function recipeKey(recipe: DeflateRecipe): string {
  return describeRecipe(recipe);
}

function zlib(level: number, memLevel = 8, strategy: ZlibStrategy = 'default', windowBits = 15) {
  return { engine: 'zlib', level, memLevel, windowBits, strategy } satisfies ZlibRecipe;
}

function pako(level: number, memLevel = 8, strategy: ZlibStrategy = 'default', windowBits = 15) {
  return { engine: 'pako', level, memLevel, windowBits, strategy } satisfies ZlibRecipe;
}

function gzip(level: number, rsyncable = false, port?: number): GzipBinaryRecipe {
  return port === undefined
    ? { engine: 'gzip', level, rsyncable }
    : { engine: 'gzip', level, rsyncable, port };
}

/** A gzip recipe as the search writes it: the port's version when the port can make it. */
function gzipCandidate(level: number, rsyncable = false): GzipBinaryRecipe {
  return gzip(level, rsyncable, rsyncable ? undefined : GZIP_PORT_VERSION);
}

export interface CandidateHints {
  /** Levels the container's own flags point at (gzip XFL, zip general-purpose bits). */
  likelyLevels?: readonly number[];
  /** Recipes that already matched elsewhere in the same archive: tried first. */
  proven?: readonly DeflateRecipe[];
  /** Whether the GNU gzip binary is available here (for what the port does not make). */
  gzipBinary: boolean;
  /** Engines to try (all when absent). */
  engines?: readonly DeflateEngine[];
}

const ALL_LEVELS = [9, 6, 1, 5, 4, 7, 8, 3, 2];

/**
 * Every candidate, most likely first. A wrong candidate costs the compression of its first
 * block (it dies at its first wrong byte, but deflate writes nothing before a block is
 * complete): tens of ms. Every file that no candidate reproduces pays for the whole list,
 * so the list stays short: the settings real tools use first (Node zlib and GNU gzip at
 * each level), then rarer variants at the likely levels only.
 */
export function candidateRecipes(hints: CandidateHints): DeflateRecipe[] {
  const likely = [...new Set([...(hints.likelyLevels ?? []), 9, 6])];
  const levels = [...new Set([...likely, ...ALL_LEVELS])];
  // The port makes every level; --rsyncable needs the binary.
  const gzipLevels = (list: number[], rsyncable = false) =>
    !rsyncable || hints.gzipBinary ? list.map((level) => gzipCandidate(level, rsyncable)) : [];
  const list: DeflateRecipe[] = [
    ...(hints.proven ?? []),
    ...likely.flatMap((level) => [zlib(level), ...gzipLevels([level]), pako(level)]),
    ...levels.map((level) => zlib(level)),
    ...gzipLevels(levels),
    ...levels.map((level) => pako(level)),
    ...levels.map((level) => zlib(level, 9)),
    ...gzipLevels(likely, true),
    ...likely.map((level) => pako(level, 9)),
    ...likely.map((level) => zlib(level, 8, 'filtered')),
    ...likely.map((level) => zlib(level, 8, 'fixed')),
    zlib(6, 8, 'huffman'),
    zlib(6, 8, 'rle'),
    zlib(0),
    ...likely.flatMap((level) => [7, 6, 5, 4, 3, 2, 1].map((memLevel) => zlib(level, memLevel))),
    ...likely.flatMap((level) =>
      [14, 13, 12, 11, 10, 9].map((windowBits) => zlib(level, 8, 'default', windowBits)),
    ),
    ...goFlateCandidates(likely),
  ];
  const seen = new Set<string>();
  return list.filter((recipe) => {
    if (hints.engines && !hints.engines.includes(recipe.engine)) return false;
    const key = recipeKey(recipe);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function integer(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw malformed(`${what} ${JSON.stringify(value)} is not an integer in ${min}..${max}`);
  }
  return value;
}

function malformed(detail: string): IntegrityError {
  return new IntegrityError(
    `The expanded archive names an invalid deflate recipe: ${detail}`,
    'The delta object is corrupt or was written by a newer release; upload the file again',
  );
}

/** A recipe read back from an expanded form, checked field by field. */
export function parseRecipe(value: unknown): DeflateRecipe {
  if (typeof value !== 'object' || value === null) throw malformed('not an object');
  const fields = value as Record<string, unknown>;
  if (fields.engine === 'gzip') {
    if (typeof fields.rsyncable !== 'boolean') throw malformed('rsyncable is not a boolean');
    const port = fields.port === undefined ? undefined : integer(fields.port, 1, 65535, 'port');
    return gzip(integer(fields.level, 1, 9, 'level'), fields.rsyncable, port);
  }
  if (fields.engine === 'zlib' || fields.engine === 'pako') {
    const strategy = fields.strategy;
    if (!ZLIB_STRATEGIES.includes(strategy as ZlibStrategy)) {
      throw malformed(`unknown strategy ${JSON.stringify(strategy)}`);
    }
    return (fields.engine === 'zlib' ? zlib : pako)(
      integer(fields.level, 0, 9, 'level'),
      integer(fields.memLevel, 1, 9, 'memLevel'),
      strategy as ZlibStrategy,
      integer(fields.windowBits, 9, 15, 'windowBits'),
    );
  }
  if (fields.engine === 'go') {
    const level = goFlateLevel(fields.level);
    if (level === undefined) throw malformed(`go-flate level ${JSON.stringify(fields.level)}`);
    return goFlate(level);
  }
  throw malformed(`unknown engine ${JSON.stringify(fields.engine)}`);
}
