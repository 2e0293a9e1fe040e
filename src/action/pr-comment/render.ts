// Pure Markdown for the PR comment: one step's section (a table of files with totals)
// and the whole body with that section merged in, under GitHub's size limit.

import { formatBytes, kindLabel, savedPercent } from '../../core/format.js';
import { totalsOf } from '../../core/models.js';
import type { FileRecord } from '../../core/report.js';
import { clip, escapeAttribute, escapeInline, inlineCode } from './escape.js';
import {
  encodeMarkerValue,
  parseSections,
  serializeBody,
  upsertSection,
  type Section,
} from './sections.js';

/** GitHub rejects a comment body longer than this (HTTP 422). */
export const MAX_COMMENT_CHARS = 65_536;
/** Above this many files the table is folded into a `<details>` block. */
export const DETAILS_THRESHOLD = 20;

// Caps on the free-text parts, so the smallest form of a section is always small.
const MAX_TITLE_CHARS = 200;
const MAX_DELTASPACE_CHARS = 1_000;

/** What a row of the table shows of a file. */
export type CommentFile = Pick<
  FileRecord,
  'name' | 'kind' | 'archiveAware' | 'originalBytes' | 'storedBytes' | 'downloadUrl' | 'reference'
>;

export interface SectionInput {
  title: string;
  /** Shown as is, e.g. `s3://bucket/releases/`. */
  deltaSpace: string;
  results: readonly CommentFile[];
  /** Link to the workflow run that wrote the section. */
  runUrl?: string;
}

export interface RenderedSection {
  content: string;
  /** Rows in the table; fewer than `totalFiles` when the table was cut to fit. */
  shownFiles: number;
  totalFiles: number;
}

function plural(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'file' : 'files'}`;
}

function headLines(input: SectionInput): string[] {
  const totals = totalsOf(input.results);
  return [
    `### ${escapeInline(clip(input.title, MAX_TITLE_CHARS))}`,
    '',
    `**DeltaSpace** ${inlineCode(clip(input.deltaSpace, MAX_DELTASPACE_CHARS))}: ` +
      `${plural(totals.files)}, ${formatBytes(totals.originalBytes)} stored as ` +
      `${formatBytes(totals.storedBytes)}, **${savedPercent(totals.originalBytes, totals.storedBytes)} saved**`,
  ];
}

/** The name, linked to its presigned download URL when there is one (presign). */
function fileCell(r: CommentFile): string {
  const name = inlineCode(r.name);
  return r.downloadUrl ? `<a href="${escapeAttribute(r.downloadUrl)}">${name}</a>` : name;
}

function tableLines(results: readonly CommentFile[], shown: number): string[] {
  const totals = totalsOf(results);
  const rows = results
    .slice(0, shown)
    .map(
      (r) =>
        `| ${fileCell(r)} | ${kindLabel(r)} | ${formatBytes(r.originalBytes)} | ` +
        `${formatBytes(r.storedBytes)} | ${savedPercent(r.originalBytes, r.storedBytes)} |`,
    );
  return [
    '| File | Kind | Original | Stored | Saved |',
    '| --- | --- | ---: | ---: | ---: |',
    ...rows,
    `| **Total** (${plural(totals.files)}) | | **${formatBytes(totals.originalBytes)}** | ` +
      `**${formatBytes(totals.storedBytes)}** | **${savedPercent(totals.originalBytes, totals.storedBytes)}** |`,
  ];
}

function cutNote(shown: number, total: number): string {
  return (
    `_Showing ${shown.toLocaleString('en-US')} of ${plural(total)}: GitHub limits a comment ` +
    `to ${MAX_COMMENT_CHARS.toLocaleString('en-US')} characters. The job summary of the run ` +
    `lists every file._`
  );
}

function footerLines(input: SectionInput): string[] {
  if (!input.runUrl) return [];
  return [
    '',
    `<sub>Updated by <a href="${escapeAttribute(input.runUrl)}">this workflow run</a>.</sub>`,
  ];
}

function render(input: SectionInput, shown: number): string {
  const total = input.results.length;
  const lines = headLines(input);
  if (total === 0) {
    lines.push('', '_No files._');
  } else {
    const table = tableLines(input.results, shown);
    if (total > DETAILS_THRESHOLD) {
      lines.push(
        '',
        `<details><summary>${plural(total)}</summary>`,
        '',
        ...table,
        '',
        '</details>',
      );
    } else {
      lines.push('', ...table);
    }
    if (shown < total) lines.push('', cutNote(shown, total));
  }
  lines.push(...footerLines(input));
  return lines.join('\n');
}

/** The smallest form: totals only, no table. Small by construction (capped inputs). */
function renderTotalsOnly(input: SectionInput): string {
  const lines = headLines(input);
  if (input.results.length > 0) lines.push('', cutNote(0, input.results.length));
  return [...lines, ...footerLines(input)].join('\n');
}

/**
 * One step's section. When the full table would exceed `maxChars`, it keeps as many
 * leading rows as fit (the totals still count every file) and says how many it left
 * out; when not even the table's frame fits, only the totals remain.
 */
export function renderSection(input: SectionInput, maxChars = Infinity): RenderedSection {
  const total = input.results.length;
  const full = render(input, total);
  if (full.length <= maxChars) return { content: full, shownFiles: total, totalFiles: total };

  // Length grows with the number of rows: binary search the most that fit.
  let low = 0;
  let high = total - 1;
  let best: string | undefined;
  let bestShown = 0;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const candidate = render(input, mid);
    if (candidate.length <= maxChars) {
      best = candidate;
      bestShown = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (best !== undefined) return { content: best, shownFiles: bestShown, totalFiles: total };
  return { content: renderTotalsOnly(input), shownFiles: 0, totalFiles: total };
}

export interface ComposedBody {
  body: string;
  shownFiles: number;
  totalFiles: number;
  /** Other steps' sections removed because they left too little room for this one. */
  droppedSections: number;
}

/**
 * The comment body after this step writes its section: other sections kept in their
 * order, this one replaced where it stood (or appended), all within
 * MAX_COMMENT_CHARS. When other sections crowd this one below its smallest form, the
 * oldest of them are dropped (their steps re-add them on their next run).
 */
export function composeBody(
  existingBody: string | undefined,
  commentKey: string,
  sectionId: string,
  input: SectionInput,
): ComposedBody {
  const id = encodeMarkerValue(sectionId);
  let sections: Section[] = upsertSection(parseSections(existingBody ?? ''), { id, content: '' });
  const room = (): number => MAX_COMMENT_CHARS - serializeBody(commentKey, sections).length;

  const smallest = renderSection(input, 0).content.length;
  let droppedSections = 0;
  while (room() < smallest) {
    const oldestOther = sections.findIndex((s) => s.id !== id);
    if (oldestOther < 0) break;
    sections = sections.filter((_, i) => i !== oldestOther);
    droppedSections += 1;
  }

  const rendered = renderSection(input, room());
  sections = upsertSection(sections, { id, content: rendered.content });
  return {
    body: serializeBody(commentKey, sections),
    shownFiles: rendered.shownFiles,
    totalFiles: rendered.totalFiles,
    droppedSections,
  };
}
