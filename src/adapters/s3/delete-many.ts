// Batch deletion: S3 DeleteObjects takes up to 1000 keys a request and answers key by
// key, so removing a DeltaSpace of thousands of objects costs a few requests instead of
// one per object. Some S3-compatible stores do not implement it (501 NotImplemented, 405)
// or refuse the request as formed (400: InvalidRequest for a missing Content-MD5, which
// we send anyway, MalformedXML, …): then, and from then on for this client, keys go one
// DELETE each, a few at a time, with one warning naming the store's answer. A single
// DELETE has the same outcome, and fails with its own clear error when the trouble is
// not the batch request (permissions, a missing bucket).
import { DeleteObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DeleteFailure } from '../../ports.js';
import { mapLimit } from '../../core/util/map-limit.js';
import { describeAnswer, errorCodeOf, httpStatusOf } from './errors.js';
import { withContentMd5 } from './content-md5.js';

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
  /** Told once when the store refuses batch deletes (default: no warning). */
  warn?(message: string): void;
  /** The endpoint as messages name it. */
  endpoint?: string;
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
          withContentMd5(
            new DeleteObjectsCommand({
              Bucket: bucket,
              // Quiet: the answer lists only the keys that failed.
              Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
            }),
          ),
        );
        return (response.Errors ?? []).map((e) => ({
          key: e.Key ?? '',
          code: e.Code ?? 'Unknown',
          message: e.Message ?? 'not deleted',
        }));
      } catch (error) {
        if (!isBatchRefused(error)) throw this.context.fail(error, bucket);
        this.unsupported = true;
        this.context.warn?.(
          `the S3 store${this.context.endpoint ? ` at ${this.context.endpoint}` : ''} refused ` +
            `DeleteObjects (${describeAnswer(error)}); deleting one key per request instead`,
        );
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

/** The store's answers that mean "no batch delete here", not "you may not delete". */
function isBatchRefused(error: unknown): boolean {
  const status = httpStatusOf(error);
  return (
    errorCodeOf(error) === 'NotImplemented' || status === 501 || status === 405 || status === 400
  );
}
