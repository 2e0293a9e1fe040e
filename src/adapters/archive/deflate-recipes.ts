// What can re-create a deflate stream byte for byte, and in which order to try.
//
// A deflate stream is not a function of its content: the compressor, its level and its
// buffers all change the bytes. Two compressors matter in practice and are always at
// hand: Node's own zlib (npm writes every tarball with it, level 9) and GNU gzip (GNU
// tar and Info-ZIP zip share its deflate). A recipe names one of them with its settings.
import { IntegrityError } from '../../core/errors.js';

export type ZlibStrategy = 'default' | 'filtered' | 'huffman' | 'rle' | 'fixed';

/** Node's bundled zlib (`zlib.createDeflateRaw`). */
export interface ZlibRecipe {
  engine: 'zlib';
  level: number;
  memLevel: number;
  windowBits: number;
  strategy: ZlibStrategy;
}

/** The GNU gzip binary: `gzip -n -<level> [--rsyncable] -c`, framing stripped. */
export interface GzipBinaryRecipe {
  engine: 'gzip';
  level: number;
  rsyncable: boolean;
}

export type DeflateRecipe = ZlibRecipe | GzipBinaryRecipe;

export const ZLIB_STRATEGIES: readonly ZlibStrategy[] = [
  'default',
  'filtered',
  'huffman',
  'rle',
  'fixed',
];

export function describeRecipe(recipe: DeflateRecipe): string {
  if (recipe.engine === 'gzip') {
    return `gzip -n -${recipe.level}${recipe.rsyncable ? ' --rsyncable' : ''}`;
  }
  const { level, memLevel, windowBits, strategy } = recipe;
  return `zlib level ${level} memLevel ${memLevel} windowBits ${windowBits} strategy ${strategy}`;
}

/** A stable key: two recipes with the same key make the same bytes. */
export function recipeKey(recipe: DeflateRecipe): string {
  return describeRecipe(recipe);
}

function zlib(level: number, memLevel = 8, strategy: ZlibStrategy = 'default', windowBits = 15) {
  return { engine: 'zlib', level, memLevel, windowBits, strategy } satisfies ZlibRecipe;
}

function gzip(level: number, rsyncable = false): GzipBinaryRecipe {
  return { engine: 'gzip', level, rsyncable };
}

export interface CandidateHints {
  /** Levels the container's own flags point at (gzip XFL, zip general-purpose bits). */
  likelyLevels?: readonly number[];
  /** Recipes that already matched elsewhere in the same archive: tried first. */
  proven?: readonly DeflateRecipe[];
  /** Whether the GNU gzip binary is available here. */
  gzipBinary: boolean;
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
  const gzipLevels = (list: number[], rsyncable = false) =>
    hints.gzipBinary ? list.map((level) => gzip(level, rsyncable)) : [];
  const list: DeflateRecipe[] = [
    ...(hints.proven ?? []),
    ...likely.flatMap((level) => [zlib(level), ...gzipLevels([level])]),
    ...levels.map((level) => zlib(level)),
    ...gzipLevels(levels),
    ...levels.map((level) => zlib(level, 9)),
    ...gzipLevels(likely, true),
    ...likely.map((level) => zlib(level, 8, 'filtered')),
    ...likely.map((level) => zlib(level, 8, 'fixed')),
    zlib(6, 8, 'huffman'),
    zlib(6, 8, 'rle'),
    zlib(0),
    ...likely.flatMap((level) => [7, 6, 5, 4, 3, 2, 1].map((memLevel) => zlib(level, memLevel))),
    ...likely.flatMap((level) =>
      [14, 13, 12, 11, 10, 9].map((windowBits) => zlib(level, 8, 'default', windowBits)),
    ),
  ];
  const seen = new Set<string>();
  return list.filter((recipe) => {
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
    return gzip(integer(fields.level, 1, 9, 'level'), fields.rsyncable);
  }
  if (fields.engine === 'zlib') {
    const strategy = fields.strategy;
    if (!ZLIB_STRATEGIES.includes(strategy as ZlibStrategy)) {
      throw malformed(`unknown strategy ${JSON.stringify(strategy)}`);
    }
    return zlib(
      integer(fields.level, 0, 9, 'level'),
      integer(fields.memLevel, 1, 9, 'memLevel'),
      strategy as ZlibStrategy,
      integer(fields.windowBits, 9, 15, 'windowBits'),
    );
  }
  throw malformed(`unknown engine ${JSON.stringify(fields.engine)}`);
}
