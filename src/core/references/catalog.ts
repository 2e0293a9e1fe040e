import type { ObjectHead, StoragePort } from '../../ports.js';
import { extraReferenceKey, extraReferencesPrefix, referenceKey } from '../delta-space.js';
import { IntegrityError } from '../errors.js';
import { readField, referenceSha256 } from '../metadata.js';
import type { DeltaSpace } from '../models.js';
import { formatS3Url } from '../s3-url.js';
import { classifyKeys, keyRole } from '../reserved.js';
import { mapLimit } from '../util/map-limit.js';
import { familyOf } from './family.js';
import { retiringState, type RetiringState } from './retiring.js';
import { decodeSketch, type Sketch } from './sketch.js';

// The references of one DeltaSpace, found with one HEAD of `reference.bin` and one LIST
// of `.dg-refs/` (plus a HEAD per extra reference): never a scan of the deltas. There is
// no index to keep in step: the bucket is the index, so concurrent writers cannot
// corrupt it and nothing needs rebuilding.

/** HEADs in flight while reading a space's references. */
const HEAD_CONCURRENCY = 8;

/** Extra references read at most (the listing is untrusted: bound the HEADs it causes). */
export const MAX_LISTED_REFERENCES = 1000;
/** Keys of `.dg-refs/` listed at most (strays an older upload left there included). */
const MAX_LISTED_KEYS = 10 * MAX_LISTED_REFERENCES;

/** One reference of a DeltaSpace, as its metadata describes it. */
export interface ReferenceInfo {
  key: string;
  sha256: string;
  size: number;
  /** The space's own `reference.bin` (DeltaGlider's one reference). */
  root: boolean;
  /** The family of the file it was made from (family.ts), when its name is recorded. */
  family?: string;
  sketch?: Sketch;
  /** `dg-created-at` as written: ISO-8601, so it sorts by time. */
  createdAt: string;
}

/** What reading a reference's metadata found (`retiring`: whether a prune marked it). */
export type ReferenceRead =
  | { kind: 'missing' }
  | { kind: 'found'; sha256: string; head: ObjectHead; retiring: RetiringState };

/**
 * The one way to read a reference: its HEAD, and the sha256 it declares. A reference
 * without one was not written by DeltaGlider (or was changed behind it): an error.
 */
export async function readReference(
  storage: StoragePort,
  bucket: string,
  key: string,
): Promise<ReferenceRead> {
  const head = await storage.head(bucket, key);
  if (!head) return { kind: 'missing' };
  const sha256 = referenceSha256(head.metadata);
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new IntegrityError(
      `${formatS3Url(bucket, key)} has no valid dg-file-sha256 metadata`,
      'It was not written by DeltaGlider, or was changed behind it; move it away or store the files under another prefix',
      { code: 'foreign-reference', fields: { bucket, key } },
    );
  }
  return { kind: 'found', sha256, head, retiring: retiringState(head.metadata) };
}

/**
 * Whether the reference at `key` is stored, declares `sha256` and is not retiring: one a
 * delta may be made against, and the check an uploader makes after writing that delta
 * (docs/lifecycle.md: a mark seen then means the delta must be stored again).
 */
export async function isReferenceNow(
  storage: StoragePort,
  bucket: string,
  key: string,
  sha256: string,
): Promise<boolean> {
  const read = await readReference(storage, bucket, key).catch(() => undefined);
  return read?.kind === 'found' && read.sha256 === sha256 && read.retiring.kind === 'active';
}

export function describeReference(
  key: string,
  root: boolean,
  read: { sha256: string; head: ObjectHead },
): ReferenceInfo {
  const source = readField(read.head.metadata, 'source-name');
  const sketch = decodeSketch(readField(read.head.metadata, 'ref-sketch'));
  return {
    key,
    sha256: read.sha256,
    size: read.head.size,
    root,
    ...(source ? { family: familyOf(source) } : {}),
    ...(sketch ? { sketch } : {}),
    createdAt: readField(read.head.metadata, 'created-at') ?? '',
  };
}

/**
 * The references uploads may choose: `reference.bin` first (when there is one), then the
 * extra ones; those a prune marked retiring are left out.
 */
export async function readSpaceReferences(
  storage: StoragePort,
  space: DeltaSpace,
): Promise<ReferenceInfo[]> {
  const found: ReferenceInfo[] = [];
  const rootKey = referenceKey(space);
  const root = await readReference(storage, space.bucket, rootKey);
  const active = (read: ReferenceRead | undefined) =>
    read?.kind === 'found' && read.retiring.kind === 'active' ? read : undefined;
  const rootRead = active(root);
  if (rootRead) found.push(describeReference(rootKey, true, rootRead));
  const keys = await extraReferenceKeys(storage, space);
  const extras = await mapLimit(keys, HEAD_CONCURRENCY, async (key) => {
    // One unreadable extra reference must not stop uploads: it is just not a candidate.
    const read = await readReference(storage, space.bucket, key).catch(() => undefined);
    const usable = active(read);
    // Its id follows from its bytes: a folder named otherwise is not one the format wrote.
    if (!usable || key !== extraReferenceKey(space, usable.sha256)) return undefined;
    return describeReference(key, false, usable);
  });
  for (const extra of extras) if (extra) found.push(extra);
  return found;
}

/**
 * Keys of `<space>/.dg-refs/<id>/reference.bin`, from one listing, bounded: those
 * reserved.ts calls extra references (a folder that holds anything else is an older
 * upload's, never a reference of the space).
 */
export async function extraReferenceKeys(
  storage: StoragePort,
  space: DeltaSpace,
): Promise<string[]> {
  const prefix = extraReferencesPrefix(space);
  const keys: string[] = [];
  let candidates = 0;
  let folder: string | undefined;
  let unfinished: string | undefined;
  // A folder's keys are listed together: a folder is judged only once it is listed whole.
  for await (const { key } of storage.list(space.bucket, prefix)) {
    const slash = key.indexOf('/', prefix.length);
    const at = slash === -1 ? key : key.slice(0, slash + 1);
    if (at !== folder) {
      if (candidates >= MAX_LISTED_REFERENCES || keys.length >= MAX_LISTED_KEYS) break;
      folder = at;
    } else if (keys.length >= MAX_LISTED_KEYS) {
      unfinished = at;
      break;
    }
    keys.push(key);
    if (keyRole(key).kind === 'extra-reference') candidates++;
  }
  const roles = classifyKeys(keys);
  return keys.filter(
    (key) => roles.get(key)?.kind === 'extra-reference' && !key.startsWith(unfinished ?? '\0'),
  );
}
