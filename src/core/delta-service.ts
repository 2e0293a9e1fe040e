import { basename } from 'node:path';
import type {
  ClockPort,
  DifferPort,
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ProgressPort,
  ArchiveCodecPort,
  ReferenceCachePort,
  StoragePort,
} from '../ports.js';
import { formatSpace, nameProblem, referenceKey } from './delta-space.js';
import { formatS3Url } from './s3-url.js';
import { Downloader } from './downloader.js';
import { InputError } from './errors.js';
import { listSpace } from './lister.js';
import type { DeltaSpace, FileResult, LogicalFile } from './models.js';
import { ReferenceStore, type ReferenceStats } from './reference-store.js';
import { Uploader, type UploadOptions } from './uploader.js';
import { mapLimit } from './util/map-limit.js';
import { NO_PROGRESS } from './progress.js';
import { removeFile, type RemoveResult } from './remover.js';
import { computeStats, type StatsReport } from './stats.js';
import { walkTree, type Directory } from './tree.js';
import { Verifier, type VerifyResult } from './verifier.js';
import { ArchiveViews } from './archive-views.js';

export interface DeltaServiceDeps {
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
}

export interface ServiceOptions extends UploadOptions {
  /** Files processed at once. */
  concurrency: number;
}

/** The product's use cases, on ports only: upload, download, list. */
export class DeltaService {
  readonly references: ReferenceStore;
  private readonly uploader: Uploader;
  private readonly downloader: Downloader;

  constructor(
    private readonly deps: DeltaServiceDeps,
    private readonly options: ServiceOptions,
  ) {
    this.references = new ReferenceStore(
      deps.storage,
      deps.hasher,
      deps.cache,
      deps.files,
      deps.log,
      deps.progress,
    );
    const archives =
      deps.archiveCodec && new ArchiveViews(deps.archiveCodec, deps.files, deps.hasher);
    this.uploader = new Uploader({ ...deps, references: this.references, archives }, options);
    this.downloader = new Downloader({ ...deps, references: this.references, archives });
  }

  private get progress(): ProgressPort {
    return this.deps.progress ?? NO_PROGRESS;
  }

  get referenceStats(): ReferenceStats {
    return this.references.report;
  }

  upload(path: string, space: DeltaSpace, name?: string): Promise<FileResult> {
    return this.progress.file(name ?? basename(path), () =>
      this.uploader.upload(path, space, name),
    );
  }

  /**
   * Uploads several files into one DeltaSpace. When the space has no reference yet, the
   * first file is uploaded alone so that the reference is the first file given (a
   * deterministic choice), and the rest run concurrently against it.
   */
  async uploadAll(paths: readonly string[], space: DeltaSpace): Promise<FileResult[]> {
    assertUniqueNames(paths);
    if (paths.length === 0) return [];
    const hasReference = await this.deps.storage.head(space.bucket, referenceKey(space));
    const [first, ...rest] = paths as [string, ...string[]];
    if (hasReference)
      return mapLimit(paths, this.options.concurrency, (p) => this.upload(p, space));
    const head = await this.upload(first, space);
    const tail = await mapLimit(rest, this.options.concurrency, (p) => this.upload(p, space));
    return [head, ...tail];
  }

  download(space: DeltaSpace, name: string, destDir: string): Promise<FileResult> {
    return this.progress.file(name, () => this.downloader.download(space, name, destDir));
  }

  /** Downloads every logical file of a DeltaSpace into `destDir`. */
  async downloadAll(space: DeltaSpace, destDir: string): Promise<FileResult[]> {
    const listing = await this.list(space);
    if (listing.length === 0) {
      throw new InputError(
        `${formatSpace(space)} holds no files`,
        'Check the s3-url: a DeltaSpace URL ends with "/" and names the prefix the files were uploaded to',
      );
    }
    // Objects another tool wrote may carry names no file can have safely ("..", "a\b"):
    // refuse the whole download before writing anything, rather than fail half-way.
    const unsafe = listing.flatMap((file) => {
      const problem = nameProblem(file.name);
      // JSON quoting shows control characters as escapes instead of printing them.
      return problem
        ? [`${JSON.stringify(formatS3Url(space.bucket, file.key))} (the name ${problem})`]
        : [];
    });
    if (unsafe.length > 0) {
      throw new InputError(
        `${formatSpace(space)} holds objects that cannot be restored as files: ${unsafe.join(', ')}`,
        'Nothing was downloaded. DeltaGlider never writes such names: rename or delete those objects with another S3 tool, or download the other files one by one by URL',
      );
    }
    return mapLimit(listing, this.options.concurrency, (file) =>
      this.download(space, file.name, destDir),
    );
  }

  list(space: DeltaSpace): Promise<LogicalFile[]> {
    return listSpace(this.deps.storage, space);
  }

  /** Downloads a logical file to a path of the caller's choosing (any file name). */
  downloadTo(space: DeltaSpace, name: string, destPath: string): Promise<FileResult> {
    return this.downloader.downloadTo(space, name, destPath);
  }

  /** Rebuilds a logical file from the bucket without keeping it, and checks its sha256. */
  verify(space: DeltaSpace, name: string): Promise<VerifyResult> {
    return this.verifier.verify(space, name);
  }

  /** Verifies every logical file of a DeltaSpace. */
  verifyAll(space: DeltaSpace): Promise<VerifyResult[]> {
    return this.verifier.verifyAll(space);
  }

  /** Totals for a bucket (`prefix` '') or everything under a prefix. */
  stats(bucket: string, prefix: string): Promise<StatsReport> {
    return computeStats(this.deps.storage, bucket, treePrefix(prefix), this.deps.log);
  }

  /** The directories (candidate DeltaSpaces) under a bucket or prefix, with their objects. */
  walk(bucket: string, prefix: string): Promise<Directory[]> {
    return walkTree(this.deps.storage, bucket, treePrefix(prefix));
  }

  /** Removes a logical file, and the space's reference once no delta needs it. */
  remove(space: DeltaSpace, name: string, options?: { dryRun?: boolean }): Promise<RemoveResult> {
    return removeFile(this.deps.storage, this.deps.log, space, name, options);
  }

  // One verifier per service, so a reference is fetched once for all the files of a run.
  private verifierInstance?: Verifier;

  private get verifier(): Verifier {
    this.verifierInstance ??= new Verifier(this.deps, this.options.concurrency);
    return this.verifierInstance;
  }
}

/** `releases/app` or `releases/app/` -> `releases/app/`; '' stays '' (the whole bucket). */
function treePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

function assertUniqueNames(paths: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const path of paths) {
    const name = basename(path);
    const other = seen.get(name);
    if (other !== undefined) {
      throw new InputError(
        `Two files share the name "${name}": ${other} and ${path}`,
        'Each file is stored as <prefix>/<basename>; upload them to different s3-url prefixes or rename one',
      );
    }
    seen.set(name, path);
  }
}
