import * as core from '@actions/core';
import { availableParallelism } from 'node:os';
import { InputError } from '../core/errors.js';
import { DEFAULT_REFERENCE_POLICY, type ReferencePolicy } from '../core/references/choose.js';
import { DEFAULT_PREDICTION_SAMPLES } from '../core/lifecycle/predict.js';
import type { SyncFilter } from '../core/lifecycle/sync-filter.js';
import { parseS3Url, type S3Url } from '../core/s3-url.js';
import type { StorageOptions } from '../app/create-app.js';
import { resolveEndpointUrl } from '../app/endpoint.js';
import { DEFAULT_ACTIONS_CACHE_MAX_BYTES } from '../app/runner-cache.js';
import { MAX_PRESIGN_SECONDS } from '../app/presign.js';
import { DEFAULT_XDELTA3_MEMORY_BYTES, MIN_XDELTA3_MEMORY_BYTES } from '../app/xdelta3.js';
import { DEFAULT_COMMENT_KEY, parseCommentMode, type CommentMode } from './pr-comment/index.js';

// Every input is read here, once; the rest of the action works on `ActionInputs`.

export const COMMANDS = [
  'upload',
  'download',
  'list',
  'verify',
  'stats',
  'purge',
  'prune',
  'sync',
  'migrate',
] as const;
export type Command = (typeof COMMANDS)[number];

export interface ActionInputs {
  command: Command;
  /** Upload: glob patterns. Download: the destination directory (one entry). */
  paths: string[];
  s3Url: S3Url;
  endpointUrl?: string;
  region?: string;
  /** Unset: path-style when an endpoint is given (input or environment), virtual-hosted on AWS. */
  forcePathStyle?: boolean;
  maxRatio: number;
  /** Attempts per S3 request, the first included (transient errors are retried with backoff). */
  maxAttempts: number;
  sse?: 'AES256' | 'aws:kms';
  sseKmsKeyId?: string;
  summary: boolean;
  /** Keep references in the GitHub Actions cache between jobs. */
  cache: boolean;
  /** What the post step may add to the Actions cache (`cache-max-size`; 0: nothing). */
  cacheMaxBytes: number;
  /** Download: replace existing files whose bytes differ (otherwise that is an error). */
  overwrite: boolean;
  /** Delta compressed artifacts through their uncompressed content. */
  archiveAware: boolean;
  /** How references are chosen and created (smart references, docs/format.md). */
  references: ReferencePolicy;
  concurrency: number;
  /** Memory the xdelta3 processes of the step may use together, in bytes. */
  xdelta3MemoryBytes: number;
  xdelta3: {
    version?: string;
    path?: string;
    url?: string;
    sha256?: string;
    install?: 'auto' | 'never';
  };
  comment: { mode: CommentMode; token: string; key: string };
  /** Upload: what a path that matches no file does (upload-artifact's input). */
  ifNoFilesFound: IfNoFilesFound;
  /** Upload: keep files with a name starting with "." below a search path (hidden-files.ts). */
  includeHiddenFiles: boolean;
  /** Download: what a missing file, DeltaSpace or pack does (not-found.ts). */
  ifNotFound: IfNoFilesFound;
  /** Upload: pack every matched file into this one tar; download: unpack it (pack.ts). */
  pack?: string;
  /** Upload: seconds each file's download URL lives (presign.ts); unset: no URLs. */
  presignSeconds?: number;
  /** Prune: releases kept per file family, or the age past which they go (prune-plan.ts). */
  keepLast?: string;
  olderThan?: string;
  /** prune, sync, migrate: say what would change, change nothing. */
  dryRun: boolean;
  /** sync and migrate. */
  lifecycle: LifecycleInputs;
}

export interface LifecycleInputs {
  /** sync: upload (path -> s3-url) or download (s3-url -> path). */
  direction: 'upload' | 'download';
  /** sync: remove what the source does not have (the input is the confirmation). */
  delete: boolean;
  /** sync: exclude/include globs, in order (later ones win). */
  filters: SyncFilter[];
  /** migrate: where the plain objects are. */
  sourceUrl?: S3Url;
  /** migrate: delete each source object once its copy verified. */
  deleteSource: boolean;
  /** migrate with dry-run: objects per DeltaSpace delta-encoded to predict (0: none). */
  samples: number;
}

export const IF_NO_FILES_FOUND = ['error', 'warn', 'ignore'] as const;
export type IfNoFilesFound = (typeof IF_NO_FILES_FOUND)[number];

function optional(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === '' ? undefined : value;
}

/** Reads an input that must never be printed, and tells the runner to mask it. */
function secret(name: string): string {
  const value = core.getInput(name).trim();
  if (value !== '') core.setSecret(value);
  return value;
}

function boolean(name: string, fallback: boolean): boolean;
function boolean(name: string, fallback: undefined): boolean | undefined;
function boolean(name: string, fallback: boolean | undefined): boolean | undefined {
  const value = optional(name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new InputError(`Input ${name} must be true or false, got "${value}"`);
}

function number(name: string, fallback: number, min: number, max: number, integer = false): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const ok = raw !== '' && Number.isFinite(value) && (!integer || Number.isInteger(value));
  if (!ok || value < min || value > max) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new InputError(`Input ${name} must be ${kind} from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1024 ** 2,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/** A memory size: "3GiB", "2048MiB", "3g", "512M" (binary units); a bare number is MiB. */
function byteSize(name: string, fallback: number, min: number): number {
  const raw = optional(name);
  if (raw === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?)?$/i.exec(raw);
  const scale = match ? SIZE_UNITS[(match[2] ?? '').toLowerCase()] : undefined;
  const value = match && scale ? Math.floor(Number(match[1]) * scale) : Number.NaN;
  if (!(value >= min)) {
    throw new InputError(
      `Input ${name} must be a memory size of at least ${min / 1024 ** 2} MiB, such as 3GiB or 2048MiB; got "${raw}"`,
    );
  }
  return value;
}

/** `cache-max-size`, also read by the post step (which has the same inputs). */
export function actionsCacheMaxBytes(): number {
  return byteSize('cache-max-size', DEFAULT_ACTIONS_CACHE_MAX_BYTES, 0);
}

function command(): Command {
  const value = (optional('command') ?? 'upload').toLowerCase();
  if (!(COMMANDS as readonly string[]).includes(value)) {
    throw new InputError(`Unknown command "${value}"`, `Use one of: ${COMMANDS.join(', ')}`);
  }
  return value as Command;
}

function encryption(): Pick<ActionInputs, 'sse' | 'sseKmsKeyId'> {
  const sse = optional('sse');
  const sseKmsKeyId = optional('sse-kms-key-id');
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
    throw new InputError(`Input sse must be AES256 or aws:kms, got "${sse}"`);
  }
  if (sseKmsKeyId !== undefined && sse !== 'aws:kms') {
    throw new InputError(
      'Input sse-kms-key-id needs sse: aws:kms',
      'Set sse to aws:kms, or drop sse-kms-key-id',
    );
  }
  return { sse, sseKmsKeyId };
}

export function readInputs(): ActionInputs {
  const cmd = command();
  const rawUrl = optional('s3-url');
  if (rawUrl === undefined) {
    throw new InputError('Input s3-url is required', 'Set it to s3://bucket/prefix/');
  }
  const s3Url = parseS3Url(rawUrl);
  const paths = core
    .getMultilineInput('path')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (cmd === 'upload') {
    if (paths.length === 0) {
      throw new InputError(
        'Input path is required for upload',
        'List files or glob patterns, one per line',
      );
    }
    if (!s3Url.isPrefix) {
      throw new InputError(
        `For upload, s3-url must name a DeltaSpace ending with "/" (got ${rawUrl})`,
        `Each file is stored as <prefix>/<basename>; use e.g. ${rawUrl.replace(/\/[^/]*$/, '/')}`,
      );
    }
  }
  if (cmd === 'download' && paths.length > 1) {
    throw new InputError(
      'For download, path is one destination directory',
      'Give a single directory',
    );
  }
  if (cmd === 'sync' && paths.length > 1) {
    throw new InputError('For sync, path is one local directory', 'Give a single directory');
  }
  return {
    command: cmd,
    paths,
    s3Url,
    // The input wins over AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, as the CLI's flag does.
    endpointUrl: resolveEndpointUrl(optional('endpoint-url')),
    region: optional('region'),
    forcePathStyle: boolean('force-path-style', undefined),
    maxRatio: number('max-ratio', 0.5, 0, 1),
    maxAttempts: number('max-attempts', 5, 1, 20, true),
    ...encryption(),
    summary: boolean('summary', true),
    cache: boolean('cache', true),
    cacheMaxBytes: actionsCacheMaxBytes(),
    archiveAware: boolean('archive-aware', true),
    references: {
      mode: oneOf('references', ['smart', 'single'], DEFAULT_REFERENCE_POLICY.mode),
      rotationRatio: number('rotation-ratio', DEFAULT_REFERENCE_POLICY.rotationRatio, 0, 1),
      maxReferences: number(
        'max-references',
        DEFAULT_REFERENCE_POLICY.maxReferences,
        1,
        1000,
        true,
      ),
    },
    overwrite: boolean('overwrite', false),
    concurrency: number('concurrency', availableParallelism(), 1, 64, true),
    xdelta3MemoryBytes: byteSize(
      'xdelta3-memory',
      DEFAULT_XDELTA3_MEMORY_BYTES,
      MIN_XDELTA3_MEMORY_BYTES,
    ),
    xdelta3: {
      version: optional('xdelta3-version'),
      path: optional('xdelta3-path'),
      url: optional('xdelta3-url'),
      sha256: optional('xdelta3-sha256'),
      install: xdelta3Install(),
    },
    comment: {
      mode: parseCommentMode(core.getInput('comment')),
      token: secret('github-token'),
      key: optional('comment-key') ?? DEFAULT_COMMENT_KEY,
    },
    ifNoFilesFound: missPolicy('if-no-files-found'),
    ifNotFound: missPolicy('if-not-found'),
    includeHiddenFiles: boolean('include-hidden-files', false),
    pack: packName(),
    presignSeconds: duration('presign', MAX_PRESIGN_SECONDS),
    keepLast: optional('keep-last'),
    olderThan: optional('older-than'),
    dryRun: boolean('dry-run', false),
    lifecycle: lifecycle(cmd),
  };
}

/** The inputs of sync and migrate, checked only when one of them runs. */
function lifecycle(cmd: Command): LifecycleInputs {
  const sourceUrl = optional('source-url');
  if (cmd === 'migrate' && sourceUrl === undefined) {
    throw new InputError(
      'Input source-url is required for migrate',
      'Set it to the s3://bucket/prefix/ that holds the plain objects to migrate',
    );
  }
  return {
    direction: oneOf('direction', ['upload', 'download'], 'upload'),
    delete: boolean('delete', false),
    filters: cmd === 'sync' ? syncFilters() : [],
    sourceUrl: cmd === 'migrate' && sourceUrl !== undefined ? parseS3Url(sourceUrl) : undefined,
    deleteSource: boolean('delete-source', false),
    samples: number('sample', DEFAULT_PREDICTION_SAMPLES, 0, 100, true),
  };
}

/** `filters`: one "exclude GLOB" or "include GLOB" per line, applied in order. */
function syncFilters(): SyncFilter[] {
  return core
    .getMultilineInput('filters')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const match = /^(exclude|include)\s+(.+)$/.exec(line);
      if (!match) {
        throw new InputError(
          `Each line of filters is "exclude GLOB" or "include GLOB", got ${JSON.stringify(line)}`,
          'For example: exclude *.log',
        );
      }
      return { kind: match[1] as SyncFilter['kind'], pattern: match[2]! };
    });
}

/** An input that must be one of `choices` (case-insensitive). */
function oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const value = (optional(name) ?? fallback).toLowerCase();
  const found = choices.find((c) => c === value);
  if (found) return found;
  throw new InputError(`Input ${name} must be one of ${choices.join(', ')}, got "${value}"`);
}

const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** A duration such as 90s, 30m, 12h or 7d (a bare number is seconds), 1 s to `max`. */
function duration(name: string, max: number): number | undefined {
  const raw = optional(name);
  if (raw === undefined) return undefined;
  const match = /^(\d+)\s*([smhd]?)$/i.exec(raw);
  const seconds = match ? Number(match[1]) * DURATION_UNITS[match[2]!.toLowerCase()]! : NaN;
  if (!(seconds >= 1 && seconds <= max)) {
    throw new InputError(
      `Input ${name} must be a duration from 1s to ${max / 86400}d, such as 30m, 12h or 7d; got "${raw}"`,
    );
  }
  return seconds;
}

/**
 * `if-no-files-found` (upload) and `if-not-found` (download): error (the default: an
 * upload that stores nothing is almost always a broken build, and failing was the only
 * behaviour before either input existed), warn or ignore, as upload-artifact spells them.
 */
function missPolicy(name: 'if-no-files-found' | 'if-not-found'): IfNoFilesFound {
  const value = (optional(name) ?? 'error').toLowerCase();
  if ((IF_NO_FILES_FOUND as readonly string[]).includes(value)) return value as IfNoFilesFound;
  throw new InputError(`Input ${name} must be error, warn or ignore, got "${value}"`);
}

/** `pack`: a plain file name ending in .tar (it is the name stored in the DeltaSpace). */
function packName(): string | undefined {
  const value = optional('pack');
  if (value === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const bad = /[/\\\x00-\x1f\x7f]/.test(value) || value === '.tar' || value.startsWith('.');
  if (bad || !value.endsWith('.tar') || Buffer.byteLength(value) > 200) {
    throw new InputError(
      `Input pack must be a file name ending in .tar, such as build.tar; got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `xdelta3-install`: auto (the default) or never. */
function xdelta3Install(): 'auto' | 'never' {
  const value = (optional('xdelta3-install') ?? 'auto').toLowerCase();
  if (value === 'auto' || value === 'never') return value;
  throw new InputError(
    `xdelta3-install must be auto or never, got "${value}"`,
    'auto installs the xdelta3 apt package when no other xdelta3 is found; never forbids it',
  );
}

/** The S3 settings of the inputs, for steps that open storage of their own (presign, purge). */
export function storageOptions(inputs: ActionInputs): StorageOptions {
  return {
    endpointUrl: inputs.endpointUrl,
    region: inputs.region,
    forcePathStyle: inputs.forcePathStyle,
    maxAttempts: inputs.maxAttempts,
    sse: inputs.sse,
    sseKmsKeyId: inputs.sseKmsKeyId,
    // A store without If-None-Match or DeleteObjects: one annotation on the run.
    warn: (message) => core.warning(message),
  };
}
