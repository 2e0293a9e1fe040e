import { formatBytes } from '../action/format.js';
import { escapeControlChars } from '../core/text-safety.js';

// What the commands print: aligned tables for people, JSON for programs (`--json`). The
// JSON field names are those of the action's `results` output, so one parser reads both.
// Names and keys come from the bucket: text for the terminal goes through `terminalText`,
// so an ESC or a line break in a key is shown as `\x1b` or `\n`, never interpreted.

/** One line of text as a terminal should show it: control characters escaped. */
export const terminalText = escapeControlChars;

export interface Io {
  /** Standard output (results). */
  out(text: string): void;
  /** Standard error (messages, progress). */
  err(text: string): void;
  /** Whether stderr is a terminal: progress is drawn only then. */
  isTty: boolean;
  /** Width of that terminal, when known. */
  columns?: number;
  env: NodeJS.ProcessEnv;
}

export type Align = 'left' | 'right';

/** Columns padded to their widest cell; the last column is not padded. */
export function renderTable(
  headers: readonly string[],
  rows: readonly string[][],
  align: readonly Align[] = [],
): string {
  const all = [headers, ...rows].map((row) => row.map(terminalText));
  const widths = headers.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, col) => {
        const last = col === row.length - 1;
        if (align[col] === 'right') return cell.padStart(widths[col] ?? 0);
        return last ? cell : cell.padEnd(widths[col] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return all.map(line).join('\n') + '\n';
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n');
}

/** "99.6%" of bytes saved, or "–" when there is nothing to compare. */
export function savedPercent(original: number, stored: number): string {
  if (original === 0) return '–';
  const text = (((original - stored) / original) * 100).toFixed(1);
  // A reference costs a few bytes more than its file: that is "0.0%", not "-0.0%".
  return `${text === '-0.0' ? '0.0' : text}%`;
}

export { formatBytes };

/** A file row as JSON: the shape of the action's `results` entries. */
export interface FileJson {
  name: string;
  key: string;
  kind: string;
  'original-bytes': number;
  'stored-bytes': number;
  sha256?: string;
  /** Why downloads refuse the object (control characters in its name or metadata). */
  problem?: string;
}

export function fileJson(file: {
  name: string;
  key: string;
  kind: string;
  originalBytes: number;
  storedBytes: number;
  sha256?: string;
  problem?: string;
}): FileJson {
  return {
    name: file.name,
    key: file.key,
    kind: file.kind,
    'original-bytes': file.originalBytes,
    'stored-bytes': file.storedBytes,
    ...(file.sha256 !== undefined ? { sha256: file.sha256 } : {}),
    ...(file.problem !== undefined ? { problem: file.problem } : {}),
  };
}

/** Totals in the shape of the action's outputs. */
export function totalsJson(totals: {
  files: number;
  originalBytes: number;
  storedBytes: number;
  savedBytes: number;
  savingsPercent: number;
}): Record<string, number> {
  return {
    files: totals.files,
    'original-bytes': totals.originalBytes,
    'stored-bytes': totals.storedBytes,
    'saved-bytes': totals.savedBytes,
    'savings-percent': totals.savingsPercent,
  };
}
