import {
  CopyObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { DeltaSpace } from '../../src/core/models.js';

// What the bucket holds, straight from the server (not through the code under test).
// One page each: tests keep far fewer than 1,000 objects under a prefix.

/** Every key under `prefix`, sorted. */
export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

/** Every key in a DeltaSpace, relative to it, sorted. */
export async function keysIn(client: S3Client, space: DeltaSpace): Promise<string[]> {
  const keys = await listKeys(client, space.bucket, `${space.prefix}/`);
  return keys.map((key) => key.slice(space.prefix.length + 1));
}

/** Multipart uploads begun in a DeltaSpace and never completed nor aborted. */
export async function incompleteUploads(client: S3Client, space: DeltaSpace): Promise<number> {
  const answer = await client.send(
    new ListMultipartUploadsCommand({ Bucket: space.bucket, Prefix: `${space.prefix}/` }),
  );
  return answer.Uploads?.length ?? 0;
}

/**
 * Copies every object under `prefix` of one bucket to the same keys of another, metadata
 * included (server side): a fixture uploaded once serves each test as a fresh copy.
 */
export async function copyPrefix(
  client: S3Client,
  from: string,
  to: string,
  prefix: string,
): Promise<void> {
  for (const key of await listKeys(client, from, prefix)) {
    await client.send(
      new CopyObjectCommand({
        Bucket: to,
        Key: key,
        CopySource: `${from}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
      }),
    );
  }
}
