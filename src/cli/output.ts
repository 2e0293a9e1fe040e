import { escapeControlChars } from '../core/text-safety.js';

// What the commands print: aligned tables for people, JSON for programs (`--json`). The
// JSON comes from the core's report records (core/report.ts), as the action's outputs do,
// so one parser reads both.
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
  /** Whether stdin is a terminal: someone can confirm a deletion (absent: no). */
  stdinIsTty?: boolean;
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
