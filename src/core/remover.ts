import type { LoggerPort, StoragePort } from '../ports.js';
import {
  assertValidName,
  DELTA_SUFFIX,
  deltaKey,
  directKey,
  formatSpace,
  extraReferencesPrefix,
  listingPrefix,
  referenceKey,
  referenceKeyFor,
} from './delta-space.js';
import { decodeObject } from './metadata.js';
import { extraReferenceKeys } from './references/catalog.js';
import { mapLimit } from './util/map-limit.js';
import { NotFoundError } from './errors.js';
import type { DeltaSpace } from './models.js';
import { formatS3Url } from './s3-url.js';

export interface RemoveResult {
  name: string;
  /** Keys deleted (in a dry run: that would be), references last. */
  deleted: string[];
  /** True when `reference.bin` went too, because no delta of the space needs it any more. */
  referenceRemoved: boolean;
}

/** HEADs in flight when checking which deltas still need an extra reference. */
const HEAD_CONCURRENCY = 8;

/**
 * Removes a logical file from a DeltaSpace: `<name>` and/or `<name>.delta`; then the
 * space's `reference.bin` and extra references once no `.delta` is left at that level,
 * or else the extra reference the removed delta used once no other delta points at it.
 * Only this exact level counts: a deeper prefix, or a sibling prefix that merely starts
 * with the same characters (`app` and `app2`), is another DeltaSpace with its own
 * reference.
 *
 * Not safe against an upload to the same space at the same moment: a delta written
 * between the listing and the reference's deletion would lose its reference.
 */
export async function removeFile(
  storage: StoragePort,
  log: LoggerPort,
  space: DeltaSpace,
  name: string,
  options: { dryRun?: boolean } = {},
): Promise<RemoveResult> {
  assertValidName(name);
  const targets: string[] = [];
  let usedReference: string | undefined;
  for (const key of [directKey(space, name), deltaKey(space, name)]) {
    const head = await storage.head(space.bucket, key);
    if (!head) continue;
    targets.push(key);
    const decoded = decodeObject(head.metadata);
    if (key.endsWith(DELTA_SUFFIX) && decoded.type === 'delta' && decoded.refKey)
      usedReference = referenceKeyFor(decoded.refKey);
  }
  if (targets.length === 0) {
    throw new NotFoundError(
      `Neither ${formatS3Url(space.bucket, directKey(space, name))} nor its .delta exists`,
      `List ${formatSpace(space)} to see the names it holds`,
    );
  }
  for (const key of targets) await remove(storage, log, space.bucket, key, options.dryRun);

  const refKey = referenceKey(space);
  const left = await deltasLeft(storage, space, new Set(targets));
  const references: string[] = [];
  if (left.length === 0) {
    if (await storage.head(space.bucket, refKey)) references.push(refKey);
    references.push(...(await extraReferenceKeys(storage, space)));
    if (references.length > 0)
      log.info(`${formatSpace(space)} holds no delta any more: removing its references`);
  } else if (
    usedReference?.startsWith(extraReferencesPrefix(space)) &&
    !(await anyPointsAt(storage, space.bucket, left, usedReference)) &&
    (await storage.head(space.bucket, usedReference))
  ) {
    log.info(`No delta of ${formatSpace(space)} needs ${usedReference} any more: removing it`);
    references.push(usedReference);
  }
  for (const key of references) await remove(storage, log, space.bucket, key, options.dryRun);
  return {
    name,
    deleted: [...targets, ...references],
    referenceRemoved: references.includes(refKey),
  };
}

/** The `.delta` keys left directly in the space, `gone` (deleted, or to be in a dry run) aside. */
async function deltasLeft(
  storage: StoragePort,
  space: DeltaSpace,
  gone: ReadonlySet<string>,
): Promise<string[]> {
  const prefix = listingPrefix(space);
  const left: string[] = [];
  for await (const object of storage.list(space.bucket, prefix)) {
    const rest = object.key.slice(prefix.length);
    if (!rest.includes('/') && rest.endsWith(DELTA_SUFFIX) && !gone.has(object.key))
      left.push(object.key);
  }
  return left;
}

/** Whether any of the deltas `keys` is made against the reference `refKey` (one HEAD each). */
async function anyPointsAt(
  storage: StoragePort,
  bucket: string,
  keys: readonly string[],
  refKey: string,
): Promise<boolean> {
  const uses = await mapLimit(keys, HEAD_CONCURRENCY, async (key) => {
    const head = await storage.head(bucket, key);
    const decoded = decodeObject(head?.metadata ?? {});
    if (!head) return false;
    // Not readable as a delta: keep the reference rather than risk breaking one.
    if (decoded.type !== 'delta') return true;
    return referenceKeyFor(decoded.refKey ?? '') === refKey;
  });
  return uses.some(Boolean);
}

async function remove(
  storage: StoragePort,
  log: LoggerPort,
  bucket: string,
  key: string,
  dryRun = false,
): Promise<void> {
  if (dryRun) {
    log.info(`(dry run) would delete ${formatS3Url(bucket, key)}`);
    return;
  }
  log.info(`Deleting ${formatS3Url(bucket, key)}`);
  await storage.delete(bucket, key);
}
