import * as core from '@actions/core';
import type { App } from '../app/create-app.js';
import { sync } from '../app/sync.js';
import { formatSpace } from '../core/delta-space.js';
import { plural } from '../core/format.js';
import type { SyncOutcome } from '../core/lifecycle/sync-run.js';
import type { DeltaSpace } from '../core/models.js';
import { fileRecord, filesJson } from '../core/report.js';
import { escapeLogLine } from '../core/text-safety.js';
import { requireSpace } from './commands.js';
import type { CommandReport } from './report.js';
import type { ActionInputs } from './inputs.js';
import { CountProgress, inGroup } from './progress.js';

/**
 * `command: sync`: makes the s3-url tree match the directory `path` (direction upload),
 * or the directory match the tree (download). Copies only what differs; with `delete`,
 * removes what the source does not have. Outputs: files (copied), deleted, unchanged,
 * and the sizes of what was copied.
 */
export async function runSyncCommand(app: App, inputs: ActionInputs): Promise<CommandReport> {
  const root = requireSpace(inputs.s3Url, 'sync');
  const { direction, filters } = inputs.lifecycle;
  const { dryRun } = inputs;
  const local = inputs.paths[0] ?? process.env.GITHUB_WORKSPACE ?? process.cwd();
  const location = formatSpace(root);
  let progress: CountProgress | undefined;
  const outcome = await sync(app, {
    local,
    direction: direction === 'upload' ? 'up' : 'down',
    root,
    delete: inputs.lifecycle.delete,
    dryRun,
    filters,
    concurrency: inputs.concurrency,
    overwrite: inputs.overwrite,
    confirm: async (plan) => {
      const changes = plan.copy.length + plan.delete.length;
      core.info(
        `${dryRun ? '(dry run) ' : ''}sync ${direction === 'upload' ? `${local} -> ${location}` : `${location} -> ${local}`}: ` +
          `${plural(plan.copy.length, 'file')} to copy, ${plan.delete.length} to delete, ${plan.unchanged} unchanged`,
      );
      progress = new CountProgress(core, 'sync', changes);
    },
    // Deletions log one line per object: in a group of their own.
    deletePhase: (count, work) =>
      inGroup(core, `${dryRun ? '(dry run) ' : ''}Deleting ${plural(count, 'file')}`, work),
    onAction: ({ kind, from, to }) => {
      progress?.step();
      // Each copy has its own log group (its upload or download); say the rest here.
      if (dryRun || kind === 'delete')
        core.info(
          escapeLogLine(`${dryRun ? '(dry run) ' : ''}${kind}: ${from ? `${from} -> ` : ''}${to}`),
        );
    },
  });
  progress?.finish();
  return syncReport(root, outcome, dryRun);
}

function syncReport(root: DeltaSpace, outcome: SyncOutcome, dryRun: boolean): CommandReport {
  const location = formatSpace(root);
  // Each result's DeltaSpace is the folder of its key (a sync spans a tree of them).
  const records = outcome.results.map((r) =>
    fileRecord(
      { bucket: root.bucket, prefix: r.key.slice(0, Math.max(0, r.key.lastIndexOf('/'))) },
      r,
    ),
  );
  const { results, ...totalOutputs } = filesJson(records);
  const rows = [
    ...outcome.copied.map((c) => [c.from, c.to, c.reason]),
    ...outcome.deleted.map((d) => ['–', d, 'deleted']),
  ];
  const notes = [
    `${dryRun ? 'Dry run, nothing changed: would copy' : 'Copied'} ${plural(outcome.copied.length, 'file')}, ` +
      `${dryRun ? 'would delete' : 'deleted'} ${outcome.deleted.length}, ${outcome.unchanged} unchanged`,
  ];
  return {
    title: `DeltaGlider sync${dryRun ? ' (dry run)' : ''}`,
    location: { label: 'DeltaSpace', url: location },
    outputs: {
      ...totalOutputs,
      files: outcome.copied.length,
      deleted: outcome.deleted.length,
      unchanged: outcome.unchanged,
      results: JSON.stringify(results),
      'delta-space-url': location,
    },
    table: { headers: ['From', 'To', 'Why'], rows },
    notes,
  };
}
