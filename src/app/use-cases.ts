import type {
  ArchiveCodecPort,
  ClockPort,
  DifferPort,
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ProgressPort,
  ReferenceCachePort,
  StoragePort,
} from '../ports.js';
import { ArchiveViews } from '../core/archive-views.js';
import { Downloads } from '../core/download.js';
import { Downloader } from '../core/downloader.js';
import { Inspection } from '../core/inspect.js';
import { NO_PROGRESS } from '../core/progress.js';
import {
  ReferenceStore,
  type ReferenceSource,
  type ReferenceSourcePolicy,
} from '../core/reference-store.js';
import { Uploads } from '../core/upload.js';
import { Uploader, type UploadOptions } from '../core/uploader.js';
import { Verifier } from '../core/verifier.js';
import type { ContentSketcher } from '../core/references/sketch.js';

/** The ports the core runs on: the adapters the composition root (create-app.ts) chose. */
export interface CoreDeps {
  storage: StoragePort;
  differ: DifferPort;
  hasher: HasherPort;
  cache: ReferenceCachePort;
  files: LocalFilesPort;
  clock: ClockPort;
  log: LoggerPort;
  /** Progress of long steps and per-file log scopes (default: none). */
  progress?: ProgressPort;
  /** Reads and (with the archiveAware option) writes archive-aware deltas. */
  archiveCodec?: ArchiveCodecPort;
  /** Content sketches for smart references (references/sketch.ts). */
  sketcher?: ContentSketcher;
}

export interface UseCaseOptions extends UploadOptions {
  /** Files processed at once. */
  concurrency: number;
}

/** The use cases, each a module of its own, sharing one set of collaborators. */
export interface UseCases {
  uploads: Uploads;
  downloads: Downloads;
  verifier: Verifier;
  inspection: Inspection;
}

/**
 * Builds the core once. Uploads and downloads share one cache-first reference store, so
 * a reference is fetched once per run; a verify reads the same collaborators through a
 * bucket-only store, so it judges the bucket and never a cached copy.
 */
export function createUseCases(deps: CoreDeps, options: UseCaseOptions): UseCases {
  const { storage, differ, hasher, cache, files, clock, log, archiveCodec, sketcher } = deps;
  const progress = deps.progress ?? NO_PROGRESS;
  const { concurrency } = options;
  const archives = archiveCodec && new ArchiveViews(archiveCodec, files, hasher);
  const store = (policy: ReferenceSourcePolicy) =>
    new ReferenceStore({ storage, hasher, cache, files, log, progress }, policy);
  const reader = (references: ReferenceSource) =>
    new Downloader({ storage, differ, hasher, files, log, progress, references, archives });
  const references = store('cache-first');
  const uploader = new Uploader(
    { storage, differ, hasher, files, clock, log, progress, references, archives, sketcher },
    options,
  );
  return {
    uploads: new Uploads({ storage, uploader, progress, concurrency }),
    downloads: new Downloads({
      storage,
      files,
      hasher,
      log,
      downloader: reader(references),
      progress,
      concurrency,
    }),
    verifier: new Verifier({
      storage,
      log,
      downloader: reader(store('bucket-only')),
      concurrency,
    }),
    inspection: new Inspection({ storage, log }),
  };
}
