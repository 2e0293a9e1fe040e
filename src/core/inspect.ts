import type { ListedObject, LoggerPort, StoragePort } from '../ports.js';
import { describeSpace, listSpace } from './lister.js';
import type { DeltaSpace, LogicalFile } from './models.js';
import { removeFile, type RemoveResult } from './remover.js';
import { computeStats, type StatsReport } from './stats.js';
import { walkTree, type Directory } from './tree.js';
import { warnTwoForms } from './two-forms.js';

export interface InspectionDeps {
  storage: StoragePort;
  log: LoggerPort;
}

/** What reads and tidies the bucket without rebuilding files: list, stats, walk, remove. */
export class Inspection {
  constructor(private readonly deps: InspectionDeps) {}

  /**
   * The logical files of a DeltaSpace; warns about names stored in two forms. `listed`:
   * its objects from a tree walk already made, so the space is not listed again.
   */
  async list(space: DeltaSpace, listed?: Iterable<ListedObject>): Promise<LogicalFile[]> {
    const files = listed
      ? await describeSpace(this.deps.storage, space, listed)
      : await listSpace(this.deps.storage, space);
    warnTwoForms(this.deps.log, space.bucket, files);
    return files;
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
}

/** `releases/app` or `releases/app/` -> `releases/app/`; '' stays '' (the whole bucket). */
function treePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
