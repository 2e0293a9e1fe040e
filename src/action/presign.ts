import * as core from '@actions/core';
import { basename } from 'node:path';
import { createPresigner } from '../adapters/s3/presign.js';
import { createS3Storage } from '../adapters/s3/s3-storage.js';
import type { DeltaSpace, FileResult } from '../core/models.js';
import { REHYDRATED_PREFIX, rehydratedKey, rehydratedMetadata } from '../core/rehydrate.js';
import type { ActionInputs } from './inputs.js';

// `presign`: a download URL for each uploaded file. A direct object is presigned as it
// is; a file stored as a delta has no object holding its bytes, so a full copy is
// written under `.deltaglider/tmp/` (the reference CLI's rehydration layout, expiring
// with the URL: `command: purge` removes it afterwards) and that copy is presigned.
// The URLs are bearer links: they go to the `urls` output, never to the log.

export type PresignedResult = FileResult & { url: string };

/**
 * Presigns every result; `localPath(name)` is the uploaded file with those exact bytes
 * (already hashed and stored: copying it spares rebuilding the delta).
 */
export async function presignUploads(
  inputs: ActionInputs,
  space: DeltaSpace,
  results: readonly FileResult[],
  localPath: (name: string) => string,
): Promise<PresignedResult[]> {
  const seconds = inputs.presignSeconds!;
  const options = {
    endpointUrl: inputs.endpointUrl,
    region: inputs.region,
    forcePathStyle: inputs.forcePathStyle,
    maxAttempts: inputs.maxAttempts,
  };
  const storage = createS3Storage({ ...options, sse: inputs.sse, sseKmsKeyId: inputs.sseKmsKeyId });
  const presigner = createPresigner(options);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + seconds * 1000);
  let copies = 0;
  try {
    const presigned: PresignedResult[] = [];
    for (const result of results) {
      let key = result.key;
      if (result.kind !== 'direct') {
        key = rehydratedKey(result.name);
        const metadata = rehydratedMetadata(result.key, result.name, now, expiresAt);
        await storage.upload(space.bucket, key, localPath(result.name), metadata);
        copies++;
      }
      const url = await presigner.url(space.bucket, key, result.name, seconds);
      presigned.push({ ...result, url });
    }
    core.setOutput(
      'urls',
      JSON.stringify(Object.fromEntries(presigned.map((r) => [r.name, r.url]))),
    );
    core.info(
      `Download URLs for ${presigned.length} file(s) in the urls output, valid until ${expiresAt.toISOString()}` +
        (copies > 0
          ? `; ${copies} delta(s) copied whole to s3://${space.bucket}/${REHYDRATED_PREFIX} for them (command: purge removes expired copies)`
          : ''),
    );
    return presigned;
  } finally {
    presigner.close();
    storage.close();
  }
}

/** The local file of each uploaded name (names are basenames, unique per upload). */
export function pathsByName(paths: readonly string[]): (name: string) => string {
  const byName = new Map(paths.map((p) => [basename(p), p]));
  return (name) => byName.get(name)!;
}
