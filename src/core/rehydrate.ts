import { randomBytes } from 'node:crypto';
import type { Metadata, StoragePort } from '../ports.js';

// Temporary full copies of files stored as deltas, so that a plain HTTP GET (a presigned
// URL) can fetch them. The layout is the reference DeltaGlider CLI's: keys under
// `.deltaglider/tmp/<32 hex>_<name>` at the bucket root, with `dg-expires-at` (ISO 8601)
// and `dg-rehydrated: true` metadata; its `purge` and ours remove the same objects.

export const REHYDRATED_PREFIX = '.deltaglider/tmp/';

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
  return {
    'dg-expires-at': isoUtc(expiresAt),
    'dg-original-key': originalKey,
    'dg-original-filename': name,
    'dg-rehydrated': 'true',
    'dg-created-at': isoUtc(now),
  };
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

/**
 * Removes the rehydrated copies under `.deltaglider/tmp/` whose `dg-expires-at` has
 * passed, as the reference CLI's `purge` does. Objects without that metadata are kept.
 */
export async function purgeExpired(
  storage: StoragePort,
  bucket: string,
  now: Date,
  options: { dryRun?: boolean } = {},
): Promise<PurgeReport> {
  const expired: PurgeCandidate[] = [];
  let kept = 0;
  for await (const object of storage.list(bucket, REHYDRATED_PREFIX)) {
    const head = await storage.head(bucket, object.key);
    const raw = head?.metadata['dg-expires-at'];
    const expiresAt = raw === undefined ? undefined : parseExpiresAt(raw);
    if (!head || !expiresAt || expiresAt.getTime() > now.getTime()) {
      kept++;
      continue;
    }
    if (!options.dryRun) await storage.delete(bucket, object.key);
    expired.push({ key: object.key, size: object.size, expiresAt: raw! });
  }
  return { bucket, prefix: REHYDRATED_PREFIX, expired, kept, dryRun: options.dryRun ?? false };
}
