import type {
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ProgressPort,
  StoragePort,
} from '../ports.js';
import { assertValidName, formatSpace, nameProblem } from './delta-space.js';
import { destinationPath, type Downloader } from './downloader.js';
import {
  checkTargets,
  describeFile,
  type DownloadOptions,
  type DownloadTarget,
} from './download-targets.js';
import { InputError } from './errors.js';
import { listSpace } from './lister.js';
import type { DeltaSpace, FileResult } from './models.js';
import { formatS3Url } from './s3-url.js';
import { mapLimit } from './util/map-limit.js';

export interface DownloadsDeps {
  storage: StoragePort;
  files: LocalFilesPort;
  hasher: HasherPort;
  log: LoggerPort;
  downloader: Pick<Downloader, 'downloadTo'>;
  progress: ProgressPort;
  /** Files processed at once. */
  concurrency: number;
}

/**
 * The download use case: one file or a whole DeltaSpace, every destination checked
 * (names, existing files) before anything is written.
 */
export class Downloads {
  constructor(private readonly deps: DownloadsDeps) {}

  async download(
    space: DeltaSpace,
    name: string,
    destDir: string,
    options: DownloadOptions = {},
  ): Promise<FileResult> {
    assertValidName(name);
    const dest = destinationPath(destDir, name);
    const done = await this.checkOne(space, name, dest, options);
    return done ?? this.inScope(space, name, dest);
  }

  /** Every logical file of a DeltaSpace into `destDir`, each checked before any is written. */
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
        this.deps.concurrency,
        async ({ file, dest }) => done.get(dest) ?? this.inScope(space, file.name, dest),
      );
  }

  /** Downloads a logical file to a path of the caller's choosing (any file name). */
  async downloadTo(
    space: DeltaSpace,
    name: string,
    destPath: string,
    options: DownloadOptions = {},
  ): Promise<FileResult> {
    const done = await this.checkOne(space, name, destPath, options);
    return done ?? this.deps.downloader.downloadTo(space, name, destPath);
  }

  /** One file's download, its log lines and progress scoped to it. */
  private inScope(space: DeltaSpace, name: string, dest: string): Promise<FileResult> {
    return this.deps.progress.file(name, () => this.deps.downloader.downloadTo(space, name, dest));
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
}
