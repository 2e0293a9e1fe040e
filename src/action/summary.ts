import * as core from '@actions/core';
import { totalsOf, type FileResult } from '../core/models.js';
import { formatBytes } from './format.js';

export interface SummaryContent {
  title: string;
  /** `s3://bucket/prefix/` the step worked on. */
  location: string;
  results: readonly FileResult[];
  /** Extra lines under the table (cache report, notes). */
  notes?: readonly string[];
}

function savedPercent(original: number, stored: number): string {
  if (original === 0) return '–';
  return `${(((original - stored) / original) * 100).toFixed(1)}%`;
}

/** Rows of the job summary table: one per file plus a totals row. */
export function summaryRows(results: readonly FileResult[]): string[][] {
  const totals = totalsOf(results);
  const rows = results.map((r) => [
    r.name,
    r.kind,
    formatBytes(r.originalBytes),
    formatBytes(r.storedBytes),
    savedPercent(r.originalBytes, r.storedBytes),
  ]);
  rows.push([
    `Total (${totals.files} file${totals.files === 1 ? '' : 's'})`,
    // Not '': @actions/core's summary drops the closing tag of an empty cell.
    '–',
    formatBytes(totals.originalBytes),
    formatBytes(totals.storedBytes),
    savedPercent(totals.originalBytes, totals.storedBytes),
  ]);
  return rows;
}

export async function writeJobSummary(content: SummaryContent): Promise<void> {
  const header = ['File', 'Kind', 'Original', 'Stored', 'Saved'].map((data) => ({
    data,
    header: true,
  }));
  const summary = core.summary
    .addHeading(content.title, 3)
    .addRaw(`DeltaSpace: <code>${escapeHtml(content.location)}</code>`, true)
    .addTable([header, ...summaryRows(content.results).map((row) => row.map(escapeHtml))]);
  for (const note of content.notes ?? []) summary.addRaw(escapeHtml(note), true);
  await summary.write();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
