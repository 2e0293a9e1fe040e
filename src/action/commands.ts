import { formatSpace, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { InputError, IntegrityError } from '../core/errors.js';
import { formatBytes, kindLabel, plural, referencesNote, sizeCells } from '../core/format.js';
import { totalsOf, type DeltaSpace, type FileResult, type LogicalFile } from '../core/models.js';
import {
  fileRecord,
  filesJson,
  statsLocation,
  statsTotalsJson,
  verifyCounts,
  type FileRecord,
} from '../core/report.js';
import type { S3Url } from '../core/s3-url.js';
import type { App } from '../app/create-app.js';
import { list } from '../app/ls.js';
import { stats } from '../app/stats.js';
import { verify } from '../app/verify.js';
import type { ActionInputs } from './inputs.js';
import { actionsLogger, logError } from './logger.js';
import { allowMiss } from './not-found.js';
import { withDownloadLinks } from './presign.js';
import type { CommandReport } from './report.js';
import { download, upload } from './transfer.js';

// The action's commands. Each one does its work, logs it, and returns its report: the
// step outputs, the job summary's table and notes, and (upload) the files for the PR
// comment. main.ts renders every report the same way.

export type CommandInputs = Pick<ActionInputs, 's3Url' | 'paths'>;

const FILE_HEADERS = ['File', 'Kind', 'Original', 'Stored', 'Saved'];

/** `upload`: the files matched by `path` into the s3-url DeltaSpace. */
export async function runUpload(app: App, inputs: ActionInputs): Promise<CommandReport> {
  const { results } = await upload(app, inputs);
  return filesReport('upload', spaceOf(inputs.s3Url), results);
}

/** `download`: one file, or every file of a DeltaSpace, into `path`. */
export async function runDownload(app: App, inputs: ActionInputs): Promise<CommandReport> {
  const outcome = await allowMiss(inputs.ifNotFound, () => download(app, inputs));
  const found = outcome.kind === 'found' ? outcome.value : undefined;
  const report = filesReport('download', spaceOf(inputs.s3Url), found?.results ?? []);
  if (found?.downloadPath) report.outputs['download-path'] = found.downloadPath;
  // Always set, so `if: steps.x.outputs.found != 'true'` holds on a miss.
  report.outputs.found = String(outcome.kind === 'found');
  if (outcome.kind === 'missing') report.notes.push(outcome.message);
  return report;
}

/** `list`: the logical files of a DeltaSpace with original and stored sizes. */
export async function runList(app: App, inputs: CommandInputs): Promise<CommandReport> {
  const space = requireSpace(inputs.s3Url, 'list');
  const files = await list(app, { space });
  actionsLogger.info(`${formatSpace(space)} holds ${files.length} file(s)`);
  for (const r of files) {
    actionsLogger.info(
      `${r.name}: ${kindLabel(r)}, ${formatBytes(r.originalBytes)} stored as ${formatBytes(r.storedBytes)}`,
    );
    if (r.problem) actionsLogger.warning(`${r.name}: ${r.problem}; downloads refuse it`);
  }
  const report = filesReport('list', space, files);
  report.notes.push(
    ...files.flatMap((r) => (r.problem ? [`⚠️ ${r.name}: ${r.problem}; downloads refuse it`] : [])),
  );
  return report;
}

/**
 * `verify`: rebuilds each file (every file of the s3-url DeltaSpace, the names in `path`,
 * or the one file the s3-url names) and checks its sha256, keeping nothing. Any file that
 * fails makes the report's `failure`.
 */
export async function runVerify(app: App, inputs: CommandInputs): Promise<CommandReport> {
  const space = spaceOf(inputs.s3Url);
  const names = inputs.s3Url.isPrefix ? inputs.paths : [splitObjectUrl(inputs.s3Url).name];
  const results = await verify(app, { space, names });
  const location = formatSpace(space);
  for (const r of results) {
    if (r.status === 'failed') logError(`${r.name}: ${r.problem ?? 'failed'}`);
    else actionsLogger.info(`${r.name}: ${r.status}${r.sha256 ? ` (sha256 ${r.sha256})` : ''}`);
  }
  const records = results.map((r) => fileRecord(space, r));
  const counts = verifyCounts(records);
  const rows = records.map((r) => [
    r.name,
    r.kind,
    r.status === 'failed' ? '–' : formatBytes(r.originalBytes),
    r.status === 'ok'
      ? '✅ ok'
      : r.status === 'failed'
        ? `❌ ${r.problem ?? 'failed'}`
        : '➖ unchecked (no sha256)',
  ]);
  return {
    title: 'DeltaGlider verify',
    location: { label: 'DeltaSpace', url: location },
    outputs: {
      ...counts,
      results: JSON.stringify(filesJson(records).results),
      'delta-space-url': location,
    },
    table: { headers: ['File', 'Kind', 'Size', 'Result'], rows },
    notes: [],
    failure:
      counts.failed > 0
        ? new IntegrityError(
            `${counts.failed} of ${plural(results.length, 'file')} in ${location} failed verification`,
            'See the errors above: each names the object and what did not match',
          )
        : undefined,
  };
}

/** `stats`: totals for a bucket or prefix, sub-prefixes included. */
export async function runStats(app: App, inputs: CommandInputs): Promise<CommandReport> {
  const { bucket, key } = inputs.s3Url;
  const report = await stats(app, { bucket, prefix: key });
  const location = statsLocation(report);
  actionsLogger.info(
    `${location}: ${plural(report.files, 'file')}, ${formatBytes(report.originalBytes)} stored as ` +
      `${formatBytes(report.storedBytes)} (${report.savingsPercent}% saved) in ${plural(report.deltaSpaces, 'DeltaSpace')}`,
  );
  const rows = report.spaces.map((s) => [
    formatSpace({ bucket, prefix: s.prefix }),
    String(s.files),
    ...sizeCells(s.originalBytes, s.storedBytes),
  ]);
  const total = [
    `Everything under ${location}`,
    String(report.files),
    ...sizeCells(report.originalBytes, report.storedBytes),
  ];
  return {
    title: 'DeltaGlider stats',
    location: { label: 'Location', url: location },
    outputs: statsTotalsJson(report),
    table: { headers: ['DeltaSpace', 'Files', 'Original', 'Stored', 'Saved'], rows, total },
    notes: [
      `Objects: ${report.references} references, ${report.deltas} deltas, ${report.direct} direct, ${report.plain} plain`,
    ],
  };
}

/** upload, download and list: one row per file and the totals. */
function filesReport(
  command: 'upload' | 'download' | 'list',
  space: DeltaSpace,
  files: readonly (FileResult | LogicalFile)[],
): CommandReport {
  const records = files.map((file) => fileRecord(space, file));
  const totals = totalsOf(records);
  const location = formatSpace(space);
  const { results, ...totalOutputs } = filesJson(records);
  const rows = records.map((r) => [
    r.name,
    kindLabel(r),
    ...sizeCells(r.originalBytes, r.storedBytes),
  ]);
  const total = [
    `Total (${plural(totals.files, 'file')})`,
    '–',
    ...sizeCells(totals.originalBytes, totals.storedBytes),
  ];
  const report: CommandReport = {
    title: `DeltaGlider ${command}`,
    location: { label: 'DeltaSpace', url: location },
    outputs: {
      ...totalOutputs,
      results: JSON.stringify(results),
      'delta-space-url': location,
      ...(command === 'list' ? {} : singleFileOutputs(records)),
    },
    table: { headers: FILE_HEADERS, rows, total },
    notes: [referencesNote(totals)].filter((note): note is string => note !== undefined),
    ...(command === 'upload' ? { comment: records } : {}),
  };
  return records.some((r) => r.downloadUrl) ? withDownloadLinks(report, records) : report;
}

/**
 * upload-artifact's and cache tools' single-file outputs, set only when the step handled
 * exactly one file: with several, `results` lists them and one value would be a guess.
 */
function singleFileOutputs(records: readonly FileRecord[]): Record<string, string> {
  if (records.length !== 1) return {};
  const [only] = records as [FileRecord];
  return { key: only.key, url: only.s3Url, sha256: only.sha256 ?? '' };
}

/** The DeltaSpace an s3-url names: the prefix itself, or the folder of the file it names. */
function spaceOf(url: S3Url): DeltaSpace {
  return url.isPrefix ? spaceFromPrefixUrl(url) : splitObjectUrl(url).space;
}

export function requireSpace(url: S3Url, command: string): DeltaSpace {
  if (!url.isPrefix) {
    throw new InputError(
      `For ${command}, s3-url must name a DeltaSpace ending with "/" (got s3://${url.bucket}/${url.key})`,
      `Use the prefix the files were uploaded to, e.g. s3://${url.bucket}/${url.key.replace(/[^/]*$/, '')}`,
    );
  }
  return spaceFromPrefixUrl(url);
}
