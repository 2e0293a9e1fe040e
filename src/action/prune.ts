import { createS3Storage } from '../adapters/s3/s3-storage.js';
import { formatSpace, spaceFromPrefixUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import { formatBytes, plural } from '../core/format.js';
import { Pruner } from '../core/lifecycle/prune.js';
import { pruneRule } from '../core/lifecycle/prune-plan.js';
import { pruneTotals, referenceNotes, removedUrls } from '../core/lifecycle/prune-report.js';
import { selectSpaces } from '../core/lifecycle/shard.js';
import type { Engine } from '../engine.js';
import type { CommandReport } from './commands.js';
import { storageOptions, type ActionInputs } from './inputs.js';
import { actionsLogger, actionsOutput } from './logger.js';

/**
 * `command: prune`: removes old versions per file family from the s3-url DeltaSpace
 * (`keep-last` or `older-than`), then the references no delta left needs; with
 * `dry-run`, only says what would go. Each step of the run prints in one log group.
 * Outputs: `files` and `references` (removed), `stored-bytes` (freed).
 */
export async function runPrune(engine: Engine, inputs: ActionInputs): Promise<CommandReport> {
  const rule = pruneRule(inputs.keepLast, inputs.olderThan, (s) => `input ${s}`);
  if (!inputs.s3Url.isPrefix) {
    throw new InputError(
      'For prune, s3-url must name a DeltaSpace ending with "/"',
      'Set it to s3://bucket/prefix/',
    );
  }
  const root = spaceFromPrefixUrl(inputs.s3Url);
  const storage = createS3Storage(storageOptions(inputs));
  try {
    const spaces = await selectSpaces(storage, [root], { recursive: false });
    const pruner = new Pruner({
      storage,
      log: actionsLogger,
      concurrency: inputs.concurrency,
      onEvent: (event) => {
        if (event.kind === 'checking-references')
          actionsOutput.info(`Reading which references ${event.deltas} delta(s) need`);
      },
    });
    actionsOutput.startGroup(`Pruning ${formatSpace(root)}${inputs.dryRun ? ' (dry run)' : ''}`);
    const results = await pruner
      .prune(spaces, { rule, dryRun: inputs.dryRun, now: new Date() })
      .finally(() => actionsOutput.endGroup());
    const totals = pruneTotals(results);
    const verb = inputs.dryRun ? 'would remove' : 'removed';
    const summary = `${formatSpace(root)}: ${verb} ${plural(totals.removedFiles, 'file')} and ${plural(totals.removedReferences, 'reference')} (${formatBytes(totals.freedBytes)}), kept ${plural(totals.keptFiles, 'file')}`;
    actionsLogger.info(summary);
    const rows = results.flatMap((r) =>
      removedUrls(r).map(({ url, reference }) => [url, reference ? 'reference' : 'file']),
    );
    return {
      title: inputs.dryRun ? 'DeltaGlider prune (dry run)' : 'DeltaGlider prune',
      location: { label: 'DeltaSpace', url: formatSpace(root) },
      outputs: {
        files: totals.removedFiles,
        references: totals.removedReferences,
        'stored-bytes': totals.freedBytes,
      },
      table: { headers: [inputs.dryRun ? 'Would remove' : 'Removed', 'What'], rows },
      notes: [summary, ...referenceNotes(results, inputs.dryRun)],
    };
  } finally {
    storage.close();
  }
}
