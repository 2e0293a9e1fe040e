import type { Inspection } from '../inspect.js';
import { directKey } from '../delta-space.js';
import { formatS3Url } from '../s3-url.js';
import type { MigrationItem } from './migration-plan.js';

// What a dry-run migrate shows, for both shells: each object in order, where it would
// go, and whether the destination seems to hold it already.

export interface PreviewRow {
  source: string;
  url: string;
  bytes: number;
  /** The DeltaSpace holds a file of that name and size: likely a finished earlier run. */
  likelyThere: boolean;
}

/** One listing per destination DeltaSpace; the real run checks each sha256. */
export async function previewMigration(
  inspection: Pick<Inspection, 'list'>,
  sourceBucket: string,
  items: readonly MigrationItem[],
): Promise<PreviewRow[]> {
  const present = new Map<string, Map<string, number>>();
  const rows: PreviewRow[] = [];
  for (const item of items) {
    const spaceKey = item.space.prefix;
    let names = present.get(spaceKey);
    if (!names) {
      names = new Map((await inspection.list(item.space)).map((f) => [f.name, f.originalBytes]));
      present.set(spaceKey, names);
    }
    rows.push({
      source: formatS3Url(sourceBucket, item.key),
      url: formatS3Url(item.space.bucket, directKey(item.space, item.name)),
      bytes: item.size,
      likelyThere: names.get(item.name) === item.size,
    });
  }
  return rows;
}
