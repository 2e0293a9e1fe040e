// Human-readable sizes for logs, the job summary and the PR comment.

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

/**
 * A stored object's kind as the summary, the comment and the log show it: archive-aware
 * deltas are marked, since the DeltaGlider CLI cannot read them (docs/archive-aware.md).
 */
export function kindLabel(r: { kind: string; archiveAware?: boolean }): string {
  return r.archiveAware ? `${r.kind} (archive-aware)` : r.kind;
}
