// Creating an object only when its key is free, as well as the store allows.
//
// S3 (and MinIO, R2, moto, …) honour `If-None-Match: *`: a second writer gets 412. Some
// S3-compatible stores ignore the header, and there a plain PUT whose body takes seconds
// to arrive overwrites whatever another writer created in the meantime: two matrix jobs
// creating one DeltaSpace's reference.bin would lose the first one's file after it had
// already checked that it won. So the body goes up as a multipart upload, which creates
// nothing until it is completed, and the key is looked up once more right before the
// CompleteMultipartUpload (which still carries If-None-Match for the stores that honour
// it). On a store that ignores the header, the window for an unnoticed overwrite shrinks
// from the whole transfer to one round trip; the core's post-write checks cover that.
// A store that refuses the header gets the same protocol without it (conditional-writes.ts).

import { open, type FileHandle } from 'node:fs/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Metadata, ProgressListener, PutOutcome } from '../../ports.js';
import { mapLimit } from '../../core/util/map-limit.js';
import { httpStatusOf } from './errors.js';
import { DeltaGliderError } from '../../core/errors.js';
import type { ConditionalWrites } from './conditional-writes.js';

export interface CreateIfAbsentRequest {
  bucket: string;
  key: string;
  srcPath: string;
  size: number;
  metadata: Metadata;
  partSize: number;
  queueSize: number;
  encryption: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'>;
  /** Bytes of the parts sent so far. */
  onProgress?: ProgressListener;
  /** Whether this store takes If-None-Match (shared by every upload of one client). */
  conditional: ConditionalWrites;
}

/**
 * Uploads `srcPath` to the key unless an object exists there: `'exists'` when one
 * existed before the upload completed (412 from the store, or found by the last look).
 * Other failures reject with the SDK error; the multipart upload is aborted first.
 * Memory: `queueSize` part buffers, allocated once and reused part after part.
 */
export async function createIfAbsent(
  client: S3Client,
  request: CreateIfAbsentRequest,
): Promise<PutOutcome> {
  const { bucket, key, metadata, encryption } = request;
  // lib-storage does the same: with flexible checksums on (AWS), parts carry CRC32 and
  // the upload must declare it up front, and Complete must list each part's checksum.
  const checksums = (await client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED';
  const algorithm = checksums ? ({ ChecksumAlgorithm: 'CRC32' } as const) : {};
  const { UploadId } = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      Metadata: metadata,
      ...encryption,
      ...algorithm,
    }),
  );
  const abort = () =>
    client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }))
      .then(() => undefined)
      // Best effort: when the store is gone, so is any chance of cleaning up (a lifecycle
      // rule removes incomplete uploads).
      .catch(() => undefined);
  try {
    const parts = await uploadParts(client, request, UploadId!, algorithm);
    const outcome = await request.conditional.create(
      async (withHeader) => {
        await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId,
            MultipartUpload: { Parts: parts },
            ...(withHeader ? { IfNoneMatch: '*' } : {}),
          }),
        );
        return 'created';
      },
      async () => !(await exists(client, bucket, key)),
    );
    if (outcome === 'exists') await abort();
    return outcome;
  } catch (error) {
    await abort();
    throw error;
  }
}

async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (httpStatusOf(error) === 404) return false;
    throw error;
  }
}

/** Sends the file in `partSize` parts, `queueSize` at a time; returns them in order. */
async function uploadParts(
  client: S3Client,
  request: CreateIfAbsentRequest,
  uploadId: string,
  algorithm: { ChecksumAlgorithm?: 'CRC32' },
): Promise<CompletedPart[]> {
  const { bucket, key, srcPath, size, partSize, queueSize, onProgress } = request;
  // A single part may have any size: only parts before the last have a 5 MiB minimum.
  const count = Math.max(1, Math.ceil(size / partSize));
  const file = await open(srcPath, 'r');
  // A fresh buffer per part leaves garbage behind faster than V8 collects it (a 2 GiB
  // upload peaked 65 MiB higher, BENCHMARKS.md); a part's buffer is free once it is sent.
  const spare: Buffer[] = [];
  let sent = 0;
  try {
    const indexes = Array.from({ length: count }, (_, i) => i);
    // The first failed part stops the rest (mapLimit starts no new part after it).
    return await mapLimit(indexes, queueSize, async (index) => {
      const offset = index * partSize;
      const buffer = spare.pop() ?? Buffer.allocUnsafe(Math.min(partSize, size));
      try {
        const length = Math.min(partSize, size - offset);
        const body = await readExactly(file, srcPath, offset, buffer.subarray(0, length));
        const answer = await client.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: index + 1,
            Body: body,
            ContentLength: body.length,
            ...algorithm,
          }),
        );
        sent += body.length;
        onProgress?.(sent);
        return {
          PartNumber: index + 1,
          ETag: answer.ETag,
          ...(answer.ChecksumCRC32 ? { ChecksumCRC32: answer.ChecksumCRC32 } : {}),
        };
      } finally {
        spare.push(buffer);
      }
    });
  } finally {
    await file.close();
  }
}

/** Fills `buffer` with the file's bytes from `offset`. */
async function readExactly(
  file: FileHandle,
  path: string,
  offset: number,
  buffer: Buffer,
): Promise<Buffer> {
  const length = buffer.length;
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0)
      throw new DeltaGliderError(
        `${path} ended at byte ${offset + filled}: it changed while being uploaded`,
        undefined,
        { code: 'source-changed', fields: { path } },
      );
    filled += bytesRead;
  }
  return buffer;
}
