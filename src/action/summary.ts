import * as core from '@actions/core';
import { describeError } from '../core/errors.js';
import { escapeHtmlCell } from '../core/text-safety.js';
import type { CommandReport } from './commands.js';
import { actionsLogger } from './logger.js';

// The job summary is Markdown that may hold HTML; the table is HTML. Every cell and line
// holds text from the bucket (names, keys, problems that quote them), so each one is
// escaped to a single line of inert text: a line break there would end the HTML block
// and let the rest render as Markdown (headings, images, links).

/** A cell that is already safe HTML (built from escaped parts), written as it is. */
export interface HtmlCell {
  html: string;
}

/**
 * A command's report as the job summary: a heading, the location, the table and the
 * notes. A report: failing to write it warns and never fails the step.
 */
export async function writeJobSummary(
  report: Pick<CommandReport, 'title' | 'location' | 'table' | 'notes'>,
): Promise<void> {
  // Cells are never empty: @actions/core's summary drops the closing tag of an empty cell.
  const cell = (text: string | HtmlCell) =>
    typeof text === 'string' ? escapeHtmlCell(text === '' ? '–' : text) : text.html;
  try {
    const { label, url } = report.location;
    const summary = core.summary
      .addHeading(escapeHtmlCell(report.title), 3)
      .addRaw(`${label}: <code>${escapeHtmlCell(url)}</code>`, true)
      .addTable([
        report.table.headers.map((data) => ({ data: cell(data), header: true })),
        ...report.table.rows.map((row) => row.map(cell)),
      ]);
    for (const note of report.notes) summary.addRaw(escapeHtmlCell(note), true);
    await summary.write();
  } catch (error) {
    actionsLogger.warning(`Could not write the job summary: ${describeError(error)}`);
  }
}
