import * as core from '@actions/core';
import type { App } from '../app/create-app.js';
import { migrate, planMigrate, predictMigrate, previewMigrate } from '../app/migrate.js';
import { formatSpace } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import { formatBytes, plural, savedPercent, sizeCells } from '../core/format.js';
import type { MigrationItem } from '../core/lifecycle/migration-plan.js';
import type { Prediction } from '../core/lifecycle/predict.js';
import type { MigrationOutcome } from '../core/lifecycle/migrator.js';
import { SKIP_WORDS, type SkipReason } from '../core/lifecycle/source-version.js';
import { totalsOf } from '../core/models.js';
import { fileRecord, filesJson } from '../core/report.js';
import { formatS3Url } from '../core/s3-url.js';
import { escapeLogLine } from '../core/text-safety.js';
import { requireSpace } from './commands.js';
import type { CommandReport } from './report.js';
import type { ActionInputs } from './inputs.js';
import { CountProgress } from './progress.js';

/**
 * `command: migrate`: stores the plain objects under `source-url` in the s3-url
 * DeltaSpace, in the order of release, each read back and verified; with
 * `delete-source`, each source object goes once its copy verified. A re-run skips what
 * is there already. With `dry-run`, lists what would be migrated and writes nothing.
 */
export async function runMigrate(app: App, inputs: ActionInputs): Promise<CommandReport> {
  const dest = requireSpace(inputs.s3Url, 'migrate');
  const { sourceUrl, deleteSource } = inputs.lifecycle;
  const { dryRun } = inputs;
  if (!sourceUrl?.isPrefix) {
    throw new InputError(
      `For migrate, source-url must name a prefix ending with "/" (got ${sourceUrl ? formatS3Url(sourceUrl.bucket, sourceUrl.key) : 'nothing'})`,
      'Name the folder that holds the plain objects, e.g. s3://bucket/old-releases/',
    );
  }
  const source = { bucket: sourceUrl.bucket, prefix: sourceUrl.key };
  const sourceBucket = source.bucket;
  const items = await planMigrate(app, source, dest);
  core.info(
    `${dryRun ? '(dry run) ' : ''}migrate ${formatS3Url(source.bucket, source.prefix)} -> ${formatSpace(dest)}: ${plural(items.length, 'object')}`,
  );
  if (dryRun) {
    const { samples } = inputs.lifecycle;
    const prediction =
      samples > 0
        ? await predictMigrate(app, items, { sourceBucket: source.bucket, samples })
        : undefined;
    return await preview(app, source.bucket, items, formatSpace(dest), prediction);
  }
  const progress = new CountProgress(core, 'migrate', items.length);
  const outcomes = await migrate(app, items, {
    deleteSource,
    sourceBucket,
    onDone: (outcome) => {
      progress.step();
      if (outcome.kind === 'already-there')
        core.info(escapeLogLine(`${outcome.result.name}: already migrated`));
      // A source left in place needs the user: an annotation on the run.
      const { source, item } = outcome;
      if (source.kind === 'skipped')
        core.warning(
          escapeLogLine(
            `delete-source kept ${formatS3Url(sourceBucket, item.key)}: ${SKIP_WORDS[source.reason]} (${SKIP_ADVICE[source.reason]})`,
          ),
        );
    },
  });
  progress.finish();
  return migrateReport(source.bucket, formatSpace(dest), outcomes);
}

function migrateReport(
  sourceBucket: string,
  location: string,
  outcomes: readonly MigrationOutcome[],
): CommandReport {
  const records = outcomes.map((o) => fileRecord(o.item.space, o.result));
  const totals = totalsOf(records);
  const { results, ...totalOutputs } = filesJson(records);
  const already = outcomes.filter((o) => o.kind === 'already-there').length;
  const rows = outcomes.map((o, i) => [
    formatS3Url(sourceBucket, o.item.key),
    o.kind === 'already-there' ? 'already there' : records[i]!.kind,
    ...sizeCells(o.result.originalBytes, o.result.storedBytes),
  ]);
  const kept = outcomes.flatMap(({ item, source }) =>
    source.kind === 'skipped' ? [{ url: formatS3Url(sourceBucket, item.key), ...source }] : [],
  );
  const notes = [
    `${plural(outcomes.length, 'object')} (${already} already there): ${formatBytes(totals.originalBytes)} stored as ${formatBytes(totals.storedBytes)}` +
      (outcomes.some((o) => o.source.kind === 'deleted')
        ? '; source objects deleted once verified'
        : ''),
    // Each also has its warning annotation; the summary names a few.
    ...kept
      .slice(0, SHOWN_KEPT)
      .map((k) => `Kept ${k.url}: ${SKIP_WORDS[k.reason]} (${SKIP_ADVICE[k.reason]})`),
    ...(kept.length > SHOWN_KEPT
      ? [`And ${plural(kept.length - SHOWN_KEPT, 'more source')} kept`]
      : []),
  ];
  return {
    title: 'DeltaGlider migrate',
    location: { label: 'DeltaSpace', url: location },
    outputs: {
      ...totalOutputs,
      unchanged: already,
      'sources-kept': kept.length,
      results: JSON.stringify(results),
      'delta-space-url': location,
    },
    table: { headers: ['Source', 'Kind', 'Original', 'Stored', 'Saved'], rows },
    notes,
  };
}

/** Sources left in place that the summary names one by one. */
const SHOWN_KEPT = 10;

/** What to do about a source delete-source left in place. */
const SKIP_ADVICE: Record<SkipReason, string> = {
  changed: 'run the step again to move the new version',
  gone: 'nothing to do: its copy is in the DeltaSpace',
  'version-unknown': 'delete it with another S3 tool once you have checked it',
};

/**
 * dry-run: each object in order, where it would go, and whether it seems there already;
 * the stored size predicted from a few objects per DeltaSpace really delta-encoded.
 */
async function preview(
  app: App,
  sourceBucket: string,
  items: readonly MigrationItem[],
  location: string,
  prediction: Prediction | undefined,
): Promise<CommandReport> {
  const rows = await previewMigrate(app, sourceBucket, items);
  for (const r of rows) {
    core.info(
      escapeLogLine(
        `(dry run) migrate: ${r.source} -> ${r.url} (${formatBytes(r.bytes)}${r.likelyThere ? ', likely migrated already' : ''})`,
      ),
    );
  }
  const bytes = rows.reduce((sum, r) => sum + r.bytes, 0);
  return {
    title: 'DeltaGlider migrate (dry run)',
    location: { label: 'DeltaSpace', url: location },
    outputs: {
      files: rows.length,
      'original-bytes': bytes,
      unchanged: rows.filter((r) => r.likelyThere).length,
      ...(prediction && { 'predicted-bytes': prediction.predictedBytes }),
      'delta-space-url': location,
    },
    table: {
      headers: ['Source', 'Destination', 'Size', 'Note'],
      rows: rows.map((r) => [
        r.source,
        r.url,
        formatBytes(r.bytes),
        r.likelyThere ? 'likely migrated already' : 'would migrate',
      ]),
    },
    notes: [
      `Dry run, nothing written: ${plural(rows.length, 'object')}, ${formatBytes(bytes)}`,
      prediction
        ? `Predicted: stored as about ${formatBytes(prediction.predictedBytes)}, ${savedPercent(prediction.originalBytes, prediction.predictedBytes)} saved (${plural(prediction.sampled, 'object')} sampled)`
        : 'No prediction of the stored size (sample: 0)',
    ],
  };
}
