import type { ListedObject } from '../ports.js';
import type { DownloadOptions } from './download-targets.js';
import { createCore, type Core, type CoreDeps, type ServiceOptions } from './create-core.js';
import type { DeltaSpace, FileResult, LogicalFile } from './models.js';
import type { RemoveResult } from './remover.js';
import type { StatsReport } from './stats.js';
import type { Directory } from './tree.js';
import type { VerifyResult } from './verifier.js';

export type { CoreDeps as DeltaServiceDeps, ServiceOptions } from './create-core.js';

/**
 * The product's use cases behind one face for the shells: upload (upload.ts), download
 * (download.ts), verify (verifier.ts) and inspect (inspect.ts), built once by createCore.
 */
export class DeltaService {
  private readonly core: Core;

  constructor(deps: CoreDeps, options: ServiceOptions) {
    this.core = createCore(deps, options);
  }

  upload(path: string, space: DeltaSpace, name?: string): Promise<FileResult> {
    return this.core.uploads.upload(path, space, name);
  }

  /** Several files into one DeltaSpace; the first one is the reference of a new space. */
  uploadAll(paths: readonly string[], space: DeltaSpace): Promise<FileResult[]> {
    return this.core.uploads.uploadAll(paths, space);
  }

  download(
    space: DeltaSpace,
    name: string,
    destDir: string,
    options?: DownloadOptions,
  ): Promise<FileResult> {
    return this.core.downloads.download(space, name, destDir, options);
  }

  /** Downloads every logical file of a DeltaSpace into `destDir`. */
  async downloadAll(
    space: DeltaSpace,
    destDir: string,
    options?: DownloadOptions,
  ): Promise<FileResult[]> {
    return (await this.prepareDownloadAll(space, destDir, options))();
  }

  /** Checks every destination first, writing nothing; resolves to the download itself. */
  prepareDownloadAll(
    space: DeltaSpace,
    destDir: string,
    options?: DownloadOptions,
  ): Promise<() => Promise<FileResult[]>> {
    return this.core.downloads.prepareDownloadAll(space, destDir, options);
  }

  /** Downloads a logical file to a path of the caller's choosing (any file name). */
  downloadTo(
    space: DeltaSpace,
    name: string,
    destPath: string,
    options?: DownloadOptions,
  ): Promise<FileResult> {
    return this.core.downloads.downloadTo(space, name, destPath, options);
  }

  /** Rebuilds a logical file from the bucket without keeping it, and checks its sha256. */
  verify(space: DeltaSpace, name: string): Promise<VerifyResult> {
    return this.core.verifier.verify(space, name);
  }

  /** Verifies every logical file of a DeltaSpace. */
  verifyAll(space: DeltaSpace): Promise<VerifyResult[]> {
    return this.core.verifier.verifyAll(space);
  }

  /**
   * The logical files of a DeltaSpace; warns about names stored in two forms. `listed`:
   * its objects from a tree walk already made (Inspection.list).
   */
  list(space: DeltaSpace, listed?: Iterable<ListedObject>): Promise<LogicalFile[]> {
    return this.core.inspection.list(space, listed);
  }

  /** Totals for a bucket (`prefix` '') or everything under a prefix. */
  stats(bucket: string, prefix: string): Promise<StatsReport> {
    return this.core.inspection.stats(bucket, prefix);
  }

  /** The directories (candidate DeltaSpaces) under a bucket or prefix, with their objects. */
  walk(bucket: string, prefix: string): Promise<Directory[]> {
    return this.core.inspection.walk(bucket, prefix);
  }

  /** Removes a logical file, and the space's reference once no delta needs it. */
  remove(space: DeltaSpace, name: string, options?: { dryRun?: boolean }): Promise<RemoveResult> {
    return this.core.inspection.remove(space, name, options);
  }
}
