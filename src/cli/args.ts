import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolveEndpointUrl } from '../app/endpoint.js';
import { InputError } from '../core/errors.js';
import { DEFAULT_REFERENCE_POLICY, type ReferencePolicy } from '../core/references/choose.js';

// Command-line parsing on node:util's parseArgs: the options every command shares, plus
// each command's own. Everything is validated here, so commands get typed values.

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts (AWS CLI and DeltaGlider CLI spellings). */
export const GLOBAL_OPTIONS = {
  'endpoint-url': { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'force-path-style': { type: 'boolean' },
  'max-ratio': { type: 'string' },
  concurrency: { type: 'string' },
  'xdelta3-path': { type: 'string' },
  'cache-dir': { type: 'string' },
  'cache-max-size': { type: 'string' },
  'archive-aware': { type: 'boolean' },
  'no-archive-aware': { type: 'boolean' },
  references: { type: 'string' },
  'rotation-ratio': { type: 'string' },
  'max-references': { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const GLOBAL_OPTIONS_HELP = `Options for every command:
  --endpoint-url URL    S3-compatible endpoint (MinIO, R2, ...); default: AWS_ENDPOINT_URL_S3,
                        AWS_ENDPOINT_URL, else AWS S3
  --region REGION       default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
  --profile NAME        AWS profile of the shared config files (sets AWS_PROFILE)
  --force-path-style    path-style URLs (host/bucket/key); default with --endpoint-url
  --max-ratio N         store direct when a delta exceeds N x the file (0..1, default 0.5)
  --concurrency N       files handled at once (default: the number of CPUs)
  --xdelta3-path PATH   the xdelta3 executable (default: xdelta3 on PATH)
  --cache-dir DIR       local reference cache (default: ~/.cache/deltaglider/references)
  --cache-max-size SIZE cap of that cache, e.g. 500M, 10G, 0 (default: DG_CACHE_MAX_SIZE,
                        else 2G); the least recently used references are evicted first
  --archive-aware       upload .tgz/.zip as archive-aware deltas, as the action does (the
                        DeltaGlider CLI cannot read them); default: DG_ARCHIVE_AWARE, else off
  --no-archive-aware    plain deltas only, whatever DG_ARCHIVE_AWARE says
  --references MODE     smart (default: a reference per artifact line, renewed as releases
                        drift) or single (the space's first file only, as the DeltaGlider CLI)
  --rotation-ratio N    smart: a file whose best delta is above N x its size becomes a new
                        reference (0..1, default 0.5)
  --max-references N    smart: references per DeltaSpace, reference.bin included (default 32)
  --json                machine-readable output on stdout
  -v, --verbose         say what happens to each file (on stderr)
  --debug               debug messages, and stack traces on errors
  -h, --help            help for the command`;

export interface GlobalOptions {
  endpointUrl?: string;
  region?: string;
  profile?: string;
  forcePathStyle?: boolean;
  maxRatio: number;
  concurrency: number;
  xdelta3Path: string;
  cacheDir?: string;
  /** Size cap of the local reference cache in bytes (undefined: the default). */
  cacheMaxBytes?: number;
  /** How references are chosen and created (smart references, docs/format.md). */
  references: ReferencePolicy;
  /** Write archive-aware deltas (docs/archive-aware.md); off unless asked for. */
  archiveAware: boolean;
  json: boolean;
  verbose: boolean;
  debug: boolean;
  help: boolean;
}

export interface ParsedArgs<Own> {
  global: GlobalOptions;
  own: Own;
  positionals: string[];
}

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Parses one command's arguments (after the command name). */
export function parseCommandArgs<Own>(
  command: string,
  args: readonly string[],
  ownOptions: OptionSpecs,
  readOwn: (values: Values) => Own,
  env: NodeJS.ProcessEnv,
): ParsedArgs<Own> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...args],
      options: { ...GLOBAL_OPTIONS, ...ownOptions },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // Node adds advice on `--` to unknown options; the first sentence is the news.
    throw new InputError(
      (error as Error).message.replace(/\. To specify a positional.*$/s, '').replace(/\.$/, ''),
      `Run "deltaglider ${command} --help" for the options it takes`,
    );
  }
  const { values } = parsed;
  return { global: readGlobal(values, env), own: readOwn(values), positionals: parsed.positionals };
}

function readGlobal(values: Values, env: NodeJS.ProcessEnv): GlobalOptions {
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const flag = (name: string): boolean => values[name] === true;
  return {
    endpointUrl: resolveEndpointUrl(text('endpoint-url'), env),
    region: text('region'),
    profile: text('profile'),
    forcePathStyle: flag('force-path-style') ? true : undefined,
    maxRatio: number('--max-ratio', text('max-ratio'), 0.5, 0, 1, false),
    concurrency: number('--concurrency', text('concurrency'), availableParallelism(), 1, 64, true),
    xdelta3Path: text('xdelta3-path') ?? 'xdelta3',
    cacheDir: text('cache-dir'),
    cacheMaxBytes: parseCacheSize(text('cache-max-size') ?? (env.DG_CACHE_MAX_SIZE || undefined)),
    archiveAware: archiveAware(flag('archive-aware'), flag('no-archive-aware'), env),
    references: referencePolicy(text),
    json: flag('json'),
    verbose: flag('verbose'),
    debug: flag('debug'),
    help: flag('help'),
  };
}

/** `--references`, `--rotation-ratio`, `--max-references`. */
function referencePolicy(text: (name: string) => string | undefined): ReferencePolicy {
  const defaults = DEFAULT_REFERENCE_POLICY;
  const mode = (text('references') ?? defaults.mode).toLowerCase();
  if (mode !== 'smart' && mode !== 'single')
    throw new InputError(`--references must be smart or single, got "${mode}"`);
  return {
    mode,
    rotationRatio: number(
      '--rotation-ratio',
      text('rotation-ratio'),
      defaults.rotationRatio,
      0,
      1,
      false,
    ),
    maxReferences: number(
      '--max-references',
      text('max-references'),
      defaults.maxReferences,
      1,
      1000,
      true,
    ),
  };
}

/** `--archive-aware` / `--no-archive-aware`, else DG_ARCHIVE_AWARE, else off. */
function archiveAware(on: boolean, off: boolean, env: NodeJS.ProcessEnv): boolean {
  if (on && off) {
    throw new InputError('--archive-aware and --no-archive-aware contradict each other');
  }
  if (on || off) return on;
  const raw = env.DG_ARCHIVE_AWARE?.trim().toLowerCase();
  if (raw === undefined || raw === '') return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new InputError(
    `DG_ARCHIVE_AWARE must be true or false, got "${env.DG_ARCHIVE_AWARE}"`,
    'Set it to true, false, 1 or 0, or unset it',
  );
}

function number(
  option: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min ||
    value > max
  ) {
    throw new InputError(
      `${option} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

/** Checks the count of positional arguments against a command's usage. */
export function expectPositionals(
  command: string,
  positionals: readonly string[],
  min: number,
  max: number,
  what: string,
): void {
  if (positionals.length >= min && positionals.length <= max) return;
  const got = positionals.length === 0 ? 'none' : positionals.map((p) => `"${p}"`).join(' ');
  throw new InputError(
    `deltaglider ${command} takes ${what}; got ${got}`,
    `Run "deltaglider ${command} --help" for examples`,
  );
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  K: 1024,
  M: 1024 ** 2,
  G: 1024 ** 3,
  T: 1024 ** 4,
};

/** `--cache-max-size`/`DG_CACHE_MAX_SIZE`: bytes, or with K/M/G/T (binary, `B`/`iB` optional). */
export function parseCacheSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(raw.trim());
  if (!match) {
    throw new InputError(
      `--cache-max-size must be a size such as 500M, 10G or 0, got "${raw}"`,
      'Use bytes or a K, M, G or T suffix (powers of 1024); DG_CACHE_MAX_SIZE takes the same',
    );
  }
  return Math.floor(Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]!);
}
