import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Sha256Hasher } from '../adapters/sha256-hasher.js';
import { directKey, formatSpace, nameProblem, spaceFromPrefixUrl } from '../core/delta-space.js';
import { InputError, NotFoundError } from '../core/errors.js';
import { listRemoteTree, type RemoteFile } from '../core/lifecycle/remote-tree.js';
import { compileFilters, type SyncFilter } from '../core/lifecycle/sync-filter.js';
import { planSync, type SyncEntry, type SyncPlan } from '../core/lifecycle/sync-plan.js';
import type { DeltaSpace } from '../core/models.js';
import { formatS3Url, parseS3Url } from '../core/s3-url.js';
import { mapLimit } from '../core/util/map-limit.js';
import type { Command } from './command.js';
import { defineCommand, withSession, type CommandContext } from './command.js';
import { deepestExisting, insideRoot, listLocalTree, type LocalFile } from './local-tree.js';
import { printJson, terminalText, type Io } from './output.js';
import type { Session } from './session.js';

interface SyncOptions {
  delete: boolean;
  yes: boolean;
  dryRun: boolean;
  quiet: boolean;
  filters: SyncFilter[];
}

/** What one sync did (or, in a dry run, would do). */
interface Done {
  copied: { from: string; to: string; reason: string }[];
  deleted: string[];
  unchanged: number;
}

const define = (filters: SyncFilter[]) =>
  defineCommand<SyncOptions>({
    name: 'sync',
    summary: 'make a DeltaSpace tree match a local directory, or the other way round',
    usage: [
      'deltaglider sync [options] LOCAL_DIR s3://BUCKET/PREFIX/',
      'deltaglider sync [options] s3://BUCKET/PREFIX/ LOCAL_DIR',
    ],
    description: `Copies only what differs: a file missing on the destination, or whose size or
sha256 differs (sha256 where the stored object records it, as DeltaGlider objects do;
size alone for plain S3 objects). Each directory is a DeltaSpace of its own, as with
"cp -r": DIR/lib/x.zip <-> PREFIX/lib/x.zip. Uploads store deltas as cp does;
downloads are rebuilt, checked and written only inside LOCAL_DIR.

With --delete, files the source does not have are removed from the destination
(remote removals take the DeltaSpace's reference once no delta needs it). Without a
terminal to confirm on, --delete needs --yes.

--exclude and --include take globs matched against the path relative to the synced
directory or prefix, as aws s3 sync does: "*" matches any characters including "/",
"?" one, [abc] a class; every path is included at first, and later filters win. An
excluded path is neither copied nor deleted.`,
    options: {
      delete: { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      exclude: { type: 'string', multiple: true },
      include: { type: 'string', multiple: true },
      dryrun: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
    },
    optionsHelp: `  --delete              remove destination files that the source does not have
  -y, --yes             confirm --delete without asking (required without a terminal)
  --exclude GLOB        leave matching paths alone (repeatable)
  --include GLOB        take matching paths back in (repeatable; later filters win)
  --dryrun, --dry-run   print what would be copied and deleted, change nothing
  -q, --quiet           print nothing but warnings and errors`,
    readOwn: (values) => ({
      delete: values.delete === true,
      yes: values.yes === true,
      dryRun: values.dryrun === true || values['dry-run'] === true,
      quiet: values.quiet === true,
      filters,
    }),
    positionals: { min: 2, max: 2, what: 'a local directory and an s3:// prefix, in either order' },
    examples: [
      'deltaglider sync dist/ s3://releases/app/',
      'deltaglider sync --delete --yes --exclude "*.log" dist/ s3://releases/app/',
      'deltaglider sync --exclude "*" --include "*.zip" s3://releases/app/ ./mirror/',
    ],
    run: runSync,
  });

/** parseArgs keeps each option's values apart: the filters' order comes from the raw words. */
export const syncCommand: Command = {
  ...define([]),
  run: (args, io) => define(orderedFilters(args)).run(args, io),
};

export function orderedFilters(args: readonly string[]): SyncFilter[] {
  const filters: SyncFilter[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') break;
    const match = /^--(exclude|include)(?:=(.*))?$/s.exec(arg);
    if (!match) continue;
    const pattern = match[2] ?? args[++i];
    if (pattern !== undefined) filters.push({ kind: match[1] as SyncFilter['kind'], pattern });
  }
  return filters;
}

async function runSync(context: CommandContext<SyncOptions>): Promise<number> {
  const [first, second] = context.positionals as [string, string];
  const upload = isS3(second);
  if (isS3(first) === upload) {
    throw new InputError(
      upload
        ? 'sync between two S3 prefixes is not supported'
        : `Neither "${first}" nor "${second}" is an s3:// URL`,
      'One side is a local directory, the other s3://bucket/prefix/',
    );
  }
  const [local, remote] = upload ? [first, second] : [second, first];
  const root = spaceFromPrefixUrl(parseS3Url(remote));
  const { own, io } = context;
  if (own.delete && !own.yes && !own.dryRun && !io.stdinIsTty) {
    throw new InputError(
      '--delete needs --yes in a non-interactive run',
      'Add --yes, or try it first with --dryrun',
    );
  }
  await checkLocalDir(local, upload);
  const done = await withSession(context, (session) =>
    upload ? syncUp(context, session, local, root) : syncDown(context, session, local, root),
  );
  if (context.global.json) {
    printJson(io, {
      'dry-run': own.dryRun,
      copied: done.copied,
      deleted: done.deleted,
      unchanged: done.unchanged,
    });
  } else if (!own.quiet) {
    const verb = upload ? 'uploaded' : 'downloaded';
    io.out(
      `${own.dryRun ? '(dryrun) ' : ''}sync: ${done.copied.length} ${verb}, ${done.deleted.length} deleted, ${done.unchanged} unchanged\n`,
    );
  }
  return 0;
}

function isS3(argument: string): boolean {
  return argument.startsWith('s3://');
}

async function checkLocalDir(dir: string, mustExist: boolean): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (info && !info.isDirectory())
    throw new InputError(`${dir} is not a directory`, 'sync takes a directory');
  if (!info && mustExist)
    throw new InputError(`${dir} does not exist`, 'Check the local directory');
}

/** Prints one line per file as it is done: the progress of a long sync. */
function reporter(context: CommandContext<SyncOptions>, session: Session) {
  const { io, own, global } = context;
  return (line: string) => {
    if (own.quiet || global.json) return;
    session.progress.clear();
    io.out(`${terminalText(`${own.dryRun ? '(dryrun) ' : ''}${line}`)}\n`);
  };
}

async function syncUp(
  context: CommandContext<SyncOptions>,
  session: Session,
  localRoot: string,
  root: DeltaSpace,
): Promise<Done> {
  const { own, global } = context;
  const localFiles = await listLocalTree(localRoot, session.log);
  const source = localEntries(localFiles);
  const remote = await listRemoteTree(session.storage, session.log, root);
  const plan = await planSync(
    source,
    remote.map(remoteEntry),
    planOptions(own, global.concurrency),
  );
  // Names a DeltaSpace cannot hold are refused before anything is written.
  const refused = plan.copy.filter((c) => c.entry.path.split('/').some((s) => nameProblem(s)));
  if (refused.length > 0) {
    const name = refused[0]!.entry.path;
    throw new InputError(
      `${JSON.stringify(name)} cannot be stored in a DeltaSpace: ${name.split('/').map(nameProblem).find(Boolean)}${refused.length > 1 ? ` (and ${refused.length - 1} more)` : ''}`,
      'Nothing was uploaded. Leave such files out with --exclude, or rename them',
    );
  }
  if (own.delete) await confirmDeletes(context, plan);
  const print = reporter(context, session);
  const absolute = new Map(localFiles.map((f) => [f.path, f.absolute]));
  const byPath = new Map(remote.map((r) => [r.path, r]));
  const reasons = new Map(plan.copy.map((c) => [c.entry.path, c.reason]));
  const done: Done = { copied: [], deleted: [], unchanged: plan.unchanged };
  for (const group of groupBySpace(
    plan.copy.map((c) => c.entry.path),
    root,
  )) {
    const uploadOne = async (path: string) => {
      const to = formatS3Url(group.space.bucket, directKey(group.space, basenameOf(path)));
      const from = absolute.get(path)!;
      if (!own.dryRun) await session.service.upload(from, group.space, basenameOf(path));
      done.copied.push({ from, to, reason: reasons.get(path)! });
      print(`upload: ${from} -> ${to}`);
    };
    // The first alone: in a new DeltaSpace it becomes the reference, as with cp -r.
    const [head, ...rest] = group.paths;
    await uploadOne(head!);
    await mapLimit(rest, global.concurrency, uploadOne);
  }
  for (const entry of plan.delete) {
    const target = byPath.get(entry.path)!;
    const url = formatS3Url(target.space.bucket, target.file.key);
    if (!own.dryRun) await session.service.remove(target.space, target.file.name);
    done.deleted.push(url);
    print(`delete: ${url}`);
  }
  return done;
}

async function syncDown(
  context: CommandContext<SyncOptions>,
  session: Session,
  localRoot: string,
  root: DeltaSpace,
): Promise<Done> {
  const { own, global } = context;
  const remote = await listRemoteTree(session.storage, session.log, root);
  // A mistyped prefix would otherwise read as "delete everything" with --delete.
  if (remote.length === 0) {
    throw new NotFoundError(
      `Nothing to sync from: no files under ${formatSpace(root)}`,
      'Check the bucket and prefix; "deltaglider ls" shows what is there',
    );
  }
  const exists = await stat(localRoot).then(
    () => true,
    () => false,
  );
  const localFiles = exists ? await listLocalTree(localRoot, session.log) : [];
  const dest = localEntries(localFiles);
  const plan = await planSync(remote.map(remoteEntry), dest, planOptions(own, global.concurrency));
  if (own.delete) await confirmDeletes(context, plan);
  const print = reporter(context, session);
  const byPath = new Map(remote.map((r) => [r.path, r]));
  const done: Done = { copied: [], deleted: [], unchanged: plan.unchanged };
  if (!own.dryRun) await mkdir(localRoot, { recursive: true });
  await mapLimit(plan.copy, global.concurrency, async ({ entry, reason }) => {
    const source = byPath.get(entry.path)!;
    const to = join(localRoot, ...entry.path.split('/'));
    const from = formatS3Url(source.space.bucket, source.file.key);
    if (!own.dryRun) {
      // A folder inside LOCAL_DIR that links elsewhere must not receive the file, nor
      // the folders below it: check the deepest existing one before creating any.
      if (!(await insideRoot(localRoot, await deepestExisting(dirname(to))))) {
        throw new InputError(
          `${dirname(to)} leads outside ${localRoot} (a link)`,
          'Nothing more was written. Remove the link, or sync into another directory',
        );
      }
      await mkdir(dirname(to), { recursive: true });
      await session.service.downloadTo(source.space, source.file.name, to, { overwrite: true });
    }
    done.copied.push({ from, to, reason });
    print(`download: ${from} -> ${to}`);
  });
  const absolute = new Map(localFiles.map((f) => [f.path, f.absolute]));
  for (const entry of plan.delete) {
    const path = absolute.get(entry.path)!;
    if (!own.dryRun) await rm(path, { force: true });
    done.deleted.push(path);
    print(`delete: ${path}`);
  }
  return done;
}

/** Local files as sync entries, hashed only when a recorded sha256 must be matched. */
function localEntries(files: readonly LocalFile[]): SyncEntry[] {
  const hasher = new Sha256Hasher();
  return files.map((f) => ({
    path: f.path,
    size: f.size,
    hash: () => hasher.sha256File(f.absolute),
  }));
}

function planOptions(own: SyncOptions, concurrency: number) {
  return { delete: own.delete, filter: compileFilters(own.filters), concurrency };
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

/** On a terminal without --yes, asks before deleting anything. */
async function confirmDeletes(context: CommandContext<SyncOptions>, plan: SyncPlan): Promise<void> {
  const { own, io } = context;
  if (own.yes || own.dryRun || plan.delete.length === 0) return;
  const answer = await ask(
    io,
    `Delete ${plan.delete.length} file(s) the source does not have? [y/N] `,
  );
  if (!/^y(es)?$/i.test(answer.trim()))
    throw new InputError('Nothing was changed: deletion not confirmed');
}

export async function ask(io: Io, question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    io.err('');
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}
