import * as core from '@actions/core';
import { describeError } from '../core/errors.js';
import { escapeHtmlCell } from '../core/text-safety.js';
import type { CommandReport, HtmlCell } from './report.js';
import { actionsLogger } from './logger.js';

// The job summary is Markdown that may hold HTML; the table is HTML. Every cell and line
// holds text from the bucket (names, keys, problems that quote them), so each one is
// escaped to a single line of inert text: a line break there would end the HTML block
// and let the rest render as Markdown (headings, images, links).

/**
 * Rows a job summary shows at most. GitHub refuses a step summary over 1 MiB, and a
 * prune, sync or list of a big space has a row per object: the rest stay in the step's
 * log and outputs, and the totals row is always shown.
 */
export const MAX_SUMMARY_ROWS = 200;

/**
 * A command's report as the job summary: a heading, the location, the table (at most
 * MAX_SUMMARY_ROWS rows, then its totals row) and the notes. A report: failing to write
 * it warns and never fails the step.
 */
export async function writeJobSummary(
  report: Pick<CommandReport, 'title' | 'location' | 'table' | 'notes'>,
): Promise<void> {
  // Cells are never empty: @actions/core's summary drops the closing tag of an empty cell.
  const cell = (text: string | HtmlCell) =>
    typeof text === 'string' ? escapeHtmlCell(text === '' ? '–' : text) : text.html;
  const { headers, rows, total } = report.table;
  const shown = rows.slice(0, MAX_SUMMARY_ROWS);
  const notes =
    rows.length > shown.length
      ? [`${rows.length - shown.length} more rows are in the step log and outputs`, ...report.notes]
      : report.notes;
  try {
    const { label, url } = report.location;
    const summary = core.summary
      .addHeading(escapeHtmlCell(report.title), 3)
      .addRaw(`${label}: <code>${escapeHtmlCell(url)}</code>`, true)
      .addTable([
        headers.map((data) => ({ data: cell(data), header: true })),
        ...[...shown, ...(total ? [total] : [])].map((row) => row.map(cell)),
      ]);
    for (const note of notes) summary.addRaw(escapeHtmlCell(note), true);
    await summary.write();
  } catch (error) {
    actionsLogger.warning(`Could not write the job summary: ${describeError(error)}`);
  }
}
