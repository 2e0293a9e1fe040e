import type { StoragePort } from '../../ports.js';
import { DELTA_SUFFIX, formatSpace, nameProblem, REFERENCE_NAME } from '../delta-space.js';
import { InputError, NotFoundError } from '../errors.js';
import type { DeltaSpace } from '../models.js';
import { formatS3Url } from '../s3-url.js';
import { INTERNAL_FOLDER, REFERENCES_FOLDER, reservedSegment } from '../reserved.js';
import { sortByRelease } from './release-order.js';

// Which plain S3 objects a `migrate` moves into which DeltaSpace, in which order. The
// source's layout is kept: SRC/x.zip goes to DEST/x.zip, SRC/lib/y.zip to DEST/lib/y.zip
// (a DeltaSpace of its own, as `cp -r` makes them).

/** Where plain objects come from: a bucket and a key prefix ('' or ending with '/'). */
export interface MigrationSource {
  bucket: string;
  prefix: string;
}

export interface MigrationItem {
  /** The source object. */
  key: string;
  size: number;
  lastModified?: Date;
  /** The listed version's ETag: what --delete-source may delete (source-version.ts). */
  etag?: string;
  space: DeltaSpace;
  name: string;
}

/** Listed keys shown in one error message at most (the rest counted). */
const SHOWN_KEYS = 3;

/**
 * Lists the source and orders it by release (release-order.ts), DeltaSpace by
 * DeltaSpace. Refuses, before anything is written: source and destination overlapping,
 * an empty source, objects DeltaGlider already stores (they would be stored twice
 * over) and names that cannot be logical file names.
 */
export async function planMigration(
  storage: Pick<StoragePort, 'list'>,
  source: MigrationSource,
  dest: DeltaSpace,
): Promise<MigrationItem[]> {
  const destPrefix = dest.prefix === '' ? '' : `${dest.prefix}/`;
  const sourceUrl = formatS3Url(source.bucket, source.prefix);
  if (
    source.bucket === dest.bucket &&
    (destPrefix.startsWith(source.prefix) || source.prefix.startsWith(destPrefix))
  ) {
    throw new InputError(
      `The destination ${formatSpace(dest)} and the source ${sourceUrl} overlap`,
      'Migrate into a prefix that is neither inside the source nor above it',
    );
  }
  const items: MigrationItem[] = [];
  const stored: string[] = [];
  const unsafe: string[] = [];
  for await (const object of storage.list(source.bucket, source.prefix)) {
    const relative = object.key.slice(source.prefix.length);
    // As the format writes them: the DeltaGlider CLI's own objects, and references.
    const reserved = reservedSegment(relative);
    if (object.key.endsWith('/') || reserved === INTERNAL_FOLDER) continue;
    const segments = relative.split('/');
    const name = segments.pop()!;
    if (name === REFERENCE_NAME || name.endsWith(DELTA_SUFFIX) || reserved === REFERENCES_FOLDER) {
      stored.push(object.key);
      continue;
    }
    // A variant (`.DG-Refs/`) would be a reserved key in the DeltaSpace: refused.
    if (reserved !== undefined || [name, ...segments].some((s) => nameProblem(s) !== undefined)) {
      unsafe.push(object.key);
      continue;
    }
    const space = {
      bucket: dest.bucket,
      prefix: [dest.prefix, ...segments].filter(Boolean).join('/'),
    };
    items.push({
      key: object.key,
      size: object.size,
      lastModified: object.lastModified,
      etag: object.etag,
      space,
      name,
    });
  }
  if (stored.length > 0) {
    throw new InputError(
      `${sourceUrl} already holds DeltaGlider objects (${keysOf(source.bucket, stored)})`,
      'migrate takes plain objects; copy DeltaSpaces with "deltaglider cp -r" through a local directory, or choose a prefix without them',
    );
  }
  if (unsafe.length > 0) {
    throw new InputError(
      `${sourceUrl} holds keys that cannot be file names in a DeltaSpace (${keysOf(source.bucket, unsafe)})`,
      'Nothing was migrated. Rename or move those objects with another S3 tool first',
    );
  }
  if (items.length === 0) {
    throw new NotFoundError(
      `Nothing to migrate: no objects under ${sourceUrl}`,
      'Check the bucket and prefix; "deltaglider ls" shows what is there',
    );
  }
  return sortByRelease(items, (a, b) =>
    a.space.prefix < b.space.prefix ? -1 : a.space.prefix > b.space.prefix ? 1 : 0,
  );
}

/** A few keys, JSON-quoted so control characters show as escapes, and how many more. */
function keysOf(bucket: string, keys: readonly string[]): string {
  const shown = keys.slice(0, SHOWN_KEYS).map((k) => JSON.stringify(formatS3Url(bucket, k)));
  const more = keys.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
}

/** Items grouped by DeltaSpace, in the order given (planMigration sorts by space). */
export function groupBySpace(items: readonly MigrationItem[]): MigrationItem[][] {
  const groups = new Map<string, MigrationItem[]>();
  for (const item of items) {
    const key = `${item.space.bucket}/${item.space.prefix}`;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()];
}
