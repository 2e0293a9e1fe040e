import type { ObjectHead, StoragePort } from '../../ports.js';
import { DeltaGliderError, NotFoundError } from '../errors.js';
import { formatS3Url } from '../s3-url.js';

// A source object is deleted only if it is still the exact version that was examined and
// copied. The version is the one a listing (or a HEAD) saw: its ETag, size and
// LastModified. The read that copies it names that ETag (If-Match), so the bytes copied
// are that version's. The delete is preceded by a HEAD that must show the same three, and
// itself names the ETag: a store that honours If-Match on DELETE (S3 since 2024, moto)
// refuses it if a writer got in between the HEAD and the DELETE; on one that ignores it,
// the HEAD leaves that window only. Without a known ETag, nothing is deleted.

/** The version of an object that was examined (listed or HEADed). */
export interface ExaminedVersion {
  etag?: string;
  size: number;
  lastModified?: Date;
}

/** What became of a source object after its copy verified. */
export type SourceOutcome =
  /** delete-source was not asked for. */
  { kind: 'untouched' } | { kind: 'deleted' } | { kind: 'skipped'; reason: SkipReason };

export type SkipReason = 'changed' | 'gone' | 'version-unknown';

/** Each reason in words, for every shell ("kept <url>: <words>"). */
export const SKIP_WORDS: Record<SkipReason, string> = {
  changed: 'changed since it was copied',
  gone: 'no longer there when it was to be deleted',
  'version-unknown': 'the store gives no ETag to tell its versions apart',
};

/** Reads that find the object changed each time before one gets a whole version. */
const READ_ATTEMPTS = 3;

/**
 * Downloads the version of `key` named by `examined.etag` into `dest`; when a writer
 * replaced it meanwhile, examines it again and reads that version (a few times at most).
 * Resolves to the version whose bytes are in `dest`.
 */
export async function readVersion(
  storage: Pick<StoragePort, 'download' | 'head'>,
  bucket: string,
  key: string,
  dest: string,
  examined: ExaminedVersion,
): Promise<ExaminedVersion> {
  let version = examined.etag ? examined : versionOf(await storage.head(bucket, key), key, bucket);
  for (let attempt = 1; ; attempt++) {
    const { etag } = version;
    const read = await storage.download(bucket, key, dest, etag ? { ifMatch: etag } : {});
    if (read !== 'changed') return version;
    if (attempt >= READ_ATTEMPTS) {
      throw new DeltaGliderError(
        `${formatS3Url(bucket, key)} changed ${READ_ATTEMPTS} times while it was being read`,
        'Nothing of it was stored or deleted. Migrate it again once its writer is done',
        { code: 'source-changed', fields: { bucket, key } },
      );
    }
    version = versionOf(await storage.head(bucket, key), key, bucket);
  }
}

/** Deletes `key` if it is still `copied`; otherwise leaves it and says why. */
export async function deleteIfUnchanged(
  storage: Pick<StoragePort, 'head' | 'delete'>,
  bucket: string,
  key: string,
  copied: ExaminedVersion,
): Promise<SourceOutcome> {
  if (!copied.etag) return { kind: 'skipped', reason: 'version-unknown' };
  const now = await storage.head(bucket, key);
  if (!now) return { kind: 'skipped', reason: 'gone' };
  if (!sameVersion(now, copied)) return { kind: 'skipped', reason: 'changed' };
  const refused = await storage.delete(bucket, key, { ifMatch: copied.etag });
  if (refused === 'changed') return { kind: 'skipped', reason: 'changed' };
  if (refused === 'missing') return { kind: 'skipped', reason: 'gone' };
  return { kind: 'deleted' };
}

function versionOf(head: ObjectHead | undefined, key: string, bucket: string): ExaminedVersion {
  if (!head) {
    throw new NotFoundError(
      `${formatS3Url(bucket, key)} was removed while it was being migrated`,
      'Nothing of it was stored. Run the migration again to finish the rest',
      { fields: { bucket, key } },
    );
  }
  return { etag: head.etag, size: head.size, lastModified: head.lastModified };
}

/**
 * Same ETag and size, and the same LastModified to the second when both are known (a
 * listing may carry milliseconds where a HEAD's HTTP date has whole seconds).
 */
function sameVersion(head: ObjectHead, copied: ExaminedVersion): boolean {
  if (head.etag !== copied.etag || head.size !== copied.size) return false;
  if (!head.lastModified || !copied.lastModified) return true;
  return (
    Math.floor(head.lastModified.getTime() / 1000) ===
    Math.floor(copied.lastModified.getTime() / 1000)
  );
}
