import * as core from '@actions/core';
import type { PresignOutcome } from '../app/presign.js';
import type { DeltaSpace } from '../core/models.js';
import { REHYDRATED_PREFIX } from '../core/rehydrate.js';
import type { FileRecord } from '../core/report.js';
import { escapeAttribute } from './pr-comment/escape.js';
import type { CommandReport, HtmlCell } from './report.js';

// `presign` as the action shows it (the links are made in app/presign.ts). The URLs are
// bearer links: they go to the `urls` output, the job summary and the PR comment, never
// to the log.

/** One log line: how many links, until when, and the deltas copied whole for them. */
export function logPresigned(
  space: DeltaSpace,
  files: number,
  { expiresAt, copies }: Omit<PresignOutcome, 'results'>,
): void {
  core.info(
    `Download URLs for ${files} file(s) in the urls output, valid until ${expiresAt.toISOString()}` +
      (copies > 0
        ? `; ${copies} delta(s) copied whole to s3://${space.bucket}/${REHYDRATED_PREFIX} for them (command: purge removes expired copies)`
        : ''),
  );
}

/**
 * The report of an upload with presign: the `urls` output (name -> link) and a Download
 * column of links in the job summary (the PR comment links the names itself).
 */
export function withDownloadLinks(
  report: CommandReport,
  records: readonly FileRecord[],
): CommandReport {
  const urls = Object.fromEntries(
    records.flatMap((r) => (r.downloadUrl ? [[r.name, r.downloadUrl]] : [])),
  );
  const link = (url: string | undefined): HtmlCell | string =>
    url ? { html: `<a href="${escapeAttribute(url)}">download</a>` } : '–';
  return {
    ...report,
    outputs: { ...report.outputs, urls: JSON.stringify(urls) },
    table: {
      headers: [...report.table.headers, 'Download'],
      rows: report.table.rows.map((row, i) => [...row, link(records[i]?.downloadUrl)]),
      ...(report.table.total ? { total: [...report.table.total, link(undefined)] } : {}),
    },
  };
}
