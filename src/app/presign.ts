import { basename } from 'node:path';
import type { DeltaSpace, FileResult } from '../core/models.js';
import { rehydratedKey, rehydratedMetadata } from '../core/rehydrate.js';
import type { App } from './create-app.js';

// `presign`: a download URL for each uploaded file. A direct object is presigned as it
// is; a file stored as a delta has no object holding its bytes, so a full copy is
// written under `.deltaglider/tmp/` (the reference CLI's rehydration layout, expiring
// with the URL: `purge` removes it afterwards) and that copy is presigned. The URLs are
// bearer links: the shells put them in outputs and summaries, never in the log.

export interface PresignRequest {
  space: DeltaSpace;
  results: readonly FileResult[];
  /**
   * The uploaded file with each name's exact bytes (already hashed and stored: copying
   * it spares rebuilding the delta).
   */
  localPath: (name: string) => string;
  seconds: number;
}

export interface PresignOutcome {
  /** The results, each with its `downloadUrl`. */
  results: FileResult[];
  expiresAt: Date;
  /** Deltas copied whole under `.deltaglider/tmp/` for their links. */
  copies: number;
}

export async function presignUploads(app: App, request: PresignRequest): Promise<PresignOutcome> {
  const { space, seconds } = request;
  const now = app.clock.now();
  const expiresAt = new Date(now.getTime() + seconds * 1000);
  const presigner = app.presigner();
  let copies = 0;
  const results: FileResult[] = [];
  for (const result of request.results) {
    let key = result.key;
    if (result.kind !== 'direct') {
      key = rehydratedKey(result.name);
      const metadata = rehydratedMetadata(result.key, result.name, now, expiresAt);
      await app.storage.upload(space.bucket, key, request.localPath(result.name), metadata);
      copies++;
    }
    const url = await presigner.url(space.bucket, key, result.name, seconds);
    results.push({ ...result, downloadUrl: url });
  }
  return { results, expiresAt, copies };
}

/** The local file of each uploaded name (names are basenames, unique per upload). */
export function pathsByName(paths: readonly string[]): (name: string) => string {
  const byName = new Map(paths.map((p) => [basename(p), p]));
  return (name) => byName.get(name)!;
}

export { MAX_PRESIGN_SECONDS } from '../adapters/s3/presign.js';
