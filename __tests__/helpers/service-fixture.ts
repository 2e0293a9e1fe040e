import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsReferenceCache } from '../../src/adapters/fs-reference-cache.js';
import { LocalFiles } from '../../src/adapters/local-files.js';
import { FileSketcher } from '../../src/adapters/content-sketcher.js';
import { Sha256Hasher } from '../../src/adapters/sha256-hasher.js';
import { ArchiveCodec, type ArchiveCodecOptions } from '../../src/adapters/archive/index.js';
import type { ExpandBudgetOptions } from '../../src/adapters/archive/expand-budget.js';
import { Xdelta3Differ } from '../../src/adapters/xdelta3/differ.js';
import { createUseCases, type UseCaseOptions, type UseCases } from '../../src/app/use-cases.js';
import type { ArchiveCodecPort, DifferPort, LoggerPort, StoragePort } from '../../src/ports.js';

/** A logger that keeps what it was told, for assertions on warnings and notes. */
export function recordingLogger(): LoggerPort & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (m) => lines.push(`debug: ${m}`),
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
  };
}

export interface ServiceFixture {
  service: UseCases;
  dir: string;
  cacheRoot: string;
  log: ReturnType<typeof recordingLogger>;
  cleanup(): Promise<void>;
}

/**
 * The app's use cases on real local adapters (xdelta3, sha256, files, cache directory) over
 * the given storage, in a fresh temporary directory.
 */
export async function serviceOver(
  storage: StoragePort,
  options: Partial<UseCaseOptions> & {
    cacheRoot?: string;
    codec?: ArchiveCodecOptions;
    archiveBudget?: ExpandBudgetOptions;
    differ?: DifferPort;
    /** Replaces the real codec (built from `codec`), e.g. to wrap it. */
    archiveCodec?: (real: ArchiveCodec) => ArchiveCodecPort;
  } = {},
): Promise<ServiceFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-test-'));
  const log = recordingLogger();
  const hasher = new Sha256Hasher();
  const files = new LocalFiles(join(dir, 'scratch'));
  const cacheRoot = options.cacheRoot ?? join(dir, 'cache');
  const service = createUseCases(
    {
      storage,
      differ: options.differ ?? new Xdelta3Differ({ binary: process.env.XDELTA3 ?? 'xdelta3' }),
      hasher,
      cache: new FsReferenceCache(cacheRoot, hasher, log),
      files,
      clock: {
        now: () => new Date('2026-11-25T16:26:05.453Z'),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      log,
      sketcher: new FileSketcher(),
      archiveCodec: (options.archiveCodec ?? ((real) => real))(
        new ArchiveCodec({
          tempDir: join(dir, 'scratch'),
          budget: options.archiveBudget,
          ...options.codec,
        }),
      ),
    },
    {
      maxRatio: options.maxRatio ?? 0.5,
      concurrency: options.concurrency ?? 2,
      minDeltaBytes: options.minDeltaBytes,
      archiveAware: options.archiveAware ?? false,
      references: options.references,
    },
  );
  return {
    service,
    dir,
    cacheRoot,
    log,
    cleanup: async () => {
      await files.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
