import { prune } from '../app/prune.js';
import { spacesUnder } from '../app/spaces.js';
import { formatSpace, spaceFromPrefixUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import { formatBytes, plural } from '../core/format.js';
import type { PruneEvent, SpacePruneResult } from '../core/lifecycle/prune.js';
import { parseDuration, pruneRule, type PruneRule } from '../core/lifecycle/prune-plan.js';
import {
  pruneJson,
  pruneTotals,
  referenceNotes,
  removedUrls,
  uncertainLines,
  uncertainNote,
} from '../core/lifecycle/prune-report.js';
import { emptyShardNote, parseShard, type Shard } from '../core/lifecycle/shard.js';
import { formatS3Url, parseS3Url } from '../core/s3-url.js';
import { defineCommand, withSession, type CommandContext } from './command.js';
import { printJson, terminalText } from './output.js';
import type { Session } from './session.js';
import { ask } from './sync.js';

interface PruneCliOptions {
  /** Checked in run, so that `prune --help` answers without them. */
  keepLast?: string;
  olderThan?: string;
  dryRun: boolean;
  yes: boolean;
  recursive: boolean;
  shard?: Shard;
  graceSeconds?: number;
}

export const pruneCommand = defineCommand<PruneCliOptions>({
  name: 'prune',
  summary: 'remove old versions per file family, then the references no delta needs',
  usage: [
    'deltaglider prune (--keep-last N | --older-than DURATION) [options] s3://BUCKET/PREFIX/...',
  ],
  description: `Groups the files of each DeltaSpace into families (the name with its version
numbers taken out, as smart references do: app-1.2.0-linux.zip and app-1.3.0-linux.zip
are one family, app-1.3.0-mac.zip another), orders each family by release (version
numbers, then LastModified) and removes the older ones: all but the newest N with
--keep-last N, those last modified more than DURATION ago with --older-than (never a
family's newest). Then removes the references (reference.bin, .dg-refs/<id>/) that no
delta left needs. A reference younger than --reference-grace stays.

Safe against an upload running at the same time: after deleting references it lists
the deltas again and puts back any reference a delta written meanwhile needs (see
docs/cli.md). Without a terminal to confirm on, deleting needs --yes.`,
  options: {
    'keep-last': { type: 'string' },
    'older-than': { type: 'string' },
    dryrun: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    recursive: { type: 'boolean', short: 'r' },
    shard: { type: 'string' },
    'reference-grace': { type: 'string' },
  },
  optionsHelp: `  --keep-last N         keep the newest N releases of each file family
  --older-than DURATION remove releases older than this (30d, 12h, 90m, 2w)
  --dryrun, --dry-run   print what would be removed and the bytes freed
  -y, --yes             delete without asking (required without a terminal)
  -r, --recursive       every DeltaSpace at or below each prefix
  --shard I/N           only the DeltaSpaces of shard I of N (a matrix of N jobs)
  --reference-grace DURATION
                        keep references younger than this, and delete one marked
                        to retire only once marked this long (default 1h; 0s: mark
                        and delete in one run)`,
  readOwn: (values) => ({
    keepLast: optionalString(values['keep-last']),
    olderThan: optionalString(values['older-than']),
    dryRun: values.dryrun === true || values['dry-run'] === true,
    yes: values.yes === true,
    recursive: values.recursive === true,
    shard: typeof values.shard === 'string' ? parseShard(values.shard) : undefined,
    graceSeconds:
      typeof values['reference-grace'] === 'string'
        ? parseDuration(values['reference-grace'], '--reference-grace', 0)
        : undefined,
  }),
  positionals: { min: 1, max: Number.POSITIVE_INFINITY, what: 'one or more s3:// prefixes' },
  examples: [
    'deltaglider prune --keep-last 5 --dryrun s3://releases/app/',
    'deltaglider prune --older-than 90d --yes -r s3://nightly/',
    'deltaglider prune --keep-last 10 --yes -r --shard 2/4 s3://releases/',
  ],
  async run(context) {
    const { own, io } = context;
    const rule = pruneRule(own.keepLast, own.olderThan);
    const roots = context.positionals.map((arg) => {
      const url = parseS3Url(arg);
      if (!url.isPrefix) {
        throw new InputError(
          `prune works on DeltaSpaces, and ${arg} names a file`,
          'Give the DeltaSpace URL, ending with "/"; "deltaglider rm" removes one file',
        );
      }
      return spaceFromPrefixUrl(url);
    });
    if (!own.yes && !own.dryRun && !io.stdinIsTty) {
      throw new InputError(
        'prune deletes objects: it needs --yes in a non-interactive run',
        'Add --yes, or try it first with --dryrun',
      );
    }
    await withSession(context, async (session) => {
      const spaces = await spacesUnder(session.app, roots, own);
      if (spaces.length === 0) {
        io.err(`deltaglider: ${emptyShardNote(own.shard!, roots)}\n`);
        return;
      }
      if (!own.yes && !own.dryRun) {
        const answer = await ask(
          io,
          `Prune ${plural(spaces.length, 'DeltaSpace')} (${describeRule(rule)})? [y/N] `,
        );
        if (!/^y(es)?$/i.test(answer.trim()))
          throw new InputError('Nothing was changed: prune not confirmed');
      }
      const results: SpacePruneResult[] = [];
      for (const space of spaces) {
        const [result] = await prune(session.app, {
          spaces: [space],
          onEvent: (event) => showProgress(context, session, event),
          rule,
          dryRun: own.dryRun,
          now: new Date(),
          referenceGraceSeconds: own.graceSeconds,
        });
        results.push(result!);
        if (own.dryRun) printDryRun(context, session, result!);
        printUncertain(context, session, result!);
      }
      summarize(context, results);
    });
    return 0;
  },
});

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function describeRule(rule: PruneRule): string {
  return rule.kind === 'keep-last'
    ? `keeping the last ${rule.count} of each file family`
    : `removing releases older than ${rule.seconds} s`;
}

/**
 * Progress: a status line on a terminal, and in a real run one line per object as it is
 * deleted, marked to retire or revived, so a long run shows its work in a log too.
 */
function showProgress(
  context: CommandContext<PruneCliOptions>,
  session: Session,
  event: PruneEvent,
): void {
  const where = formatSpace(event.space);
  if (event.kind === 'space') {
    session.progress.update(`[${event.index + 1}/${event.total}] pruning ${where}`);
    return;
  }
  if (event.kind === 'checking-references') {
    session.progress.update(`${where}: reading which references ${event.deltas} delta(s) need`);
    return;
  }
  session.progress.update(
    event.kind === 'deleted' ? `${where}: deleted ${event.done}/${event.total}` : where,
  );
  if (context.global.json) return;
  session.progress.clear();
  const url = terminalText(formatS3Url(event.space.bucket, event.key));
  const verb = { deleted: 'delete', marked: 'retire', revived: 'revive' }[event.kind];
  context.io.out(`${verb}: ${url}\n`);
}

/** A dry run deletes nothing: what would go is printed as each space is planned. */
function printDryRun(
  context: CommandContext<PruneCliOptions>,
  session: Session,
  result: SpacePruneResult,
): void {
  if (context.global.json) return;
  session.progress.clear();
  for (const { url } of removedUrls(result))
    context.io.out(`(dryrun) delete: ${terminalText(url)}\n`);
}

/** The files kept because their release order is unknown, each with the reason. */
function printUncertain(
  context: CommandContext<PruneCliOptions>,
  session: Session,
  result: SpacePruneResult,
): void {
  if (context.global.json || result.uncertainFiles.length === 0) return;
  session.progress.clear();
  for (const line of uncertainLines(result)) context.io.out(`${terminalText(line)}\n`);
}

function summarize(
  context: CommandContext<PruneCliOptions>,
  results: readonly SpacePruneResult[],
): void {
  const { io, global, own } = context;
  if (global.json) {
    printJson(io, pruneJson(results, own.dryRun));
    return;
  }
  const t = pruneTotals(results);
  const freed = own.dryRun ? 'would free' : 'freed';
  io.out(
    `${own.dryRun ? '(dryrun) ' : ''}prune: ${plural(t.removedFiles, 'file')} and ${plural(t.removedReferences, 'reference')} removed from ${plural(t.spaces, 'DeltaSpace')}, ${plural(t.keptFiles, 'file')} kept${uncertainNote(t.uncertainFiles)}; ${freed} ${formatBytes(t.freedBytes)}\n`,
  );
  for (const note of referenceNotes(results, own.dryRun)) io.out(`${terminalText(note)}\n`);
}
