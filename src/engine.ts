import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsReferenceCache } from './adapters/fs-reference-cache.js';
import type { CleanupTracker } from './adapters/cleanup.js';
import { withLocalErrors } from './adapters/local-errors.js';
import { LocalFiles } from './adapters/local-files.js';
import { Sha256Hasher } from './adapters/sha256-hasher.js';
import { SystemClock } from './adapters/system-clock.js';
import { Xdelta3Differ } from './adapters/xdelta3/differ.js';
import { ArchiveCodec } from './adapters/archive/index.js';
import type { ExpandBudgetOptions } from './adapters/archive/expand-budget.js';
import { DeltaService } from './core/delta-service.js';
import { FileSketcher } from './adapters/content-sketcher.js';
import type { ReferencePolicy } from './core/references/choose.js';
import type {
  DifferPort,
  LoggerPort,
  ProgressPort,
  ReferenceCachePort,
  StoragePort,
} from './ports.js';

// The composition root shared by the action and the CLI: real adapters behind the core.

export interface EngineOptions {
  storage: StoragePort;
  log: LoggerPort;
  xdelta3Binary: string;
  /** Memory all xdelta3 processes may use together; sizes their windows (default 3 GiB). */
  xdelta3MemoryBytes?: number;
  /** Progress lines and per-file log scopes (default: none). */
  progress?: ProgressPort;
  maxRatio: number;
  concurrency: number;
  /** Write archive-aware deltas for .tgz/.gz/.zip (reading them is always on). */
  archiveAware?: boolean;
  /** How references are chosen and created (default: one per space). */
  references?: ReferencePolicy;
  /** Scratch files (deltas, downloads in flight). Default: the OS temp directory. */
  scratchRoot?: string;
  /** The local reference cache directory. Default: see `defaultCacheRoot`. */
  cacheRoot?: string;
  /** The local reference cache's size cap in bytes (default: DEFAULT_CACHE_MAX_BYTES). */
  cacheMaxBytes?: number;
  /** Told of partial and scratch files, to remove them if the run is interrupted. */
  cleanup?: CleanupTracker;
  /** Wraps the local cache, e.g. to add the GitHub Actions cache behind it. */
  wrapCache?: (local: FsReferenceCache) => ReferenceCachePort;
}

export interface Engine {
  service: DeltaService;
  /** The service's xdelta3, for work beside it (a migrate dry run's prediction). */
  differ: DifferPort;
  /** This run's private scratch directory (removed by `dispose`). */
  scratchDir: string;
  /** Where shells report their own partial files (EngineOptions.cleanup). */
  cleanup?: CleanupTracker;
  /** Removes scratch files. */
  dispose(): Promise<void>;
}

/** `$RUNNER_TEMP/deltaglider/references` on runners, `~/.cache/deltaglider/references` elsewhere. */
export function defaultCacheRoot(): string {
  const runnerTemp = process.env.RUNNER_TEMP;
  if (runnerTemp) return join(runnerTemp, 'deltaglider', 'references');
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'deltaglider', 'references');
}

export function createEngine(options: EngineOptions): Engine {
  const hasher = new Sha256Hasher();
  const scratchRoot = options.scratchRoot ?? process.env.RUNNER_TEMP ?? tmpdir();
  const files = new LocalFiles(scratchRoot, options.cleanup);
  const localCache = new FsReferenceCache(
    options.cacheRoot ?? defaultCacheRoot(),
    hasher,
    options.log,
    { maxBytes: options.cacheMaxBytes },
  );
  const differ = new Xdelta3Differ({
    binary: options.xdelta3Binary,
    memoryBytes: options.xdelta3MemoryBytes,
  });
  const service = new DeltaService(
    {
      storage: options.storage,
      differ,
      hasher,
      cache: options.wrapCache ? options.wrapCache(localCache) : localCache,
      files,
      clock: new SystemClock(),
      log: options.log,
      progress: options.progress,
      sketcher: new FileSketcher(),
      // Its temporary files live in the scratch directory, so an interrupted run's go too.
      archiveCodec: withLocalErrors(
        new ArchiveCodec({
          tempDir: files.scratchDir,
          logger: options.log,
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
  return {
    service,
    differ,
    scratchDir: files.scratchDir,
    cleanup: options.cleanup,
    dispose: () => files.dispose(),
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
