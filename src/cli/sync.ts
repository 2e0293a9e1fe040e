import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { sync as syncTrees } from '../app/sync.js';
import { spaceFromPrefixUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import type { SyncAction, SyncOutcome } from '../core/lifecycle/sync-run.js';
import type { SyncFilter } from '../core/lifecycle/sync-filter.js';
import type { SyncPlan } from '../core/lifecycle/sync-plan.js';
import type { DeltaSpace } from '../core/models.js';
import { parseS3Url } from '../core/s3-url.js';
import type { Command } from './command.js';
import { defineCommand, withSession, type CommandContext } from './command.js';
import { printJson, terminalText, type Io } from './output.js';
import type { Session } from './session.js';

interface SyncOptions {
  delete: boolean;
  yes: boolean;
  dryRun: boolean;
  quiet: boolean;
  filters: SyncFilter[];
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
  const done = await withSession(context, (session) => sync(context, session, local, root, upload));
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
  return ({ kind, from, to }: SyncAction) => {
    if (own.quiet || global.json) return;
    session.progress.clear();
    const line = from === undefined ? `${kind}: ${to}` : `${kind}: ${from} -> ${to}`;
    io.out(`${terminalText(`${own.dryRun ? '(dryrun) ' : ''}${line}`)}\n`);
  };
}

function sync(
  context: CommandContext<SyncOptions>,
  session: Session,
  local: string,
  root: DeltaSpace,
  upload: boolean,
): Promise<SyncOutcome> {
  const { own, global } = context;
  return syncTrees(session.app, {
    local,
    direction: upload ? 'up' : 'down',
    root,
    delete: own.delete,
    dryRun: own.dryRun,
    filters: own.filters,
    concurrency: global.concurrency,
    confirm: own.delete ? (plan) => confirmDeletes(context, plan) : undefined,
    onAction: reporter(context, session),
  });
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
