import type { LoggerPort, StoragePort } from '../ports.js';
import {
  assertValidName,
  DELTA_SUFFIX,
  deltaKey,
  directKey,
  formatSpace,
  listingPrefix,
  referenceKey,
  referenceKeyFor,
} from './delta-space.js';
import { decodeObject } from './metadata.js';
import { extraReferenceKeys } from './references/catalog.js';
import { reservedSegment } from './reserved.js';
import { mapLimit } from './util/map-limit.js';
import { NotFoundError } from './errors.js';
import { deleteKeys } from './delete-keys.js';
import type { DeltaSpace } from './models.js';
import { formatS3Url } from './s3-url.js';
import { ReferenceRetirer, type RetireOutcome } from './lifecycle/retire-references.js';

export interface RemoveResult {
  name: string;
  /** Keys deleted (in a dry run: that would be), references last. */
  deleted: string[];
  /** True when `reference.bin` went too, because no delta of the space needs it any more. */
  referenceRemoved: boolean;
}

/** HEADs in flight when checking which deltas still need an extra reference. */
const HEAD_CONCURRENCY = 8;

/** What removing several files of one DeltaSpace deleted (in a dry run: would delete). */
export interface BatchRemoveResult {
  /** Per name, in the order given: `<name>` and/or `<name>.delta`. */
  files: { name: string; deleted: string[] }[];
  /** References no remaining delta needs, deleted after every file. */
  references: string[];
  /** True when `reference.bin` went, because no delta of the space is left. */
  referenceRemoved: boolean;
}

/**
 * Removes a logical file from a DeltaSpace: `<name>` and/or `<name>.delta`; then the
 * space's `reference.bin` and extra references once no `.delta` is left at that level,
 * or else the extra reference the removed delta used once no other delta points at it.
 * Only this exact level counts: a deeper prefix, or a sibling prefix that merely starts
 * with the same characters (`app` and `app2`), is another DeltaSpace with its own
 * reference.
 *
 * References go by the deletion protocol (docs/lifecycle.md) with no grace: marked, the
 * deltas looked at again, then deleted; one a delta written meanwhile needs stays.
 */
export async function removeFile(
  storage: StoragePort,
  log: LoggerPort,
  space: DeltaSpace,
  name: string,
  options: { dryRun?: boolean } = {},
): Promise<RemoveResult> {
  const { files, references, referenceRemoved } = await removeFiles(
    storage,
    log,
    space,
    [name],
    options,
  );
  return { name, deleted: [...files[0]!.deleted, ...references], referenceRemoved };
}

/**
 * `removeFile` for many names of one DeltaSpace at once (sync --delete): one listing,
 * batch deletes, and each remaining delta read at most once, so the cost grows with the
 * number of objects rather than with its square. Files go first, references last; a
 * name that is not there fails the whole call before anything is deleted.
 */
export async function removeFiles(
  storage: StoragePort,
  log: LoggerPort,
  space: DeltaSpace,
  names: readonly string[],
  options: { dryRun?: boolean } = {},
): Promise<BatchRemoveResult> {
  names.forEach(assertValidName);
  const level = await listLevel(storage, space);
  const files = names.map((name) => ({
    name,
    deleted: [directKey(space, name), deltaKey(space, name)].filter((k) => level.keys.has(k)),
  }));
  const missing = files.find((f) => f.deleted.length === 0);
  if (missing) {
    throw new NotFoundError(
      `Neither ${formatS3Url(space.bucket, directKey(space, missing.name))} nor its .delta exists`,
      `List ${formatSpace(space)} to see the names it holds`,
    );
  }
  const targets = files.flatMap((f) => f.deleted);
  const gone = new Set(targets);
  const left = level.deltas.filter((key) => !gone.has(key));
  const extras = await extraReferenceKeys(storage, space);
  // Read before the deltas go: their metadata names the extra references they used.
  const removedDeltas = targets.filter((k) => k.endsWith(DELTA_SUFFIX));
  const used =
    left.length > 0 && extras.length > 0
      ? await referencesUsedBy(storage, space.bucket, removedDeltas)
      : new Set<string>();
  await remove(storage, log, space.bucket, targets, options.dryRun);

  const references: string[] = [];
  if (reservedSegment(space.prefix)) {
    // A folder an older upload filled under .dg-refs/: its reference.bin may also be an
    // extra reference a delta of the space above uses. Only prune, which reads every
    // delta's dg-ref-key, may judge it.
    if (left.length === 0 && level.keys.has(referenceKey(space)))
      log.info(
        `Keeping ${formatS3Url(space.bucket, referenceKey(space))}: it is under a reserved folder`,
      );
  } else if (left.length === 0) {
    if (level.keys.has(referenceKey(space))) references.push(referenceKey(space));
    references.push(...extras);
    if (references.length > 0)
      log.info(`${formatSpace(space)} holds no delta any more: removing its references`);
  } else if (extras.length > 0) {
    // Only extra references can go while deltas remain: those the removed deltas used
    // and no remaining delta points at.
    const candidates = extras.filter((key) => used.has(key));
    if (candidates.length > 0) {
      const stillUsed = await referencesUsedBy(storage, space.bucket, left);
      for (const key of candidates) {
        if (stillUsed.has(key) || stillUsed.has(UNREADABLE)) continue;
        log.info(`No delta of ${formatSpace(space)} needs ${key} any more: removing it`);
        references.push(key);
      }
    }
  }
  const removed = await retireReferences(storage, log, space, references, options.dryRun);
  return { files, references: removed, referenceRemoved: removed.includes(referenceKey(space)) };
}

/** The keys directly at a space's level (one listing), and which of them are deltas. */
async function listLevel(storage: StoragePort, space: DeltaSpace) {
  const prefix = listingPrefix(space);
  const keys = new Set<string>();
  const deltas: string[] = [];
  for await (const object of storage.list(space.bucket, prefix)) {
    const rest = object.key.slice(prefix.length);
    if (rest === '' || rest.includes('/')) continue;
    keys.add(object.key);
    if (rest.endsWith(DELTA_SUFFIX)) deltas.push(object.key);
  }
  return { keys, deltas };
}

/** Stands for a delta whose reference cannot be read: it might need any of them. */
const UNREADABLE = '\0unreadable';

/** The reference keys the deltas `keys` are made against (one HEAD each, bounded). */
async function referencesUsedBy(
  storage: StoragePort,
  bucket: string,
  keys: readonly string[],
): Promise<Set<string>> {
  const used = await mapLimit(keys, HEAD_CONCURRENCY, async (key) => {
    const head = await storage.head(bucket, key);
    if (!head) return undefined;
    const decoded = decodeObject(head.metadata);
    // Not readable as a delta: keep every reference rather than risk breaking one.
    if (decoded.type !== 'delta' || !decoded.refKey) return UNREADABLE;
    return referenceKeyFor(decoded.refKey);
  });
  return new Set(used.filter((k): k is string => k !== undefined));
}

async function remove(
  storage: StoragePort,
  log: LoggerPort,
  bucket: string,
  keys: readonly string[],
  dryRun = false,
): Promise<void> {
  for (const key of keys)
    log.info(`${dryRun ? '(dry run) would delete' : 'Deleting'} ${formatS3Url(bucket, key)}`);
  if (!dryRun) await deleteKeys(storage, bucket, keys);
}

/**
 * Deletes the references `keys` by the deletion protocol, with no grace: marked, looked
 * at again, deleted unless a delta needs one now. Resolves to those deleted (in a dry
 * run: all of `keys`).
 */
export async function retireReferences(
  storage: StoragePort,
  log: LoggerPort,
  space: DeltaSpace,
  keys: readonly string[],
  dryRun = false,
): Promise<string[]> {
  if (dryRun || keys.length === 0) {
    await remove(storage, log, space.bucket, keys, dryRun);
    return [...keys];
  }
  const retirer = new ReferenceRetirer({
    storage,
    log,
    concurrency: HEAD_CONCURRENCY,
    deleteAll: (s, batch) => remove(storage, log, s.bucket, batch),
  });
  const outcome: RetireOutcome = {
    removedReferences: [],
    revivedReferences: [],
    skippedReferences: [],
  };
  await retirer.retireNow(space, keys, outcome);
  for (const key of [...outcome.revivedReferences, ...outcome.skippedReferences.map((r) => r.key)])
    log.info(
      `Kept ${formatS3Url(space.bucket, key)}: a delta written meanwhile needs it, or it changed`,
    );
  return outcome.removedReferences.map((r) => r.key);
}
