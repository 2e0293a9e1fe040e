import type { App } from '../app/create-app.js';
import { prune } from '../app/prune.js';
import { spacesUnder } from '../app/spaces.js';
import { formatSpace, spaceFromPrefixUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import { formatBytes, plural } from '../core/format.js';
import { pruneRule } from '../core/lifecycle/prune-plan.js';
import {
  pruneTotals,
  referenceNotes,
  removedUrls,
  uncertainLines,
  uncertainNote,
} from '../core/lifecycle/prune-report.js';
import type { CommandReport } from './report.js';
import type { ActionInputs } from './inputs.js';
import { actionsLogger, actionsOutput } from './logger.js';

/** Files kept for an unknown order that the summary names (the step log has them all). */
const SHOWN_UNCERTAIN = 20;

/**
 * `command: prune`: removes old versions per file family from the s3-url DeltaSpace
 * (`keep-last` or `older-than`), then the references no delta left needs; with
 * `dry-run`, only says what would go. Each step of the run prints in one log group.
 * Outputs: `files` and `references` (removed), `stored-bytes` (freed).
 */
export async function runPrune(app: App, inputs: ActionInputs): Promise<CommandReport> {
  const rule = pruneRule(inputs.keepLast, inputs.olderThan, (s) => `input ${s}`);
  if (!inputs.s3Url.isPrefix) {
    throw new InputError(
      'For prune, s3-url must name a DeltaSpace ending with "/"',
      'Set it to s3://bucket/prefix/',
    );
  }
  const root = spaceFromPrefixUrl(inputs.s3Url);
  const spaces = await spacesUnder(app, [root], { recursive: false });
  actionsOutput.startGroup(`Pruning ${formatSpace(root)}${inputs.dryRun ? ' (dry run)' : ''}`);
  const results = await prune(app, {
    spaces,
    rule,
    dryRun: inputs.dryRun,
    now: new Date(),
    onEvent: (event) => {
      if (event.kind === 'checking-references')
        actionsOutput.info(`Reading which references ${event.deltas} delta(s) need`);
    },
  }).finally(() => actionsOutput.endGroup());
  const totals = pruneTotals(results);
  const verb = inputs.dryRun ? 'would remove' : 'removed';
  const summary = `${formatSpace(root)}: ${verb} ${plural(totals.removedFiles, 'file')} and ${plural(totals.removedReferences, 'reference')} (${formatBytes(totals.freedBytes)}), kept ${plural(totals.keptFiles, 'file')}${uncertainNote(totals.uncertainFiles)}`;
  const uncertain = results.flatMap(uncertainLines);
  for (const line of uncertain) actionsLogger.info(line);
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
    notes: [
      summary,
      ...uncertain.slice(0, SHOWN_UNCERTAIN),
      ...(uncertain.length > SHOWN_UNCERTAIN
        ? [
            `${uncertain.length - SHOWN_UNCERTAIN} more files kept for the same reason are in the step log`,
          ]
        : []),
      ...referenceNotes(results, inputs.dryRun),
    ],
  };
}
