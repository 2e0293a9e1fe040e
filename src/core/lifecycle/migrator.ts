import type { HasherPort, LocalFilesPort, LoggerPort, StoragePort } from '../../ports.js';
import type { Inspection } from '../inspect.js';
import type { Uploads } from '../upload.js';
import type { Verifier } from '../verifier.js';
import { IntegrityError } from '../errors.js';
import type { DeltaSpace, FileResult, LogicalFile } from '../models.js';
import { formatS3Url } from '../s3-url.js';
import { mapLimit } from '../util/map-limit.js';
import { groupBySpace, type MigrationItem } from './migration-plan.js';
import { deleteIfUnchanged, readVersion, type SourceOutcome } from './source-version.js';

// Moves plain objects into DeltaSpaces one object at a time through a scratch file:
// download, hash, store (the upload use case: references, deltas, cache), read back and
// verify, then (with deleteSource) delete the source if it is still the version copied
// (source-version.ts). At most `concurrency` objects are on disk at once, never the
// bucket. A failure stops the run with every object either migrated and verified or
// untouched at its source; running again finishes the job.

export interface MigratorDeps {
  storage: Pick<StoragePort, 'download' | 'head' | 'delete'>;
  hasher: HasherPort;
  files: Pick<LocalFilesPort, 'tempPath' | 'remove'>;
  log: LoggerPort;
  uploads: Pick<Uploads, 'upload'>;
  verifier: Pick<Verifier, 'verify'>;
  inspection: Pick<Inspection, 'list'>;
  /** Objects migrated at once (after each DeltaSpace's first, which makes its reference). */
  concurrency: number;
}

export interface MigrationOutcome {
  item: MigrationItem;
  /** `already-there`: the DeltaSpace held this name with the same sha256 (a re-run). */
  kind: 'migrated' | 'already-there';
  result: FileResult;
  /** Whether the source went; a source overwritten meanwhile stays, and says why. */
  source: SourceOutcome;
}

export interface MigrateOptions {
  deleteSource: boolean;
  sourceBucket: string;
  /** Told of each object once done (progress lines). */
  onDone?: (outcome: MigrationOutcome, done: number, total: number) => void;
}

export class Migrator {
  constructor(private readonly deps: MigratorDeps) {}

  async migrate(
    items: readonly MigrationItem[],
    options: MigrateOptions,
  ): Promise<MigrationOutcome[]> {
    const outcomes = new Map<MigrationItem, MigrationOutcome>();
    const finish = (outcome: MigrationOutcome) => {
      outcomes.set(outcome.item, outcome);
      options.onDone?.(outcome, outcomes.size, items.length);
    };
    for (const group of groupBySpace(items)) {
      const present = await this.present(group[0]!.space);
      const [first, ...rest] = group;
      // The first alone: when the space is new, its reference is the oldest release.
      finish(await this.one(first!, present, options));
      await mapLimit(rest, this.deps.concurrency, async (item) =>
        finish(await this.one(item, present, options)),
      );
    }
    // In the order of release, whatever order the concurrent ones finished in.
    return items.map((item) => outcomes.get(item)!);
  }

  /** The logical files a DeltaSpace holds already (a re-run's), by name. */
  private async present(space: DeltaSpace): Promise<Map<string, LogicalFile>> {
    return new Map((await this.deps.inspection.list(space)).map((f) => [f.name, f]));
  }

  private async one(
    item: MigrationItem,
    present: ReadonlyMap<string, LogicalFile>,
    options: MigrateOptions,
  ): Promise<MigrationOutcome> {
    const { storage, hasher, files, uploads } = this.deps;
    const source = formatS3Url(options.sourceBucket, item.key);
    const scratch = files.tempPath('migrate');
    try {
      const copied = await readVersion(storage, options.sourceBucket, item.key, scratch, item);
      const sha256 = await hasher.sha256File(scratch);
      const there = present.get(item.name);
      const already = there?.sha256 === sha256;
      const result = already
        ? {
            name: item.name,
            key: there.key,
            kind: kindOf(there),
            originalBytes: there.originalBytes,
            storedBytes: there.storedBytes,
            sha256,
          }
        : await uploads.upload(scratch, item.space, item.name);
      // A fresh copy is always read back; one found from an earlier run only before its
      // source goes.
      if (!already || options.deleteSource) await this.verify(item, sha256, source);
      const sourceOutcome: SourceOutcome = options.deleteSource
        ? await deleteIfUnchanged(storage, options.sourceBucket, item.key, copied)
        : { kind: 'untouched' };
      return {
        item,
        kind: already ? 'already-there' : 'migrated',
        result,
        source: sourceOutcome,
      };
    } finally {
      await files.remove(scratch);
    }
  }

  private async verify(item: MigrationItem, sha256: string, source: string): Promise<void> {
    const verdict = await this.deps.verifier.verify(item.space, item.name);
    if (verdict.status === 'ok' && verdict.sha256 === sha256) return;
    throw new IntegrityError(
      `The migrated copy of ${source} does not read back as the source: ${verdict.problem ?? `sha256 ${verdict.sha256 ?? 'unknown'}, expected ${sha256}`}`,
      'The source object was kept. Run "deltaglider verify" on the destination, and migrate again',
      { fields: { bucket: item.space.bucket, key: verdict.key } },
    );
  }
}

function kindOf(file: LogicalFile): FileResult['kind'] {
  return file.kind === 'plain' ? 'direct' : file.kind;
}
