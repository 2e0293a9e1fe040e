import { randomBytes } from 'node:crypto';
import type { ListedObject, Metadata, StoragePort } from '../ports.js';
import { deleteKeys } from './delete-keys.js';
import { decodeHeaderValue, headerSafe } from './metadata.js';
import { INTERNAL_FOLDER } from './reserved.js';
import { mapLimit } from './util/map-limit.js';

// Temporary full copies of files stored as deltas, so that a plain HTTP GET (a presigned
// URL) can fetch them. The layout is the reference DeltaGlider CLI's: keys under
// `.deltaglider/tmp/<32 hex>_<name>` at the bucket root, with `dg-expires-at` (ISO 8601)
// and `dg-rehydrated: true` metadata; its `purge` and ours remove the same objects.

export const REHYDRATED_PREFIX = `${INTERNAL_FOLDER}/tmp/`;

/** A fresh key for a rehydrated copy of `name` (uuid4 hex in the reference CLI). */
export function rehydratedKey(name: string): string {
  return `${REHYDRATED_PREFIX}${randomBytes(16).toString('hex')}_${name}`;
}

/**
 * UTC without an offset, as the reference CLI writes it (`isoformat()` of its naive UTC
 * clock); both purges read a time without offset as UTC.
 */
function isoUtc(date: Date): string {
  return date.toISOString().replace('Z', '');
}

export function rehydratedMetadata(
  originalKey: string,
  name: string,
  now: Date,
  expiresAt: Date,
): Metadata {
  // The key and the name may be any Unicode: encoded as every other value is.
  return headerSafe({
    'dg-expires-at': isoUtc(expiresAt),
    'dg-original-key': originalKey,
    'dg-original-filename': name,
    'dg-rehydrated': 'true',
    'dg-created-at': isoUtc(now),
  });
}

/**
 * `dg-expires-at` as the reference CLI reads it: ISO 8601, `Z` or an offset, and no
 * offset meaning UTC. Undefined when it is not such a time (the object is then kept).
 */
export function parseExpiresAt(text: string): Date | undefined {
  const match =
    /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(
      text.trim(),
    );
  if (!match) return undefined;
  const [, day, time, zone] = match;
  // Milliseconds only: JavaScript dates hold no microseconds.
  const clock = time!.replace(/(\.\d{3})\d+$/, '$1');
  const offset = !zone || zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = new Date(`${day}T${clock}${offset}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export interface PurgeCandidate {
  key: string;
  size: number;
  expiresAt: string;
}

export interface PurgeReport {
  bucket: string;
  prefix: string;
  /** Expired copies (removed unless a dry run). */
  expired: PurgeCandidate[];
  /** Copies kept: not yet expired, or without a readable dg-expires-at. */
  kept: number;
  dryRun: boolean;
}

/** HEADs in flight: only the metadata says when a copy expires. */
const HEAD_CONCURRENCY = 8;
/** Objects examined, then deleted, together: one DeleteObjects request's worth. */
const PURGE_BATCH = 1000;

export interface PurgeOptions {
  dryRun?: boolean;
  /** Examine at most this many copies (the rest wait for the next run). */
  maxObjects?: number;
  /** Told after each batch how many copies were examined and found expired so far. */
  onProgress?: (examined: number, expired: number) => void;
}

/**
 * Removes the rehydrated copies under `.deltaglider/tmp/` whose `dg-expires-at` has
 * passed, as the reference CLI's `purge` does. Objects without that metadata are kept.
 * The listing cannot tell (a copy's lifetime is whatever its writer chose), so each copy
 * is HEADed, a few at a time, and the expired ones go in batch deletes.
 */
export async function purgeExpired(
  storage: StoragePort,
  bucket: string,
  now: Date,
  options: PurgeOptions = {},
): Promise<PurgeReport> {
  const expired: PurgeCandidate[] = [];
  const max = options.maxObjects ?? Number.POSITIVE_INFINITY;
  let kept = 0;
  let examined = 0;
  let batch: ListedObject[] = [];
  const settle = async () => {
    const verdicts = await mapLimit(batch, HEAD_CONCURRENCY, async (object) => {
      const head = await storage.head(bucket, object.key);
      // Only the exact key (readField's legacy spellings would widen what is deleted).
      const stored = head?.metadata['dg-expires-at'];
      const raw = stored === undefined ? undefined : decodeHeaderValue(stored);
      const expiresAt = raw === undefined ? undefined : parseExpiresAt(raw);
      if (!head || !expiresAt || expiresAt.getTime() > now.getTime()) return undefined;
      return { key: object.key, size: object.size, expiresAt: raw! };
    });
    const found = verdicts.filter((v): v is PurgeCandidate => v !== undefined);
    if (!options.dryRun)
      await deleteKeys(
        storage,
        bucket,
        found.map((f) => f.key),
      );
    expired.push(...found);
    kept += batch.length - found.length;
    examined += batch.length;
    batch = [];
    options.onProgress?.(examined, expired.length);
  };
  for await (const object of storage.list(bucket, REHYDRATED_PREFIX)) {
    if (examined + batch.length >= max) break;
    batch.push(object);
    if (batch.length >= PURGE_BATCH) await settle();
  }
  if (batch.length > 0) await settle();
  return { bucket, prefix: REHYDRATED_PREFIX, expired, kept, dryRun: options.dryRun ?? false };
}
