import { formatSpace } from '../delta-space.js';
import { formatS3Url } from '../s3-url.js';
import type { SpacePruneResult } from './prune.js';

// One record of a prune, rendered by both shells (CLI --json and lines, action outputs
// and summary): built here once so the two cannot drift.

export interface PruneTotals {
  spaces: number;
  removedFiles: number;
  keptFiles: number;
  uncertainFiles: number;
  removedReferences: number;
  retiringReferences: number;
  revivedReferences: number;
  skippedReferences: number;
  freedBytes: number;
}

export function pruneTotals(results: readonly SpacePruneResult[]): PruneTotals {
  const sum = (f: (r: SpacePruneResult) => number) => results.reduce((s, r) => s + f(r), 0);
  return {
    spaces: results.length,
    removedFiles: sum((r) => r.removedFiles.length),
    keptFiles: sum((r) => r.keptFiles),
    uncertainFiles: sum((r) => r.uncertainFiles.length),
    removedReferences: sum((r) => r.removedReferences.length),
    retiringReferences: sum((r) => r.retiringReferences.length),
    revivedReferences: sum((r) => r.revivedReferences.length),
    skippedReferences: sum((r) => r.skippedReferences.length),
    freedBytes: sum((r) => r.freedBytes),
  };
}

/** Every key removed (in a dry run: that would be), files first, as s3:// URLs. */
export function removedUrls(result: SpacePruneResult): { url: string; reference: boolean }[] {
  const { bucket } = result.space;
  return [
    ...result.removedFiles.flatMap((f) =>
      f.objects.map((o) => ({ url: formatS3Url(bucket, o.key), reference: false })),
    ),
    ...result.removedReferences.map((r) => ({ url: formatS3Url(bucket, r.key), reference: true })),
  ];
}

/**
 * One line per file kept because the names do not tell its order (`kept: <url> (cannot
 * tell the release order of <name> and <other>: <why>)`), for every shell.
 */
export function uncertainLines(result: SpacePruneResult): string[] {
  const { bucket } = result.space;
  return result.uncertainFiles.map(
    (u) =>
      `kept: ${formatS3Url(bucket, u.file.objects[0]!.key)} (cannot tell the release order of ${JSON.stringify(u.file.name)} and ${JSON.stringify(u.other)}: ${u.why})`,
  );
}

/** After the count of kept files: how many of them stayed because their order is unknown. */
export function uncertainNote(count: number): string {
  return count === 0 ? '' : ` (${count} because their release order is unknown)`;
}

/** The kebab-case JSON of a prune (CLI --json). */
export function pruneJson(results: readonly SpacePruneResult[], dryRun: boolean) {
  const totals = pruneTotals(results);
  return {
    'dry-run': dryRun,
    'delta-spaces': totals.spaces,
    'files-removed': totals.removedFiles,
    'files-kept': totals.keptFiles,
    'files-kept-uncertain': totals.uncertainFiles,
    'references-removed': totals.removedReferences,
    'references-retiring': totals.retiringReferences,
    'freed-bytes': totals.freedBytes,
    results: results.map((r) => ({
      'delta-space-url': formatSpace(r.space),
      removed: r.removedFiles.map((f) => ({
        name: f.name,
        urls: f.objects.map((o) => formatS3Url(r.space.bucket, o.key)),
        'stored-bytes': f.storedBytes,
        ...(f.lastModified ? { 'last-modified': f.lastModified.toISOString() } : {}),
      })),
      kept: r.keptFiles,
      'kept-uncertain': r.uncertainFiles.map((u) => ({
        name: u.file.name,
        'order-unknown-against': u.other,
        why: u.why,
      })),
      'references-removed': r.removedReferences.map((x) => formatS3Url(r.space.bucket, x.key)),
      'references-retiring': r.retiringReferences.map((x) => ({
        url: formatS3Url(r.space.bucket, x.key),
        'deletable-after': x.deletableAfter.toISOString(),
      })),
      'references-revived': r.revivedReferences.map((k) => formatS3Url(r.space.bucket, k)),
      'references-skipped': r.skippedReferences.map((x) => formatS3Url(r.space.bucket, x.key)),
      'freed-bytes': r.freedBytes,
    })),
  };
}

/**
 * What happened to references besides their removal, one sentence each (both shells
 * print them as they are): those marked to retire and when a prune may delete them,
 * those revived, those left because they changed under the prune.
 */
export function referenceNotes(results: readonly SpacePruneResult[], dryRun: boolean): string[] {
  const notes: string[] = [];
  const retiring = results.flatMap((r) => r.retiringReferences);
  if (retiring.length > 0) {
    const after = new Date(Math.max(...retiring.map((r) => r.deletableAfter.getTime())));
    const n = retiring.length;
    notes.push(
      `${n} ${n === 1 ? 'reference' : 'references'} no delta needs ${dryRun ? 'would be' : n === 1 ? 'is' : 'are'} marked to retire: a prune run after ${after.toISOString()} deletes ${n === 1 ? 'it' : 'them'} if still unneeded`,
    );
  }
  for (const r of results) {
    for (const key of r.revivedReferences)
      notes.push(
        `Kept ${formatS3Url(r.space.bucket, key)}: it was marked to retire, but a delta needs it${dryRun ? ' (a real run removes the mark)' : '; the mark was removed'}`,
      );
    for (const { key } of r.skippedReferences)
      notes.push(
        `Left ${formatS3Url(r.space.bucket, key)} as it is: it changed while the prune examined it; run prune again`,
      );
  }
  return notes;
}
