import type { HasherPort, LoggerPort, StoragePort } from '../../ports.js';
import type { Downloads } from '../download.js';
import type { Uploads } from '../upload.js';
import { directKey, formatSpace, nameProblem } from '../delta-space.js';
import { wouldOverwrite } from '../download-targets.js';
import { InputError, NotFoundError } from '../errors.js';
import type { DeltaSpace, FileResult } from '../models.js';
import { removeFiles } from '../remover.js';
import { refuseReservedKeys, reservedSegment } from '../reserved.js';
import { formatS3Url } from '../s3-url.js';
import { mapLimit } from '../util/map-limit.js';
import { listRemoteTree, type RemoteFile } from './remote-tree.js';
import { compileFilters, type SyncFilter } from './sync-filter.js';
import { planSync, type SyncEntry, type SyncPlan } from './sync-plan.js';

// One sync, either way, for both shells: list both sides, plan (sync-plan.ts), then copy
// what differs and, with `delete`, remove what the source no longer has. The shells read
// their options, confirm deletions their own way and print each action as it is done.

/** A local file below the synced directory. */
export interface LocalTreeFile {
  /** '/'-separated, relative to the directory. */
  path: string;
  absolute: string;
  size: number;
}

/** The local directory of a sync (adapters/local-tree.ts). */
export interface LocalTreePort {
  /** Regular files below the directory, in path order; none when it does not exist. */
  list(): Promise<LocalTreeFile[]>;
  /** Where a download of `path` goes (nothing is checked or created). */
  pathOf(path: string): string;
  /**
   * Creates the folders of `pathOf(path)`; refuses, creating nothing, folders that lead
   * outside the directory (a link).
   */
  prepare(path: string): Promise<void>;
  remove(absolute: string): Promise<void>;
}

export interface SyncDeps {
  storage: StoragePort;
  log: LoggerPort;
  hasher: HasherPort;
  uploads: Pick<Uploads, 'upload'>;
  downloads: Pick<Downloads, 'downloadTo'>;
  local: LocalTreePort;
}

export interface SyncRequest {
  /** up: local directory to S3; down: S3 to local directory. */
  direction: 'up' | 'down';
  root: DeltaSpace;
  delete: boolean;
  dryRun: boolean;
  filters: readonly SyncFilter[];
  concurrency: number;
  /**
   * Down: replace local files whose bytes differ (default true, as for a library call).
   * Without it, any such file stops the sync before anything is written, as a download
   * stops (download-targets.ts); the action's `overwrite` input defaults to false.
   */
  overwrite?: boolean;
  /** Called with the plan before anything changes (the CLI asks before deleting). */
  confirm?: (plan: SyncPlan) => Promise<void>;
  /** Runs the deletions (`count` of them), e.g. inside a log group. */
  deletePhase?: <T>(count: number, work: () => Promise<T>) => Promise<T>;
  /** Told of each copy and deletion once done (progress lines). */
  onAction?: (action: SyncAction) => void;
}

export interface SyncAction {
  kind: 'upload' | 'download' | 'delete';
  from?: string;
  to: string;
}

export interface SyncOutcome {
  plan: SyncPlan;
  copied: { from: string; to: string; reason: string }[];
  /** What each copy stored or rebuilt (none in a dry run). */
  results: FileResult[];
  deleted: string[];
  unchanged: number;
}

export async function runSync(deps: SyncDeps, request: SyncRequest): Promise<SyncOutcome> {
  return request.direction === 'up' ? syncUp(deps, request) : syncDown(deps, request);
}

async function syncUp(deps: SyncDeps, request: SyncRequest): Promise<SyncOutcome> {
  const { root } = request;
  const localFiles = await deps.local.list();
  const remote = await listRemoteTree(deps.storage, deps.log, root);
  const plan = await planSync(
    localEntries(deps.hasher, localFiles),
    remote.map(remoteEntry),
    planOptions(request),
  );
  // Keys the format reserves and names a DeltaSpace cannot hold are refused before
  // anything is written.
  refuseReservedKeys(
    root.bucket,
    plan.copy.map(({ entry }) => ({ key: directKey(root, entry.path), path: entry.path })),
  );
  const refused = plan.copy.filter((c) => c.entry.path.split('/').some((s) => nameProblem(s)));
  if (refused.length > 0) {
    const name = refused[0]!.entry.path;
    throw new InputError(
      `${JSON.stringify(name)} cannot be stored in a DeltaSpace: ${name.split('/').map(nameProblem).find(Boolean)}${refused.length > 1 ? ` (and ${refused.length - 1} more)` : ''}`,
      'Nothing was uploaded. Leave such files out with an exclude filter, or rename them',
    );
  }
  await request.confirm?.(plan);
  const absolute = new Map(localFiles.map((f) => [f.path, f.absolute]));
  const reasons = new Map(plan.copy.map((c) => [c.entry.path, c.reason]));
  const outcome = emptyOutcome(plan);
  for (const group of groupBySpace(
    plan.copy.map((c) => c.entry.path),
    root,
  )) {
    const uploadOne = async (path: string) => {
      const to = formatS3Url(group.space.bucket, directKey(group.space, basenameOf(path)));
      const from = absolute.get(path)!;
      if (!request.dryRun)
        outcome.results.push(await deps.uploads.upload(from, group.space, basenameOf(path)));
      outcome.copied.push({ from, to, reason: reasons.get(path)! });
      request.onAction?.({ kind: 'upload', from, to });
    };
    // The first alone: in a new DeltaSpace it becomes the reference, as with cp -r.
    const [head, ...rest] = group.paths;
    await uploadOne(head!);
    await mapLimit(rest, request.concurrency, uploadOne);
  }
  // Per DeltaSpace: one listing and batch deletes, however many files go.
  const byPath = new Map(remote.map((r) => [r.path, r]));
  const doomed = new Map<string, RemoteFile[]>();
  for (const entry of plan.delete) {
    const target = byPath.get(entry.path)!;
    const key = `${target.space.bucket}/${target.space.prefix}`;
    doomed.set(key, [...(doomed.get(key) ?? []), target]);
  }
  await deletePhase(request, plan.delete.length, async () => {
    for (const targets of doomed.values()) {
      const { space } = targets[0]!;
      if (!request.dryRun) {
        const names = targets.map((t) => t.file.name);
        await removeFiles(deps.storage, deps.log, space, names);
      }
      for (const target of targets) {
        const url = formatS3Url(space.bucket, target.file.key);
        outcome.deleted.push(url);
        request.onAction?.({ kind: 'delete', to: url });
      }
    }
  });
  return outcome;
}

async function syncDown(deps: SyncDeps, request: SyncRequest): Promise<SyncOutcome> {
  const { root } = request;
  const remote = await listRemoteTree(deps.storage, deps.log, root);
  // A mistyped prefix would otherwise read as "delete everything" with delete.
  if (remote.length === 0) {
    throw new NotFoundError(
      `Nothing to sync from: no files under ${formatSpace(root)}`,
      'Check the bucket and prefix; a listing shows what is there',
    );
  }
  // Local paths under a reserved segment are none of the bucket's business: a sync down
  // never overwrites nor deletes them (the bucket's listing never offers such paths).
  const localFiles = (await deps.local.list()).filter((f) => !reservedSegment(f.path));
  const plan = await planSync(
    remote.map(remoteEntry),
    localEntries(deps.hasher, localFiles),
    planOptions(request),
  );
  const overwrite = request.overwrite ?? true;
  // Every copy of a path the directory holds replaces a file with other bytes (the plan
  // counts identical ones as unchanged): refused whole, before anything is written.
  const held = new Map(localFiles.map((f) => [f.path, f.absolute]));
  const replaced = plan.copy.flatMap((c) => held.get(c.entry.path) ?? []);
  if (!overwrite && replaced.length > 0) throw wouldOverwrite(replaced);
  await request.confirm?.(plan);
  const byPath = new Map(remote.map((r) => [r.path, r]));
  const outcome = emptyOutcome(plan);
  await mapLimit(plan.copy, request.concurrency, async ({ entry, reason }) => {
    const source = byPath.get(entry.path)!;
    const from = formatS3Url(source.space.bucket, source.file.key);
    const to = deps.local.pathOf(entry.path);
    if (!request.dryRun) {
      await deps.local.prepare(entry.path);
      outcome.results.push(
        await deps.downloads.downloadTo(source.space, source.file.name, to, { overwrite }),
      );
    }
    outcome.copied.push({ from, to, reason });
    request.onAction?.({ kind: 'download', from, to });
  });
  await deletePhase(request, plan.delete.length, async () => {
    for (const entry of plan.delete) {
      const path = held.get(entry.path)!;
      if (!request.dryRun) await deps.local.remove(path);
      outcome.deleted.push(path);
      request.onAction?.({ kind: 'delete', to: path });
    }
  });
  return outcome;
}

function deletePhase(request: SyncRequest, count: number, work: () => Promise<void>) {
  if (count === 0) return Promise.resolve();
  return request.deletePhase ? request.deletePhase(count, work) : work();
}

function emptyOutcome(plan: SyncPlan): SyncOutcome {
  return { plan, copied: [], results: [], deleted: [], unchanged: plan.unchanged };
}

/** Local files as sync entries, hashed only when a recorded sha256 must be matched. */
function localEntries(hasher: HasherPort, files: readonly LocalTreeFile[]): SyncEntry[] {
  return files.map((f) => ({
    path: f.path,
    size: f.size,
    hash: () => hasher.sha256File(f.absolute),
  }));
}

function planOptions(request: SyncRequest) {
  return {
    delete: request.delete,
    filter: compileFilters(request.filters),
    concurrency: request.concurrency,
  };
}

function remoteEntry(remote: RemoteFile): SyncEntry {
  return { path: remote.path, size: remote.file.originalBytes, sha256: remote.file.sha256 };
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Relative paths grouped by their DeltaSpace below `root`, in path order. */
function groupBySpace(paths: readonly string[], root: DeltaSpace) {
  const groups = new Map<string, { space: DeltaSpace; paths: string[] }>();
  for (const path of paths) {
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    const prefix = [root.prefix, dir].filter(Boolean).join('/');
    const group = groups.get(prefix) ?? { space: { bucket: root.bucket, prefix }, paths: [] };
    group.paths.push(path);
    groups.set(prefix, group);
  }
  return [...groups.values()];
}
