import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  createActionsReferenceCache,
  type ActionsReferenceCache,
} from '../adapters/actions-cache/index.js';
import type { ExpandBudgetOptions } from '../adapters/archive/expand-budget.js';
import { ArchiveCodec } from '../adapters/archive/index.js';
import type { CleanupTracker } from '../adapters/cleanup.js';
import { FileSketcher } from '../adapters/content-sketcher.js';
import { FsReferenceCache } from '../adapters/fs-reference-cache.js';
import { withLocalErrors } from '../adapters/local-errors.js';
import { LocalFiles } from '../adapters/local-files.js';

/** How this run's scratch folder's name starts (the post step removes a killed run's). */
export { SCRATCH_PREFIX } from '../adapters/local-files.js';
import { createPresigner, type Presigner } from '../adapters/s3/presign.js';
import { createS3Storage, type S3StorageOptions } from '../adapters/s3/s3-storage.js';
import { Sha256Hasher } from '../adapters/sha256-hasher.js';
import { SystemClock } from '../adapters/system-clock.js';
import { Xdelta3Differ } from '../adapters/xdelta3/differ.js';
import type { ReferencePolicy } from '../core/references/choose.js';
import type {
  ClockPort,
  DifferPort,
  HasherPort,
  LoggerPort,
  ProgressPort,
  StoragePort,
} from '../ports.js';
import { createUseCases, type UseCases } from './use-cases.js';

// The one composition root: every command of both shells runs on what this builds. One
// S3 client (and one signing-only presigner from the same options), one scratch folder,
// one reference cache, one xdelta3, hasher and clock. The shells pass plain values in.

export type StorageOptions = S3StorageOptions;

export interface AppOptions {
  /** Endpoint, region, addressing, checksums, retries, encryption, warn logger. */
  storage: StorageOptions;
  /** Wraps the storage every command uses (the CLI's progress line counts its bytes). */
  wrapStorage?: (storage: StoragePort) => StoragePort;
  log: LoggerPort;
  /** Progress lines and per-file log scopes (default: none). */
  progress?: ProgressPort;
  /** The xdelta3 the shell provisioned (or was told to use). */
  xdelta3Binary: string;
  /** Memory all xdelta3 processes may use together; sizes their windows (default 3 GiB). */
  xdelta3MemoryBytes?: number;
  maxRatio: number;
  concurrency: number;
  /** Write archive-aware deltas for .tgz/.gz/.zip (reading them is always on). */
  archiveAware?: boolean;
  /** How references are chosen and created (default: one per space). */
  references?: ReferencePolicy;
  /** Where this run's scratch folder goes: RUNNER_TEMP in the action, the OS temp in the CLI. */
  scratchRoot: string;
  /** The local reference cache directory (see `defaultCacheRoot`). */
  cacheRoot: string;
  /** The local reference cache's size cap in bytes (default: DEFAULT_CACHE_MAX_BYTES). */
  cacheMaxBytes?: number;
  /** Puts the GitHub Actions cache behind the local one, logging to this logger. */
  actionsCache?: LoggerPort;
  /** Told of partial and scratch files, to remove them if the run is interrupted. */
  cleanup?: CleanupTracker;
}

export interface App {
  readonly options: AppOptions;
  /** The storage every command uses. */
  readonly storage: StoragePort;
  readonly differ: DifferPort;
  readonly hasher: HasherPort;
  readonly clock: ClockPort;
  readonly log: LoggerPort;
  /** This run's scratch files (removed by `close`). */
  readonly files: LocalFiles;
  readonly scratchDir: string;
  readonly cleanup?: CleanupTracker;
  /** The use cases (upload, download, verify, inspect) over the collaborators above. */
  readonly core: UseCases;
  /** The GitHub Actions cache tier, when `actionsCache` asked for it. */
  readonly actionsCache?: ActionsReferenceCache;
  /** Signs download URLs with the storage's options (built on first use; signs, never sends). */
  presigner(): Presigner;
  /** Removes scratch files and closes the clients. */
  close(): Promise<void>;
}

/** `$RUNNER_TEMP/deltaglider/references` on runners, `~/.cache/deltaglider/references` elsewhere. */
export function defaultCacheRoot(): string {
  const runnerTemp = process.env.RUNNER_TEMP;
  if (runnerTemp) return join(runnerTemp, 'deltaglider', 'references');
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'deltaglider', 'references');
}

export function createApp(options: AppOptions): App {
  const files = new LocalFiles(options.scratchRoot, options.cleanup);
  const s3 = createS3Storage(options.storage);
  const storage = options.wrapStorage ? options.wrapStorage(s3) : s3;
  const hasher = new Sha256Hasher();
  const clock = new SystemClock();
  const { log } = options;
  const localCache = new FsReferenceCache(options.cacheRoot, hasher, log, {
    maxBytes: options.cacheMaxBytes,
  });
  const actionsCache =
    options.actionsCache && createActionsReferenceCache(localCache, options.actionsCache);
  const differ = new Xdelta3Differ({
    binary: options.xdelta3Binary,
    memoryBytes: options.xdelta3MemoryBytes,
  });
  const core = createUseCases(
    {
      storage,
      differ,
      hasher,
      cache: actionsCache ?? localCache,
      files,
      clock,
      log,
      progress: options.progress,
      sketcher: new FileSketcher(),
      // Its temporary files live in the scratch directory, so an interrupted run's go too.
      archiveCodec: withLocalErrors(
        new ArchiveCodec({
          tempDir: files.scratchDir,
          logger: log,
          budget: archiveBudgetFromEnv(),
        }),
      ),
    },
    {
      maxRatio: options.maxRatio,
      concurrency: options.concurrency,
      archiveAware: options.archiveAware ?? false,
      references: options.references,
    },
  );
  let presigner: Presigner | undefined;
  return {
    options,
    storage,
    differ,
    hasher,
    clock,
    log,
    files,
    scratchDir: files.scratchDir,
    cleanup: options.cleanup,
    core,
    actionsCache,
    presigner: () => (presigner ??= createPresigner(options.storage)),
    async close() {
      try {
        await files.dispose();
      } finally {
        presigner?.close();
        s3.close();
      }
    },
  };
}

/**
 * Tighter archive-aware expansion budgets, for tests and cautious runners:
 * `DELTAGLIDER_ARCHIVE_MAX_BYTES`, `DELTAGLIDER_ARCHIVE_MAX_ENTRIES`,
 * `DELTAGLIDER_ARCHIVE_MAX_SECONDS` (unset or not a positive number: the default).
 */
function archiveBudgetFromEnv(): ExpandBudgetOptions {
  const read = (name: string) => {
    const value = Number(process.env[`DELTAGLIDER_ARCHIVE_${name}`]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const seconds = read('MAX_SECONDS');
  return {
    maxExpandedBytes: read('MAX_BYTES'),
    maxEntries: read('MAX_ENTRIES'),
    maxMs: seconds === undefined ? undefined : seconds * 1000,
  };
}
