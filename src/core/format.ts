// Numbers as people read them: sizes, savings and counts. One wording for every report
// (action log, job summary, PR comment, CLI tables), so the shells cannot drift apart.

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** Binary units: "812 B", "1.5 MiB"; one decimal above bytes. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${value} B`;
  let unit: string = UNITS[0];
  for (const next of UNITS) {
    unit = next;
    value /= 1024;
    // Stop before 1024.0 would print (e.g. 1023.97 KiB rounds up: move to MiB).
    if (Math.round(value * 10) / 10 < 1024) break;
  }
  return `${sign}${value.toFixed(1)} ${unit}`;
}

/** "99.6%" of bytes saved, or "–" when there is nothing to compare. */
export function savedPercent(original: number, stored: number): string {
  if (original === 0) return '–';
  const text = (((original - stored) / original) * 100).toFixed(1);
  // A reference costs a few bytes more than its file: that is "0.0%", not "-0.0%".
  return `${text === '-0.0' ? '0.0' : text}%`;
}

/** The Original, Stored and Saved cells of a table row. */
export function sizeCells(original: number, stored: number): [string, string, string] {
  return [formatBytes(original), formatBytes(stored), savedPercent(original, stored)];
}

/**
 * A stored object's kind as reports show it: archive-aware deltas are marked, since the
 * DeltaGlider CLI cannot read them (docs/archive-aware.md).
 */
export function kindLabel(r: { kind: string; archiveAware?: boolean }): string {
  return r.archiveAware ? `${r.kind} (archive-aware)` : r.kind;
}

/** "1 file", "3 files". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Why a total's stored bytes exceed the sum of its rows: the references the deltas are
 * rebuilt from (models.ts `totalsOf`). Undefined when there are none.
 */
export function referencesNote(totals: { referenceBytes: number }): string | undefined {
  if (totals.referenceBytes <= 0) return undefined;
  return (
    `The total includes ${formatBytes(totals.referenceBytes)} of references the deltas need, ` +
    'each counted once: what the bucket holds for these files.'
  );
}
