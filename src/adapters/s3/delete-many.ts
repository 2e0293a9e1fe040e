// Batch deletion: S3 DeleteObjects takes up to 1000 keys a request and answers key by
// key, so removing a DeltaSpace of thousands of objects costs a few requests instead of
// one per object. Some S3-compatible stores do not implement it (501 NotImplemented):
// then, and from then on for this client, keys go one DELETE each, a few at a time.
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DeleteFailure } from '../../ports.js';
import { mapLimit } from '../../core/util/map-limit.js';
import { errorCodeOf, httpStatusOf } from './errors.js';

/** S3's limit of keys per DeleteObjects request. */
export const DELETE_BATCH = 1000;
/** Single DELETEs in flight when the store has no DeleteObjects. */
const FALLBACK_CONCURRENCY = 8;

export interface BatchDeleteContext {
  client: S3Client;
  /** One DELETE, failing with a StorageError (the adapter's `delete`). */
  deleteOne(bucket: string, key: string): Promise<void>;
  /** Wraps a failed request as the adapter's StorageError. */
  fail(error: unknown, bucket: string): Error;
}

export class BatchDeleter {
  /** Set once the store answered NotImplemented: it will not learn it later. */
  private unsupported = false;

  constructor(private readonly context: BatchDeleteContext) {}

  async deleteMany(bucket: string, keys: readonly string[]): Promise<DeleteFailure[]> {
    const failures: DeleteFailure[] = [];
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      failures.push(...(await this.batch(bucket, batch)));
    }
    return failures;
  }

  private async batch(bucket: string, keys: readonly string[]): Promise<DeleteFailure[]> {
    if (!this.unsupported) {
      try {
        const response = await this.context.client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            // Quiet: the answer lists only the keys that failed.
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        return (response.Errors ?? []).map((e) => ({
          key: e.Key ?? '',
          code: e.Code ?? 'Unknown',
          message: e.Message ?? 'not deleted',
        }));
      } catch (error) {
        if (!isNotImplemented(error)) throw this.context.fail(error, bucket);
        this.unsupported = true;
      }
    }
    const results = await mapLimit(keys, FALLBACK_CONCURRENCY, async (key) => {
      try {
        await this.context.deleteOne(bucket, key);
        return undefined;
      } catch (error) {
        const failure: DeleteFailure = {
          key,
          code: errorCodeOf((error as { cause?: unknown }).cause ?? error) ?? 'Unknown',
          message: (error as Error).message ?? String(error),
        };
        return failure;
      }
    });
    return results.filter((r): r is DeleteFailure => r !== undefined);
  }
}

function isNotImplemented(error: unknown): boolean {
  return errorCodeOf(error) === 'NotImplemented' || httpStatusOf(error) === 501;
}
