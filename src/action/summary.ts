import * as core from '@actions/core';
import { totalsOf, type FileResult } from '../core/models.js';
import { escapeHtmlCell } from '../core/text-safety.js';
import { formatBytes, kindLabel } from './format.js';
import { escapeAttribute } from './pr-comment/escape.js';

// The job summary is Markdown that may hold HTML; the table is HTML. Every cell and line
// holds text from the bucket (names, keys, problems that quote them), so each one is
// escaped to a single line of inert text: a line break there would end the HTML block
// and let the rest render as Markdown (headings, images, links).

export interface SummaryContent {
  title: string;
  /** `s3://bucket/prefix/` the step worked on. */
  location: string;
  results: readonly FileResult[];
  /** Extra lines under the table (cache report, notes). */
  notes?: readonly string[];
}

export interface TableSummary {
  title: string;
  /** Shown before the location, e.g. `DeltaSpace` or `Location`. */
  locationLabel: string;
  location: string;
  headers: readonly string[];
  rows: readonly (readonly (string | HtmlCell)[])[];
  notes?: readonly string[];
}

/** A cell that is already safe HTML (built from escaped parts), written as it is. */
export interface HtmlCell {
  html: string;
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
    kindLabel(r),
    formatBytes(r.originalBytes),
    formatBytes(r.storedBytes),
    savedPercent(r.originalBytes, r.storedBytes),
  ]);
  rows.push([
    `Total (${totals.files} file${totals.files === 1 ? '' : 's'})`,
    '–',
    formatBytes(totals.originalBytes),
    formatBytes(totals.storedBytes),
    savedPercent(totals.originalBytes, totals.storedBytes),
  ]);
  return rows;
}

/** The upload/download summary: one row per file and the totals. */
export function writeJobSummary(content: SummaryContent): Promise<void> {
  const links = content.results.some((r) => r.url);
  const rows: TableSummary['rows'] = summaryRows(content.results);
  return writeTableSummary({
    title: content.title,
    locationLabel: 'DeltaSpace',
    location: content.location,
    headers: ['File', 'Kind', 'Original', 'Stored', 'Saved', ...(links ? ['Download'] : [])],
    rows: links ? rows.map((row, i) => [...row, downloadCell(content.results[i]?.url)]) : rows,
    notes: content.notes,
  });
}

/** A link to a presigned URL (presign), or a dash (the totals row). */
function downloadCell(url: string | undefined): HtmlCell | string {
  return url ? { html: `<a href="${escapeAttribute(url)}">download</a>` } : '–';
}

/** A heading, the location, a table and notes, every piece of text escaped. */
export async function writeTableSummary(content: TableSummary): Promise<void> {
  // Cells are never empty: @actions/core's summary drops the closing tag of an empty cell.
  const cell = (text: string | HtmlCell) =>
    typeof text === 'string' ? escapeHtmlCell(text === '' ? '–' : text) : text.html;
  const summary = core.summary
    .addHeading(escapeHtmlCell(content.title), 3)
    .addRaw(`${content.locationLabel}: <code>${escapeHtmlCell(content.location)}</code>`, true)
    .addTable([
      content.headers.map((data) => ({ data: cell(data), header: true })),
      ...content.rows.map((row) => row.map(cell)),
    ]);
  for (const note of content.notes ?? []) summary.addRaw(escapeHtmlCell(note), true);
  await summary.write();
}
