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
import { assertValidName, formatSpace, nameProblem, referenceKey } from './delta-space.js';
import { formatS3Url } from './s3-url.js';
import { Downloader, destinationPath } from './downloader.js';
import {
  checkTargets,
  describeFile,
  type DownloadOptions,
  type DownloadTarget,
} from './download-targets.js';
import { InputError } from './errors.js';
import { listSpace } from './lister.js';
import { warnTwoForms } from './two-forms.js';
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

  async download(
    space: DeltaSpace,
    name: string,
    destDir: string,
    options: DownloadOptions = {},
  ): Promise<FileResult> {
    assertValidName(name);
    const dest = destinationPath(destDir, name);
    const done = await this.checkOne(space, name, dest, options);
    return done ?? this.progress.file(name, () => this.downloader.downloadTo(space, name, dest));
  }

  /** Downloads every logical file of a DeltaSpace into `destDir`. */
  async downloadAll(
    space: DeltaSpace,
    destDir: string,
    options: DownloadOptions = {},
  ): Promise<FileResult[]> {
    return (await this.prepareDownloadAll(space, destDir, options))();
  }

  /**
   * Lists a DeltaSpace and checks every destination in `destDir` (names, existing files),
   * writing nothing; resolves to the download itself. Lets a caller check several spaces
   * before writing into any (the CLI's `cp -r`).
   */
  async prepareDownloadAll(
    space: DeltaSpace,
    destDir: string,
    options: DownloadOptions = {},
  ): Promise<() => Promise<FileResult[]>> {
    // Each download warns about its own name if stored twice: list without warning.
    const listing = await listSpace(this.deps.storage, space);
    if (listing.length === 0) {
      throw new InputError(
        `${formatSpace(space)} holds no files`,
        'Check the S3 URL: a DeltaSpace URL ends with "/" and names the prefix the files were uploaded to',
        {
          code: 'empty-space',
          fields: { setting: 'location', bucket: space.bucket, key: space.prefix },
        },
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
        { code: 'unsafe-name', fields: { bucket: space.bucket, key: space.prefix } },
      );
    }
    const targets: DownloadTarget[] = listing.map((file) => ({
      file,
      dest: destinationPath(destDir, file.name),
    }));
    const done = await checkTargets(targets, this.deps, options);
    return () =>
      mapLimit(
        targets,
        this.options.concurrency,
        async ({ file, dest }) =>
          done.get(dest) ??
          this.progress.file(file.name, () => this.downloader.downloadTo(space, file.name, dest)),
      );
  }

  /** The logical files of a DeltaSpace; warns about names stored in two forms. */
  async list(space: DeltaSpace): Promise<LogicalFile[]> {
    const files = await listSpace(this.deps.storage, space);
    warnTwoForms(this.deps.log, space.bucket, files);
    return files;
  }

  /** Downloads a logical file to a path of the caller's choosing (any file name). */
  async downloadTo(
    space: DeltaSpace,
    name: string,
    destPath: string,
    options: DownloadOptions = {},
  ): Promise<FileResult> {
    const done = await this.checkOne(space, name, destPath, options);
    return done ?? this.downloader.downloadTo(space, name, destPath);
  }

  /** The already-done result when `dest` holds the same bytes; throws on a conflict. */
  private async checkOne(
    space: DeltaSpace,
    name: string,
    dest: string,
    options: DownloadOptions,
  ): Promise<FileResult | undefined> {
    const file = await describeFile(this.deps.storage, space, name);
    // A missing file: the downloader says so, naming both keys.
    if (!file) return undefined;
    return (await checkTargets([{ file, dest }], this.deps, options)).get(dest);
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
        'Each file is stored as <prefix>/<basename>; upload them to different prefixes or rename one',
        { code: 'name-clash', fields: { setting: 'path', paths: [other, path] } },
      );
    }
    seen.set(name, path);
  }
}
