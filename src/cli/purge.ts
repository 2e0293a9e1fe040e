import { InputError } from '../core/errors.js';
import { purge } from '../app/purge.js';
import { formatS3Url, parseS3Url } from '../core/s3-url.js';
import { defineCommand, withSession } from './command.js';
import { printJson, terminalText } from './output.js';

interface PurgeOptions {
  dryRun: boolean;
  max?: number;
}

// `deltaglider purge`: the reference CLI's command of the same name, same objects, same
// rule; its --json fields are this CLI's kebab-case ones.
export const purgeCommand = defineCommand<PurgeOptions>({
  name: 'purge',
  summary: 'remove expired rehydrated copies (.deltaglider/tmp/) from a bucket',
  usage: ['deltaglider purge [--dry-run] [options] s3://BUCKET[/]'],
  description: `Removes the objects under .deltaglider/tmp/ of the bucket whose dg-expires-at
metadata has passed: the whole copies of deltas that presigned download links point
to (written by the action's presign input or the DeltaGlider CLI). Objects there
without dg-expires-at are kept. Only the bucket of the URL is used. Each copy is
read (HEAD) to learn when it expires; --max bounds how many one run looks at.`,
  options: {
    dryrun: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    max: { type: 'string' },
  },
  optionsHelp: `  --dryrun, --dry-run   print what would be deleted, delete nothing
  --max N               look at N copies at most (a later run goes on)`,
  readOwn: (values) => ({
    dryRun: values.dryrun === true || values['dry-run'] === true,
    max: readMax(values.max),
  }),
  positionals: { min: 1, max: 1, what: 'one s3:// bucket URL' },
  examples: [
    'deltaglider purge s3://releases/',
    'deltaglider purge --dry-run --json s3://releases',
  ],
  async run(context) {
    const { bucket } = parseS3Url(context.positionals[0]!);
    const { dryRun, max } = context.own;
    const report = await withSession(context, ({ app, progress }) =>
      purge(app, bucket, {
        dryRun,
        maxObjects: max,
        onProgress: (examined, expired) =>
          progress.update(`${examined} copies examined, ${expired} expired`),
      }),
    );
    const bytes = report.expired.reduce((sum, e) => sum + e.size, 0);
    if (context.global.json) {
      printJson(context.io, {
        bucket,
        prefix: report.prefix,
        'dry-run': dryRun,
        deleted: report.expired.map((e) => ({
          key: e.key,
          size: e.size,
          'expires-at': e.expiresAt,
        })),
        'deleted-bytes': bytes,
        kept: report.kept,
      });
      return 0;
    }
    for (const e of report.expired) {
      const url = terminalText(formatS3Url(bucket, e.key));
      context.io.out(
        `${dryRun ? '(dryrun) ' : ''}delete: ${url} (expired ${terminalText(e.expiresAt)})\n`,
      );
    }
    context.io.out(
      `${dryRun ? 'Would remove' : 'Removed'} ${report.expired.length} expired copies (${bytes} bytes); kept ${report.kept}\n`,
    );
    return 0;
  },
});

function readMax(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < 1) {
    throw new InputError(`--max must be a whole number of at least 1, got "${String(raw)}"`);
  }
  return value;
}
