import type { DeltaSpace, FileResult } from '../core/models.js';
import type { App } from './create-app.js';
import { pathsByName, presignUploads, type PresignOutcome } from './presign.js';

export interface UploadRequest {
  /** Local files; their basenames are the names stored. */
  files: readonly string[];
  space: DeltaSpace;
  /** Also presign a download URL per file, valid this long. */
  presignSeconds?: number;
}

export interface UploadOutcome {
  results: FileResult[];
  /** With presignSeconds: when the links expire, and how many deltas were copied whole. */
  presigned?: Omit<PresignOutcome, 'results'>;
}

/** `upload`: files into one DeltaSpace; the first one is the reference of a new space. */
export async function upload(app: App, request: UploadRequest): Promise<UploadOutcome> {
  const { files, space, presignSeconds } = request;
  const stored = await app.core.uploads.uploadAll(files, space);
  if (!presignSeconds) return { results: stored };
  const { results, ...presigned } = await presignUploads(app, {
    space,
    results: stored,
    localPath: pathsByName(files),
    seconds: presignSeconds,
  });
  return { results, presigned };
}

/** One file under a name of the caller's choosing. */
export function uploadAs(
  app: App,
  { path, space, name }: { path: string; space: DeltaSpace; name: string },
): Promise<FileResult> {
  return app.core.uploads.upload(path, space, name);
}
