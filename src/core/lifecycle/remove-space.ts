import type { LoggerPort, StoragePort } from '../../ports.js';
import { formatSpace, listingPrefix, REFERENCE_NAME } from '../delta-space.js';
import { deleteKeys } from '../delete-keys.js';
import { NotFoundError } from '../errors.js';
import type { DeltaSpace } from '../models.js';
import { classifyKeys, reservedSegment } from '../reserved.js';
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
  const listed: string[] = [];
  for await (const object of storage.list(space.bucket, prefix)) listed.push(object.key);
  const roles = classifyKeys(listed);
  // Inside a reserved folder, a reference.bin may be the space above's: keep it.
  const ownReference = reservedSegment(space.prefix) === undefined;
  const files: string[] = [];
  const references: string[] = [];
  for (const key of listed) {
    const rest = key.slice(prefix.length);
    const role = roles.get(key)!;
    if (role.kind === 'extra-reference' && role.space === space.prefix) references.push(key);
    else if (role.kind !== 'file' && ownReference) continue;
    else if (rest === REFERENCE_NAME) {
      if (ownReference) references.push(key);
    } else if (rest !== '' && !rest.includes('/')) files.push(key);
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
  // `references` holds only reference.bin and the space's extra references (classifyKeys).
  const removed = await retireReferences(storage, log, space, references);
  return { deleted: [...files, ...removed] };
}
