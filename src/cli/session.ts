import { tmpdir } from 'node:os';
import { CleanupRegistry } from '../adapters/cleanup.js';
import { createApp, defaultCacheRoot, type App, type StorageOptions } from '../app/create-app.js';
import type { LoggerPort } from '../ports.js';
import type { GlobalOptions } from './args.js';
import { terminalText, type Io } from './output.js';
import { Progress, trackStorage } from './progress.js';

// What a command runs on: the app shared with the action (createApp) over the S3 options
// from the command line, a console logger and the progress line.

/**
 * Partial downloads and scratch directories of this process's sessions: index.ts removes
 * them on SIGINT/SIGTERM.
 */
export const cliCleanup = new CleanupRegistry();

export interface Session {
  /** Every command's work; its storage reports progress on a terminal. */
  app: App;
  log: LoggerPort;
  progress: Progress;
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

export function storageOptions(
  options: GlobalOptions,
  log?: Pick<LoggerPort, 'warning'>,
): StorageOptions {
  // The SDK's default credential chain reads the profile from the environment.
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  return {
    endpointUrl: options.endpointUrl,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(log ? { warn: (message: string) => log.warning(message) } : {}),
  };
}

export function openSession(io: Io, options: GlobalOptions): Session {
  const progress = new Progress((text) => io.err(text), io.isTty, io.columns);
  const log = consoleLogger(io, options, progress);
  let app: App | undefined = createApp({
    storage: storageOptions(options, log),
    wrapStorage: progress.enabled ? (s3) => trackStorage(s3, progress) : undefined,
    log,
    xdelta3Binary: options.xdelta3Path,
    maxRatio: options.maxRatio,
    archiveAware: options.archiveAware,
    references: options.references,
    concurrency: options.concurrency,
    // The CLI's one scratch policy: the OS temp folder.
    scratchRoot: tmpdir(),
    cacheRoot: options.cacheDir ?? defaultCacheRoot(),
    cacheMaxBytes: options.cacheMaxBytes,
    cleanup: cliCleanup,
  });
  return {
    app,
    log,
    progress,
    async close() {
      progress.stop();
      const closing = app;
      app = undefined;
      await closing?.close();
    },
  };
}
