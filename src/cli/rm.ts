import { formatSpace, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import type { RemoveResult } from '../core/remover.js';
import { formatS3Url, parseS3Url } from '../core/s3-url.js';
import { remove, removeWhole } from '../app/rm.js';
import type { DeltaSpace } from '../core/models.js';
import { defineCommand, withSession, type CommandContext } from './command.js';
import { printJson, terminalText } from './output.js';

interface RmOptions {
  dryRun: boolean;
  recursive: boolean;
}

export const rmCommand = defineCommand<RmOptions>({
  name: 'rm',
  summary: 'remove files from a DeltaSpace (and its reference once no delta needs it)',
  usage: [
    'deltaglider rm [--dryrun] [options] s3://BUCKET/PREFIX/NAME...',
    'deltaglider rm -r [--dryrun] [options] s3://BUCKET/PREFIX/',
  ],
  description: `Removes each named file: the object <NAME> and/or <NAME>.delta. When no .delta is
left directly in that DeltaSpace, its reference.bin is removed too (prefixes below
it, and siblings such as releases/app2 next to releases/app, are other DeltaSpaces
and are not looked at). Do not run it while an upload into the same DeltaSpace is in
progress.

With -r, removes whole DeltaSpaces: every object directly under each prefix and its
references (reference.bin, .dg-refs/), references last. DeltaSpaces below it stay.`,
  options: {
    dryrun: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    recursive: { type: 'boolean', short: 'r' },
  },
  optionsHelp: `  --dryrun, --dry-run   print what would be deleted, delete nothing
  -r, --recursive       remove each named DeltaSpace whole, references included`,
  readOwn: (values) => ({
    dryRun: values.dryrun === true || values['dry-run'] === true,
    recursive: values.recursive === true,
  }),
  positionals: { min: 1, max: Number.POSITIVE_INFINITY, what: 'one or more s3:// file URLs' },
  examples: [
    'deltaglider rm s3://releases/app/app-1.0.0.zip',
    'deltaglider rm --dryrun s3://releases/app/app-1.0.0.zip s3://releases/app/app-1.1.0.zip',
    'deltaglider rm -r --dryrun s3://releases/app/',
  ],
  async run(context) {
    if (context.own.recursive) return removeSpaces(context);
    const { dryRun } = context.own;
    const targets = context.positionals.map((arg) => {
      const url = parseS3Url(arg);
      if (url.isPrefix) {
        throw new InputError(
          `rm removes files, and ${arg} names a DeltaSpace`,
          `Name each file (list them with "deltaglider ls ${formatSpace(spaceFromPrefixUrl(url))}"), or add -r to remove the whole DeltaSpace`,
        );
      }
      return splitObjectUrl(url);
    });
    const { io, global } = context;
    const removed: { bucket: string; result: RemoveResult }[] = [];
    await withSession(context, async ({ app, progress }) => {
      for (const { space, name } of targets) {
        const result = await remove(app, { space, name, dryRun });
        removed.push({ bucket: space.bucket, result });
        if (global.json) continue;
        // Printed as they go: when a later file fails, the deletions already done are known.
        progress.clear();
        for (const key of result.deleted) {
          io.out(
            `${dryRun ? '(dryrun) ' : ''}delete: ${terminalText(formatS3Url(space.bucket, key))}\n`,
          );
        }
      }
    });
    if (global.json) {
      printJson(io, {
        'dry-run': dryRun,
        results: removed.map(({ bucket, result }) => ({
          name: result.name,
          deleted: result.deleted.map((key) => formatS3Url(bucket, key)),
          'reference-removed': result.referenceRemoved,
        })),
      });
    }
    return 0;
  },
});

/** `rm -r`: whole DeltaSpaces, each printed as it goes. */
async function removeSpaces(context: CommandContext<RmOptions>): Promise<number> {
  const { io, global, own } = context;
  const spaces = context.positionals.map((arg) => spaceFromPrefixUrl(parseS3Url(arg)));
  const removed: { space: DeltaSpace; deleted: string[] }[] = [];
  await withSession(context, async ({ app, progress }) => {
    for (const space of spaces) {
      const { deleted } = await removeWhole(app, { space, dryRun: own.dryRun });
      removed.push({ space, deleted });
      if (global.json) continue;
      progress.clear();
      for (const key of deleted) {
        io.out(
          `${own.dryRun ? '(dryrun) ' : ''}delete: ${terminalText(formatS3Url(space.bucket, key))}\n`,
        );
      }
    }
  });
  if (global.json) {
    printJson(io, {
      'dry-run': own.dryRun,
      results: removed.map(({ space, deleted }) => ({
        'delta-space-url': formatSpace(space),
        deleted: deleted.map((key) => formatS3Url(space.bucket, key)),
      })),
    });
  }
  return 0;
}
