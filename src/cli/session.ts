import { CleanupRegistry, type CleanupTracker } from '../adapters/cleanup.js';
import { createS3Storage, type S3Storage } from '../adapters/s3/s3-storage.js';
import type { DeltaService } from '../core/delta-service.js';
import { createEngine, defaultCacheRoot, type Engine } from '../engine.js';
import type { LoggerPort, StoragePort } from '../ports.js';
import type { GlobalOptions } from './args.js';
import { terminalText, type Io } from './output.js';
import { Progress, trackStorage } from './progress.js';

// What a command runs on: the engine shared with the action (createEngine) over an S3
// storage built from the command-line options, a console logger and the progress line.

/**
 * Partial downloads and scratch directories of this process's sessions: index.ts removes
 * them on SIGINT/SIGTERM.
 */
export const cliCleanup = new CleanupRegistry();

export interface Session {
  service: DeltaService;
  /** The storage the engine uses (with progress reporting on a terminal). */
  storage: StoragePort;
  log: LoggerPort;
  progress: Progress;
  cacheDir: string;
  /** This run's scratch directory (the engine's): removed on close and on SIGINT/SIGTERM. */
  scratchDir: string;
  /** Where commands report their own partial files, removed if the run is interrupted. */
  cleanup: CleanupTracker;
  /** Removes scratch files, closes connections, erases the progress line. */
  close(): Promise<void>;
}

/**
 * Messages on stderr, erasing the progress line first. Quiet by default: warnings
 * always, info with --verbose, debug with --debug.
 */
export function consoleLogger(io: Io, options: GlobalOptions, progress?: Progress): LoggerPort {
  const print = (text: string) => {
    progress?.clear();
    io.err(`${terminalText(text)}\n`);
  };
  return {
    debug: (message) => options.debug && print(`debug: ${message}`),
    info: (message) => (options.verbose || options.debug) && print(message),
    warning: (message) => print(`deltaglider: warning: ${message}`),
  };
}

export function createStorage(
  options: GlobalOptions,
  log?: Pick<LoggerPort, 'warning'>,
): S3Storage {
  // The SDK's default credential chain reads the profile from the environment.
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  return createS3Storage({
    endpointUrl: options.endpointUrl,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(log ? { warn: (message: string) => log.warning(message) } : {}),
  });
}

export function openSession(io: Io, options: GlobalOptions): Session {
  const progress = new Progress((text) => io.err(text), io.isTty, io.columns);
  const log = consoleLogger(io, options, progress);
  const s3 = createStorage(options, log);
  const storage = progress.enabled ? trackStorage(s3, progress) : s3;
  const cacheDir = options.cacheDir ?? defaultCacheRoot();
  let engine: Engine | undefined = createEngine({
    storage,
    log,
    xdelta3Binary: options.xdelta3Path,
    maxRatio: options.maxRatio,
    archiveAware: options.archiveAware,
    references: options.references,
    concurrency: options.concurrency,
    cacheRoot: cacheDir,
    cacheMaxBytes: options.cacheMaxBytes,
    cleanup: cliCleanup,
  });
  return {
    service: engine.service,
    storage,
    log,
    progress,
    cacheDir,
    scratchDir: engine.scratchDir,
    cleanup: cliCleanup,
    async close() {
      progress.stop();
      const closing = engine;
      engine = undefined;
      try {
        await closing?.dispose();
      } finally {
        s3.close();
      }
    },
  };
}
