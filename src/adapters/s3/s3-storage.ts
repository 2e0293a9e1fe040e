// StoragePort over the AWS SDK v3. Bodies stream between files and S3: downloads are
// piped to disk, uploads go through lib-storage (create-if-absent.ts for conditional
// ones) in bounded parts, so memory stays at about partSize x (queueSize + 1) whatever
// the artifact size. Concurrent uploads share one such allowance (`partMemory`): with
// 8 MiB parts the action's Node process peaks near 230 MiB (BENCHMARKS.md) with any
// number of files of any size, where 16 MiB parts alone reached 252 MiB for one file.

import { createReadStream, createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type {
  DeleteFailure,
  ListedObject,
  Metadata,
  ObjectHead,
  ProgressListener,
  ProgressOptions,
  VersionMismatch,
  VersionOptions,
  PutOptions,
  PutOutcome,
  StoragePort,
} from '../../ports.js';
import { createS3Client, describeEndpoint, type S3ClientOptions } from './client.js';
import { MemoryBudget } from '../memory-budget.js';
import { asLocalError } from '../local-errors.js';
import { LocalFileError } from '../../core/errors.js';
import { METADATA_LIMIT_BYTES, metadataBytes } from '../../core/metadata-budget.js';
import { createIfAbsent } from './create-if-absent.js';
import { BatchDeleter } from './delete-many.js';
import { ConditionalWrites } from './conditional-writes.js';
import {
  errorCodeOf,
  httpStatusOf,
  s3Url,
  StorageError,
  toStorageError,
  type S3Operation,
} from './errors.js';

const MIB = 1024 * 1024;
/** S3's smallest allowed part (except the last). */
const MIN_PART_SIZE = 5 * MIB;
/** S3's largest part count: bigger files get bigger parts. */
const MAX_PARTS = 10_000;
const READ_CHUNK = MIB;

export interface S3StorageOptions extends S3ClientOptions {
  /** Server-side encryption for every object written (single PUT and multipart). */
  sse?: 'AES256' | 'aws:kms';
  /** KMS key id or ARN with `sse: 'aws:kms'` (else the account's aws/s3 key). */
  sseKmsKeyId?: string;
  /**
   * Multipart part size, and the size up to which a file goes in a single PUT.
   * Default 8 MiB; at least 5 MiB; raised automatically past 10,000 parts.
   */
  partSizeBytes?: number;
  /** Parts in flight at once (default 4). */
  queueSize?: number;
  /** Keys per ListObjectsV2 page, 1–1000 (default 1000; tests lower it). */
  listPageSize?: number;
  /**
   * Told once per client about a store that refuses part of the S3 API we would use
   * (If-None-Match, DeleteObjects), with the fallback taken. Default: not told.
   */
  warn?: (message: string) => void;
}

/** The storage the shells wire in: an S3Storage with its own client. */
export function createS3Storage(options: S3StorageOptions = {}): S3Storage {
  return new S3Storage(options);
}

export class S3Storage implements StoragePort {
  private readonly client: S3Client;
  private readonly endpoint: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  /**
   * Part buffers of all uploads in flight, bounded together: beyond one upload's worth
   * (partSize x queueSize), further uploads wait their turn (the network is shared anyway).
   */
  private readonly partMemory: MemoryBudget;
  private readonly listPageSize: number;
  private readonly encryption: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'>;
  /** Buckets HeadBucket has confirmed (see `head`). */
  private readonly knownBuckets = new Set<string>();
  private readonly batchDeleter: BatchDeleter;
  private readonly conditional: ConditionalWrites;

  /** Builds its own client from `options` unless one is given (tests, shared clients). */
  constructor(options: S3StorageOptions = {}, client?: S3Client) {
    this.client = client ?? createS3Client(options);
    this.endpoint = describeEndpoint(options);
    this.partSize = options.partSizeBytes ?? 8 * MIB;
    this.queueSize = options.queueSize ?? 4;
    this.listPageSize = options.listPageSize ?? 1000;
    if (this.partSize < MIN_PART_SIZE) {
      throw new StorageError(`part size ${this.partSize} is below the S3 minimum of 5 MiB`);
    }
    if (!Number.isInteger(this.queueSize) || this.queueSize < 1) {
      throw new StorageError(`queue size must be a positive integer, got ${this.queueSize}`);
    }
    if (!Number.isInteger(this.listPageSize) || this.listPageSize < 1 || this.listPageSize > 1000) {
      throw new StorageError(`list page size must be 1 to 1000, got ${this.listPageSize}`);
    }
    this.partMemory = new MemoryBudget(this.partSize * this.queueSize);
    if (options.sseKmsKeyId && options.sse !== 'aws:kms') {
      throw new StorageError("an SSE KMS key id needs server-side encryption 'aws:kms'");
    }
    this.encryption = {
      ...(options.sse ? { ServerSideEncryption: options.sse } : {}),
      ...(options.sseKmsKeyId ? { SSEKMSKeyId: options.sseKmsKeyId } : {}),
    };
    // The shells pass their logger; a library caller that passes none is not printed to.
    const warn = options.warn ?? (() => undefined);
    this.batchDeleter = new BatchDeleter({
      client: this.client,
      deleteOne: async (bucket, key) => void (await this.delete(bucket, key)),
      fail: (error, bucket) => this.fail(error, 'DeleteObjects', bucket),
      warn,
      endpoint: this.endpoint,
    });
    this.conditional = new ConditionalWrites(this.endpoint, warn);
  }

  /** Closes the client's sockets (the process can exit without waiting for keep-alive). */
  close(): void {
    this.client.destroy();
  }

  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        key,
        size: response.ContentLength ?? 0,
        metadata: lowercaseKeys(response.Metadata),
        lastModified: response.LastModified,
        etag: response.ETag,
      };
    } catch (error) {
      if (httpStatusOf(error) !== 404) throw this.fail(error, 'HeadObject', bucket, key);
    }
    // A HEAD response has no body, so a missing bucket and a missing key both come back
    // as a bare 404. Ask once per bucket, or a typo in the bucket name would read as
    // "nothing stored yet" and the first upload would fail far from the cause.
    await this.confirmBucket(bucket);
    return undefined;
  }

  private async confirmBucket(bucket: string): Promise<void> {
    if (this.knownBuckets.has(bucket)) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      // 403: no s3:ListBucket. The bucket may well exist; let the real operation speak.
      if (httpStatusOf(error) !== 403) throw this.fail(error, 'HeadBucket', bucket);
    }
    this.knownBuckets.add(bucket);
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ListedObject> {
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            ...(prefix ? { Prefix: prefix } : {}),
            ContinuationToken: token,
            MaxKeys: this.listPageSize,
            // Keys travel URL-encoded: in raw XML a CR in a key comes back as LF, and
            // characters XML 1.0 cannot carry break the page (botocore asks the same).
            EncodingType: 'url',
          }),
        );
      } catch (error) {
        throw this.fail(error, 'ListObjectsV2', bucket, prefix || undefined);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) {
          const key = page.EncodingType === 'url' ? decodeListedKey(object.Key) : object.Key;
          yield {
            key,
            size: object.Size ?? 0,
            lastModified: object.LastModified,
            etag: object.ETag,
          };
        }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async download(
    bucket: string,
    key: string,
    destPath: string,
    options: ProgressOptions & VersionOptions = {},
  ): Promise<void | 'changed'> {
    let response;
    try {
      response = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: options.ifMatch }),
      );
    } catch (error) {
      if (options.ifMatch !== undefined && httpStatusOf(error) === 412) return 'changed';
      throw this.fail(error, 'GetObject', bucket, key);
    }
    // In Node the SDK's streaming body is an http.IncomingMessage: a Readable.
    const body = response.Body as Readable | undefined;
    try {
      if (!body) throw new StorageError(`S3 GetObject ${s3Url(bucket, key)} returned no body`);
      const sink = createWriteStream(destPath);
      await (options.onProgress
        ? pipeline(body, countBytes(options.onProgress), sink)
        : pipeline(body, sink));
      const written = (await stat(destPath)).size;
      if (response.ContentLength !== undefined && written !== response.ContentLength) {
        throw new StorageError(
          `download of ${s3Url(bucket, key)} ended after ${written} of ` +
            `${response.ContentLength} bytes`,
          { code: 'storage-dropped', hint: 'Try again', fields: { bucket, key } },
        );
      }
    } catch (error) {
      body?.destroy();
      // Never leave a truncated file where a caller might take it for the object.
      // (A directory there is not ours to remove: rm without `recursive` refuses it.)
      await rm(destPath, { force: true }).catch(() => undefined);
      if (error instanceof StorageError) throw error;
      // A full disk or a denied write is this machine's problem, said as such.
      const local = asLocalError(error, destPath, { bytesNeeded: response.ContentLength });
      if (local instanceof LocalFileError) throw local;
      if (isLocalFileError(error)) {
        throw new StorageError(`cannot write ${destPath}: ${(error as Error).message}`, {
          cause: error,
          code: 'local-file',
          fields: { path: destPath },
        });
      }
      throw new StorageError(
        `download of ${s3Url(bucket, key)} from ${this.endpoint} broke off: ` +
          `${(error as Error).message ?? String(error)}`,
        { cause: error, code: 'storage-dropped', hint: 'Try again', fields: { bucket, key } },
      );
    }
  }

  async upload(
    bucket: string,
    key: string,
    srcPath: string,
    metadata: Metadata,
    options: PutOptions = {},
  ): Promise<PutOutcome> {
    checkMetadata(metadata, s3Url(bucket, key));
    let size: number;
    try {
      size = (await stat(srcPath)).size;
    } catch (error) {
      throw new StorageError(`cannot read ${srcPath}: ${(error as Error).message}`, {
        cause: error,
        code: 'local-file',
        fields: { path: srcPath },
      });
    }
    // Buffered while in flight: up to queueSize parts, or the whole of a small body.
    const partBytes = Math.min(size, this.partSize * this.queueSize);
    return this.partMemory.run(partBytes, () =>
      this.send(bucket, key, srcPath, size, metadata, options),
    );
  }

  private async send(
    bucket: string,
    key: string,
    srcPath: string,
    size: number,
    metadata: Metadata,
    options: PutOptions,
  ): Promise<PutOutcome> {
    if (!options.ifAbsent) {
      await this.put(bucket, key, srcPath, size, metadata, false, options.onProgress);
      return 'created';
    }
    // Always multipart with a last look before completing (create-if-absent.ts explains
    // why), except for an empty body, which has no transfer time to race in. A loser
    // learns it only after sending its parts; they are aborted.
    for (let attempt = 1; ; attempt++) {
      try {
        if (size === 0) {
          return await this.conditional.create(
            (withHeader) =>
              this.put(bucket, key, srcPath, size, metadata, withHeader).then(() => 'created'),
            async () => (await this.head(bucket, key)) === undefined,
          );
        }
        return await createIfAbsent(this.client, {
          bucket,
          key,
          srcPath,
          size,
          metadata,
          partSize: Math.max(this.partSize, Math.ceil(size / MAX_PARTS)),
          queueSize: this.queueSize,
          encryption: this.encryption,
          onProgress: options.onProgress,
          conditional: this.conditional,
        });
      } catch (error) {
        const sdkError = error instanceof StorageError ? error.cause : error;
        const code = errorCodeOf(sdkError);
        const status = httpStatusOf(sdkError);
        if (status === 412 || code === 'PreconditionFailed') return 'exists';
        // 409: a concurrent write or delete of the key was in flight. Retrying once
        // settles it (created, or 412); if it persists, report the key as taken.
        if (status === 409 || code === 'ConditionalRequestConflict') {
          if (attempt < 2) continue;
          return 'exists';
        }
        if (error instanceof StorageError) throw error;
        if (isLocalFileError(error)) {
          throw new StorageError(`cannot read ${srcPath}: ${(error as Error).message}`, {
            cause: error,
            code: 'local-file',
            fields: { path: srcPath },
          });
        }
        throw this.fail(error, 'PutObject', bucket, key);
      }
    }
  }

  /** One upload attempt; failures come back as StorageError with the SDK error as cause. */
  private async put(
    bucket: string,
    key: string,
    srcPath: string,
    size: number,
    metadata: Metadata,
    ifAbsent: boolean,
    onProgress?: ProgressListener,
  ): Promise<void> {
    const body = createReadStream(srcPath, { highWaterMark: READ_CHUNK });
    try {
      const upload = new Upload({
        client: this.client,
        partSize: Math.max(this.partSize, Math.ceil(size / MAX_PARTS)),
        queueSize: this.queueSize,
        params: {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: size,
          Metadata: metadata,
          ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
          ...this.encryption,
        },
      });
      // One event per part sent (per request for a single PUT): bytes acknowledged so far.
      if (onProgress)
        upload.on('httpUploadProgress', ({ loaded }) => loaded !== undefined && onProgress(loaded));
      await upload.done();
    } catch (error) {
      if (isLocalFileError(error)) {
        throw new StorageError(`cannot read ${srcPath}: ${(error as Error).message}`, {
          cause: error,
          code: 'local-file',
          fields: { path: srcPath },
        });
      }
      throw this.fail(error, 'PutObject', bucket, key);
    } finally {
      body.destroy();
    }
  }

  async delete(
    bucket: string,
    key: string,
    options: VersionOptions = {},
  ): Promise<void | VersionMismatch> {
    const { ifMatch } = options;
    if (ifMatch !== undefined) {
      // Ceph RGW 16 ignores If-Match on DeleteObject (measured: it deletes another
      // version), and so may other stores: a HEAD just before is what holds there, and
      // leaves a window of one request where the header is not honoured.
      const now = await this.head(bucket, key);
      if (!now) return 'missing';
      if (now.etag !== ifMatch) return 'changed';
    }
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: ifMatch }),
      );
    } catch (error) {
      // A conditional delete (S3 general purpose buckets since 2024, moto) answers 412
      // for another version and 404 for none, where a plain delete of nothing succeeds.
      if (ifMatch !== undefined && httpStatusOf(error) === 412) return 'changed';
      if (ifMatch !== undefined && httpStatusOf(error) === 404) return 'missing';
      throw this.fail(error, 'DeleteObject', bucket, key);
    }
  }

  async replaceMetadata(
    bucket: string,
    key: string,
    metadata: Metadata,
    ifMatch: string,
  ): Promise<'replaced' | 'changed'> {
    checkMetadata(metadata, s3Url(bucket, key));
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
          // Copied only if it is still the version examined: never new bytes under old metadata.
          CopySourceIfMatch: ifMatch,
          MetadataDirective: 'REPLACE',
          Metadata: metadata,
          ...this.encryption,
        }),
      );
      return 'replaced';
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 412 || status === 404) return 'changed';
      throw this.fail(error, 'CopyObject', bucket, key);
    }
  }

  deleteMany(bucket: string, keys: readonly string[]): Promise<DeleteFailure[]> {
    return this.batchDeleter.deleteMany(bucket, keys);
  }

  private fail(error: unknown, operation: S3Operation, bucket: string, key?: string): StorageError {
    return toStorageError(error, { operation, bucket, key, endpoint: this.endpoint });
  }
}

/** Passes bytes through, telling `onProgress` the running total. */
function countBytes(onProgress: ProgressListener): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      onProgress(done);
      callback(null, chunk);
    },
  });
}

function lowercaseKeys(metadata: Record<string, string> | undefined): Metadata {
  const result: Metadata = {};
  for (const [name, value] of Object.entries(metadata ?? {})) result[name.toLowerCase()] = value;
  return result;
}

/**
 * S3 returns user metadata lowercased, and sends it as HTTP headers: a mixed-case key
 * would come back under another name, and a non-ASCII value is mangled or rejected.
 * Fail before sending anything, naming the offender.
 */
function checkMetadata(metadata: Metadata, target: string): void {
  const bytes = metadataBytes(metadata);
  if (bytes > METADATA_LIMIT_BYTES) {
    const largest = Object.entries(metadata)
      .sort(([, a], [, b]) => b.length - a.length)
      .slice(0, 3)
      .map(([name, value]) => `${name} ${value.length}`)
      .join(', ');
    throw new StorageError(
      `metadata for ${target} takes ${bytes} bytes, over S3's ${METADATA_LIMIT_BYTES} ` +
        `(largest: ${largest})`,
      { code: 'bad-input', hint: 'Shorten the file name or the S3 prefix' },
    );
  }
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[a-z0-9._-]+$/.test(name)) {
      throw new StorageError(
        `metadata key '${name}' for ${target} may hold only lowercase letters, digits and -_.`,
      );
    }
    if (!/^[\x20-\x7e]*$/.test(value)) {
      throw new StorageError(
        `metadata ${name}=${JSON.stringify(value)} for ${target} has characters S3 metadata ` +
          'cannot carry (printable ASCII only)',
      );
    }
  }
}

/** Errors from the local file system: Node sets `path` on those, never on socket errors. */
function isLocalFileError(error: unknown): boolean {
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  return typeof code === 'string' && typeof path === 'string';
}

/**
 * A key from a listing made with EncodingType=url. S3 encodes a space as "+" (a "+" in
 * a key as %2B), some servers as %20: undo both, as botocore's unquote_plus does.
 */
export function decodeListedKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch (error) {
    // JSON quoting keeps whatever the server sent inert in a log line.
    throw new StorageError(`S3 listed a key that is not URL-encoded: ${JSON.stringify(encoded)}`, {
      cause: error,
    });
  }
}
