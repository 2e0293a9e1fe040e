import type { LoggerPort, StoragePort } from '../../ports.js';
import { formatSpace, listingPrefix, REFERENCE_NAME, REFERENCES_FOLDER } from '../delta-space.js';
import { deleteKeys } from '../delete-keys.js';
import { NotFoundError } from '../errors.js';
import type { DeltaSpace } from '../models.js';
import { formatS3Url } from '../s3-url.js';
import { retireReferences } from '../remover.js';

export interface RemoveSpaceResult {
  /** Keys deleted (in a dry run: that would be), references last. */
  deleted: string[];
}

/**
 * Removes a whole DeltaSpace: every object directly under its prefix and its reference
 * folders (`<space>/.dg-refs/`). Deeper prefixes are other DeltaSpaces and stay. Files
 * go first and references last, so a run that stops midway never leaves a delta whose
 * reference is gone; running it again finishes the job.
 */
export async function removeSpace(
  storage: StoragePort,
  log: LoggerPort,
  space: DeltaSpace,
  options: { dryRun?: boolean } = {},
): Promise<RemoveSpaceResult> {
  const prefix = listingPrefix(space);
  const files: string[] = [];
  const references: string[] = [];
  for await (const object of storage.list(space.bucket, prefix)) {
    const rest = object.key.slice(prefix.length);
    if (rest === '') continue;
    if (rest === REFERENCE_NAME || rest.startsWith(`${REFERENCES_FOLDER}/`))
      references.push(object.key);
    else if (!rest.includes('/')) files.push(object.key);
  }
  const deleted = [...files, ...references];
  if (deleted.length === 0) {
    throw new NotFoundError(
      `${formatSpace(space)} holds no objects`,
      'Check the URL; DeltaSpaces below it are not removed with it, list them with "deltaglider ls"',
      { fields: { bucket: space.bucket, key: space.prefix } },
    );
  }
  if (options.dryRun) return { deleted };
  // Batches of 1000; the references only once every file is gone, by the deletion
  // protocol (a delta written meanwhile keeps the reference it needs).
  for (const key of files) log.info(`Deleting ${formatS3Url(space.bucket, key)}`);
  await deleteKeys(storage, space.bucket, files);
  const isReference = (key: string) =>
    /^(\.dg-refs\/[0-9a-f]{16}\/)?reference\.bin$/.test(key.slice(prefix.length));
  const others = references.filter((k) => !isReference(k));
  for (const key of others) log.info(`Deleting ${formatS3Url(space.bucket, key)}`);
  await deleteKeys(storage, space.bucket, others);
  const kept = references.filter(isReference);
  const removed = await retireReferences(storage, log, space, kept);
  return { deleted: [...files, ...others, ...removed] };
}
