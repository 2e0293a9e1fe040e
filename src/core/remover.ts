import type { LoggerPort, StoragePort } from '../ports.js';
import {
  assertValidName,
  DELTA_SUFFIX,
  deltaKey,
  directKey,
  formatSpace,
  listingPrefix,
  referenceKey,
} from './delta-space.js';
import { NotFoundError } from './errors.js';
import type { DeltaSpace } from './models.js';
import { formatS3Url } from './s3-url.js';

export interface RemoveResult {
  name: string;
  /** Keys deleted (in a dry run: that would be), the reference last. */
  deleted: string[];
  /** True when `reference.bin` went too, because no delta of the space needs it any more. */
  referenceRemoved: boolean;
}

/**
 * Removes a logical file from a DeltaSpace: `<name>` and/or `<name>.delta`, then the
 * space's `reference.bin` once no `.delta` is left at that level. Only this exact level
 * counts: a deeper prefix, or a sibling prefix that merely starts with the same
 * characters (`app` and `app2`), is another DeltaSpace with its own reference.
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
  for (const key of [directKey(space, name), deltaKey(space, name)]) {
    if (await storage.head(space.bucket, key)) targets.push(key);
  }
  if (targets.length === 0) {
    throw new NotFoundError(
      `Neither ${formatS3Url(space.bucket, directKey(space, name))} nor its .delta exists`,
      `List ${formatSpace(space)} to see the names it holds`,
    );
  }
  for (const key of targets) await remove(storage, log, space.bucket, key, options.dryRun);

  const refKey = referenceKey(space);
  const referenceRemoved =
    !(await anyDeltaLeft(storage, space, new Set(targets))) &&
    (await storage.head(space.bucket, refKey)) !== undefined;
  if (referenceRemoved) {
    log.info(`${formatSpace(space)} holds no delta any more: removing its reference.bin`);
    await remove(storage, log, space.bucket, refKey, options.dryRun);
  }
  return { name, deleted: referenceRemoved ? [...targets, refKey] : targets, referenceRemoved };
}

/** Whether a `.delta` is left directly in the space, `gone` (deleted, or to be in a dry run) aside. */
async function anyDeltaLeft(
  storage: StoragePort,
  space: DeltaSpace,
  gone: ReadonlySet<string>,
): Promise<boolean> {
  const prefix = listingPrefix(space);
  for await (const object of storage.list(space.bucket, prefix)) {
    const rest = object.key.slice(prefix.length);
    if (!rest.includes('/') && rest.endsWith(DELTA_SUFFIX) && !gone.has(object.key)) return true;
  }
  return false;
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
