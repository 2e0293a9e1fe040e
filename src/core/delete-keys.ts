import type { StoragePort } from '../ports.js';
import { DeltaGliderError } from './errors.js';
import { formatS3Url } from './s3-url.js';
import { escapeLogLine } from './text-safety.js';

/**
 * Deletes `keys` in batches (StoragePort.deleteMany) and fails, naming the first key and
 * S3's reason, when any was left in place: a caller that deletes files before references
 * must not go on to the references then.
 */
export async function deleteKeys(
  storage: Pick<StoragePort, 'deleteMany'>,
  bucket: string,
  keys: readonly string[],
): Promise<void> {
  if (keys.length === 0) return;
  const failures = await storage.deleteMany(bucket, keys);
  if (failures.length === 0) return;
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  throw new DeltaGliderError(
    escapeLogLine(
      `S3 did not delete ${formatS3Url(bucket, first.key)}${more}: ${first.code}: ${first.message}`,
    ),
    'Nothing that still needs them was removed after it; fix the cause and run again',
    {
      code: first.code === 'AccessDenied' ? 'storage-denied' : 'storage-failed',
      fields: { bucket, key: first.key },
    },
  );
}
