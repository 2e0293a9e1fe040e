import { migrate, planMigrate, predictMigrate, previewMigrate } from '../app/migrate.js';
import { DEFAULT_PREDICTION_SAMPLES } from '../core/lifecycle/predict.js';
import { directKey, spaceFromPrefixUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import { formatBytes, plural, savedPercent } from '../core/format.js';
import type { MigrationItem } from '../core/lifecycle/migration-plan.js';
import type { MigrationOutcome } from '../core/lifecycle/migrator.js';
import { SKIP_WORDS, type SkipReason } from '../core/lifecycle/source-version.js';
import { inShard, parseShard, type Shard } from '../core/lifecycle/shard.js';
import { totalsOf } from '../core/models.js';
import { fileJson, fileRecord, totalsJson } from '../core/report.js';
import { formatS3Url, parseS3Url } from '../core/s3-url.js';
import { defineCommand, withSession, type CommandContext } from './command.js';
import { printJson, terminalText } from './output.js';
import type { Session } from './session.js';

interface MigrateOptions {
  dryRun: boolean;
  deleteSource: boolean;
  /** Objects per DeltaSpace delta-encoded for a dry run's prediction (0: none). */
  samples: number;
  shard?: Shard;
}

export const migrateCommand = defineCommand<MigrateOptions>({
  name: 'migrate',
  summary: 'compress plain S3 objects into a DeltaSpace, S3 to S3',
  usage: [
    'deltaglider migrate [--dryrun] [--delete-source] [options] s3://BUCKET/SRC_PREFIX/ s3://BUCKET/DEST_PREFIX/',
  ],
  description: `Stores the objects under SRC_PREFIX in the DeltaSpace DEST_PREFIX, keeping their layout
(SRC_PREFIX/lib/x.zip -> DEST_PREFIX/lib/x.zip, a DeltaSpace of its own). Objects go
in the order of release: by the version numbers in their names (1.9 before 1.10),
then by LastModified, so each DeltaSpace's reference is its oldest release.

Each object passes through one scratch file: downloaded, stored as cp stores a
file, read back from the bucket and checked against its sha256. At most --concurrency
objects are on local disk at once. Objects already in the DeltaSpace with the same
sha256 are skipped, so a stopped migration finishes when run again.

With --delete-source, each source object is deleted once its copy has been read back
and verified; never before, and only if it is still the version copied (its ETag): one
overwritten meanwhile stays, with a line on stderr. Source objects are never changed
otherwise.`,
  options: {
    dryrun: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'delete-source': { type: 'boolean' },
    sample: { type: 'string' },
    shard: { type: 'string' },
  },
  optionsHelp: `  --dryrun, --dry-run   print what would be migrated, in order, and write nothing
  --delete-source       delete each source object after its migrated copy verified,
                        if it is still the version copied
  --sample N            dry run: objects per DeltaSpace delta-encoded to predict the
                        stored size (default ${DEFAULT_PREDICTION_SAMPLES}; 0: no prediction)
  --shard I/N           only the DeltaSpaces of shard I of N (a matrix of N jobs)`,
  readOwn: (values) => ({
    dryRun: values.dryrun === true || values['dry-run'] === true,
    deleteSource: values['delete-source'] === true,
    samples: readSamples(values.sample),
    shard: typeof values.shard === 'string' ? parseShard(values.shard) : undefined,
  }),
  positionals: { min: 2, max: 2, what: 'a source s3:// prefix and a destination s3:// DeltaSpace' },
  examples: [
    'deltaglider migrate --dryrun s3://old-releases/app/ s3://releases/app/',
    'deltaglider migrate --delete-source s3://releases/legacy/app/ s3://releases/app/',
  ],
  async run(context) {
    const [from, to] = context.positionals as [string, string];
    for (const url of [from, to]) {
      if (!url.startsWith('s3://')) {
        throw new InputError(
          `"${url}" is not an s3:// URL`,
          'migrate copies from S3 to S3: give two s3://bucket/prefix/ URLs',
        );
      }
    }
    const source = parseS3Url(from);
    const sourcePrefix =
      source.key === '' || source.key.endsWith('/') ? source.key : `${source.key}/`;
    const dest = spaceFromPrefixUrl(parseS3Url(to));
    await withSession(context, async (session) => {
      const { shard } = context.own;
      const planned = await planMigrate(
        session.app,
        { bucket: source.bucket, prefix: sourcePrefix },
        dest,
      );
      const items = shard ? planned.filter((item) => inShard(item.space, shard)) : planned;
      if (items.length === 0) {
        context.io.err(
          `deltaglider: shard ${shard!.index}/${shard!.count} holds no DeltaSpace of this migration\n`,
        );
        return;
      }
      if (context.own.dryRun) return dryRun(context, session, source.bucket, items);
      const outcomes = await migrate(session.app, items, {
        deleteSource: context.own.deleteSource,
        sourceBucket: source.bucket,
        onDone: (outcome, done, total) =>
          printOutcome(context, session, source.bucket, outcome, done, total),
      });
      summarize(context, source.bucket, outcomes);
    });
    return 0;
  },
});

function readSamples(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PREDICTION_SAMPLES;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(value) || value < 0 || value > 100) {
    throw new InputError(`--sample must be a whole number from 0 to 100, got "${String(raw)}"`);
  }
  return value;
}

function printOutcome(
  context: CommandContext<MigrateOptions>,
  session: Session,
  sourceBucket: string,
  { item, kind, result, source }: MigrationOutcome,
  done: number,
  total: number,
): void {
  session.progress.clear();
  const from = formatS3Url(sourceBucket, item.key);
  // A source left in place is said on stderr even with --json: it needs the user.
  if (source.kind === 'skipped') {
    context.io.err(
      `${terminalText(`migrate: kept ${from}: ${SKIP_WORDS[source.reason]} (${SKIP_ADVICE[source.reason]})`)}\n`,
    );
  }
  if (context.global.json) return;
  const to = formatS3Url(item.space.bucket, directKey(item.space, item.name));
  const what =
    kind === 'already-there'
      ? 'already migrated'
      : `${result.kind}: ${formatBytes(result.originalBytes)} stored as ${formatBytes(result.storedBytes)}`;
  const deleted =
    source.kind === 'deleted'
      ? ', source deleted'
      : source.kind === 'skipped'
        ? `, source kept: ${SKIP_WORDS[source.reason]}`
        : '';
  context.io.out(
    `${terminalText(`[${done}/${total}] migrate: ${from} -> ${to} (${what}${deleted})`)}\n`,
  );
}

/** What to do about a source --delete-source left in place. */
const SKIP_ADVICE: Record<SkipReason, string> = {
  changed: 'run migrate again to move the new version',
  gone: 'nothing to do: its copy is in the DeltaSpace',
  'version-unknown': 'delete it with another S3 tool once you have checked it',
};

function summarize(
  context: CommandContext<MigrateOptions>,
  sourceBucket: string,
  outcomes: MigrationOutcome[],
): void {
  const { io, global } = context;
  const results = outcomes.map((o) => o.result);
  const totals = totalsOf(results);
  if (global.json) {
    printJson(io, {
      'dry-run': false,
      ...totalsJson(totals),
      results: outcomes.map((o) => ({
        ...fileJson(fileRecord(o.item.space, o.result)),
        source: formatS3Url(sourceBucket, o.item.key),
        status: o.kind,
        'source-deleted': o.source.kind === 'deleted',
        ...(o.source.kind === 'skipped' ? { 'source-kept': o.source.reason } : {}),
      })),
    });
    return;
  }
  const already = outcomes.filter((o) => o.kind === 'already-there').length;
  const kept = outcomes.filter((o) => o.source.kind === 'skipped').length;
  io.out(
    `migrate: ${plural(outcomes.length, 'object')} (${already} already there): ${formatBytes(totals.originalBytes)} stored as ${formatBytes(totals.storedBytes)}, ${savedPercent(totals.originalBytes, totals.storedBytes)} saved` +
      `${kept > 0 ? `; ${plural(kept, 'source')} kept (see above)` : ''}\n`,
  );
}

/** What a run would do: each object in order, and those the destination holds already by size. */
async function dryRun(
  context: CommandContext<MigrateOptions>,
  session: Session,
  sourceBucket: string,
  items: readonly MigrationItem[],
): Promise<void> {
  const { io, global } = context;
  const rows = await previewMigrate(session.app, sourceBucket, items);
  const prediction =
    context.own.samples > 0
      ? await predictMigrate(session.app, items, { sourceBucket, samples: context.own.samples })
      : undefined;
  if (global.json) {
    printJson(io, {
      'dry-run': true,
      objects: rows.length,
      'original-bytes': rows.reduce((s, r) => s + r.bytes, 0),
      ...(prediction
        ? { 'predicted-bytes': prediction.predictedBytes, sampled: prediction.sampled }
        : {}),
      results: rows.map((r) => ({
        source: r.source,
        url: r.url,
        'original-bytes': r.bytes,
        'likely-migrated': r.likelyThere,
      })),
    });
    return;
  }
  for (const r of rows) {
    const note = r.likelyThere ? ', likely migrated already' : '';
    io.out(
      `${terminalText(`(dryrun) migrate: ${r.source} -> ${r.url} (${formatBytes(r.bytes)}${note})`)}\n`,
    );
  }
  const bytes = rows.reduce((s, r) => s + r.bytes, 0);
  io.out(`(dryrun) migrate: ${plural(rows.length, 'object')}, ${formatBytes(bytes)}\n`);
  if (prediction) {
    const { originalBytes, predictedBytes, sampled } = prediction;
    io.out(
      `(dryrun) predicted: ${formatBytes(originalBytes)} stored as about ${formatBytes(predictedBytes)}, ${savedPercent(originalBytes, predictedBytes)} saved (${plural(sampled, 'object')} sampled)\n`,
    );
  }
}
