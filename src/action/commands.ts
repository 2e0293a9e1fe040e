import * as core from '@actions/core';
import { formatSpace, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { InputError, IntegrityError } from '../core/errors.js';
import { totalsOf, type DeltaSpace, type LogicalFile } from '../core/models.js';
import type { S3Url } from '../core/s3-url.js';
import type { StatsReport, StorageTotals } from '../core/stats.js';
import type { VerifyResult } from '../core/verifier.js';
import type { Engine } from '../engine.js';
import { formatBytes, kindLabel } from './format.js';
import { actionsLogger, logError } from './logger.js';
import { writeTableSummary } from './summary.js';

// The read-only commands of the action: list, verify and stats. Each one logs, sets its
// outputs and (with `summary`) writes the job summary itself; verify then fails the step
// when a file did not rebuild to its sha256.

export interface CommandInputs {
  s3Url: S3Url;
  /** verify: logical names inside the s3-url DeltaSpace (none: every file). Unused otherwise. */
  paths: readonly string[];
  summary: boolean;
}

export interface ListOutcome {
  results: LogicalFile[];
  location: string;
}

export interface VerifyOutcome {
  results: VerifyResult[];
  location: string;
}

/** `list`: the logical files of a DeltaSpace with original and stored sizes. */
export async function runList(engine: Engine, inputs: CommandInputs): Promise<ListOutcome> {
  const space = requireSpace(inputs.s3Url, 'list');
  const location = formatSpace(space);
  const results = await engine.service.list(space);
  actionsLogger.info(`${location} holds ${results.length} file(s)`);
  for (const r of results) {
    actionsLogger.info(
      `${r.name}: ${kindLabel(r)}, ${formatBytes(r.originalBytes)} stored as ${formatBytes(r.storedBytes)}`,
    );
    if (r.problem) actionsLogger.warning(`${r.name}: ${r.problem}; downloads refuse it`);
  }
  const totals = totalsOf(results);
  setOutputs({
    files: totals.files,
    'original-bytes': totals.originalBytes,
    'stored-bytes': totals.storedBytes,
    'saved-bytes': totals.savedBytes,
    'savings-percent': totals.savingsPercent,
    results: JSON.stringify(results.map(resultJson)),
  });
  if (inputs.summary) {
    const rows = results.map((r) => [
      r.name,
      kindLabel(r),
      ...sizes(r.originalBytes, r.storedBytes),
    ]);
    rows.push([
      `Total (${plural(totals.files, 'file')})`,
      '–',
      ...sizes(totals.originalBytes, totals.storedBytes),
    ]);
    await writeSummary(
      'DeltaGlider list',
      location,
      ['File', 'Kind', 'Original', 'Stored', 'Saved'],
      rows,
      results.flatMap((r) =>
        r.problem ? [`⚠️ ${r.name}: ${r.problem}; downloads refuse it`] : [],
      ),
    );
  }
  return { results, location };
}

/**
 * `verify`: rebuilds each file (every file of the s3-url DeltaSpace, the names in `path`,
 * or the one file the s3-url names) and checks its sha256, keeping nothing. Fails the
 * step, after the outputs and the summary, when any file fails.
 */
export async function runVerify(engine: Engine, inputs: CommandInputs): Promise<VerifyOutcome> {
  const { service } = engine;
  let space: DeltaSpace;
  let results: VerifyResult[];
  if (!inputs.s3Url.isPrefix) {
    const target = splitObjectUrl(inputs.s3Url);
    space = target.space;
    results = [await service.verify(space, target.name)];
  } else {
    space = spaceFromPrefixUrl(inputs.s3Url);
    results = [];
    if (inputs.paths.length === 0) results = await service.verifyAll(space);
    for (const name of inputs.paths) results.push(await service.verify(space, name));
  }
  const location = formatSpace(space);
  const count = (status: VerifyResult['status']) =>
    results.filter((r) => r.status === status).length;
  for (const r of results) {
    if (r.status === 'failed') logError(`${r.name}: ${r.problem ?? 'failed'}`);
    else actionsLogger.info(`${r.name}: ${r.status}${r.sha256 ? ` (sha256 ${r.sha256})` : ''}`);
  }
  setOutputs({
    files: results.length,
    verified: count('ok'),
    failed: count('failed'),
    unchecked: count('unchecked'),
    results: JSON.stringify(results.map((r) => ({ ...resultJson(r), status: r.status }))),
  });
  if (inputs.summary) {
    const rows = results.map((r) => [
      r.name,
      r.kind,
      r.status === 'failed' ? '–' : formatBytes(r.originalBytes),
      r.status === 'ok'
        ? '✅ ok'
        : r.status === 'failed'
          ? `❌ ${r.problem ?? 'failed'}`
          : '➖ unchecked (no sha256)',
    ]);
    await writeSummary('DeltaGlider verify', location, ['File', 'Kind', 'Size', 'Result'], rows);
  }
  const failed = count('failed');
  if (failed > 0) {
    throw new IntegrityError(
      `${failed} of ${plural(results.length, 'file')} in ${location} failed verification`,
      'See the errors above: each names the object and what did not match',
    );
  }
  return { results, location };
}

/** `stats`: totals for a bucket or prefix, sub-prefixes included. */
export async function runStats(engine: Engine, inputs: CommandInputs): Promise<StatsReport> {
  const { bucket, key } = inputs.s3Url;
  const report = await engine.service.stats(bucket, key);
  const location = `s3://${bucket}/${report.prefix}`;
  actionsLogger.info(
    `${location}: ${plural(report.files, 'file')}, ${formatBytes(report.originalBytes)} stored as ` +
      `${formatBytes(report.storedBytes)} (${report.savingsPercent}% saved) in ${plural(report.deltaSpaces, 'DeltaSpace')}`,
  );
  setOutputs({
    ...totalsOutputs(report),
    'delta-spaces': report.deltaSpaces,
    references: report.references,
    deltas: report.deltas,
    direct: report.direct,
    plain: report.plain,
  });
  if (inputs.summary) {
    const rows = report.spaces.map((s) => [
      formatSpace({ bucket, prefix: s.prefix }),
      String(s.files),
      ...sizes(s.originalBytes, s.storedBytes),
    ]);
    rows.push([
      `Everything under ${location}`,
      String(report.files),
      ...sizes(report.originalBytes, report.storedBytes),
    ]);
    const objects = `Objects: ${report.references} references, ${report.deltas} deltas, ${report.direct} direct, ${report.plain} plain`;
    await writeSummary(
      'DeltaGlider stats',
      location,
      ['DeltaSpace', 'Files', 'Original', 'Stored', 'Saved'],
      rows,
      [objects],
    );
  }
  return report;
}

function requireSpace(url: S3Url, command: string): DeltaSpace {
  if (!url.isPrefix) {
    throw new InputError(
      `For ${command}, s3-url must name a DeltaSpace ending with "/" (got s3://${url.bucket}/${url.key})`,
      `Use the prefix the files were uploaded to, e.g. s3://${url.bucket}/${url.key.replace(/[^/]*$/, '')}`,
    );
  }
  return spaceFromPrefixUrl(url);
}

function resultJson(r: LogicalFile | VerifyResult): Record<string, unknown> {
  return {
    name: r.name,
    key: r.key,
    kind: r.kind,
    'original-bytes': r.originalBytes,
    'stored-bytes': r.storedBytes,
    ...(r.sha256 ? { sha256: r.sha256 } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

function totalsOutputs(t: StorageTotals): Record<string, number> {
  return {
    files: t.files,
    'original-bytes': t.originalBytes,
    'stored-bytes': t.storedBytes,
    'saved-bytes': t.savedBytes,
    'savings-percent': t.savingsPercent,
  };
}

function setOutputs(outputs: Record<string, string | number>): void {
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

function sizes(original: number, stored: number): string[] {
  const saved = original === 0 ? '–' : `${(((original - stored) / original) * 100).toFixed(1)}%`;
  return [formatBytes(original), formatBytes(stored), saved];
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

async function writeSummary(
  title: string,
  location: string,
  headers: string[],
  rows: string[][],
  notes: readonly string[] = [],
): Promise<void> {
  try {
    await writeTableSummary({ title, locationLabel: 'Location', location, headers, rows, notes });
  } catch (error) {
    // The summary is a report: failing to write it must not fail the command.
    actionsLogger.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}
