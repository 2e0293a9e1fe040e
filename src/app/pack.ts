import type { PackEntry, PackSummary } from '../adapters/tar/writer.js';
import { withPackedTar, withUnpackedTar } from '../adapters/tar/packed.js';
import type { ExtractReport } from '../adapters/tar/extract.js';
import type { DeltaSpace, FileResult } from '../core/models.js';
import type { App } from './create-app.js';
import { presignUploads, type PresignOutcome } from './presign.js';

// `pack`: a whole directory as one deterministic tar, stored as one file of a DeltaSpace,
// and back. The tar lives in the app's scratch folder, which an interrupt removes.

export type { PackEntry, PackSummary, ExtractReport };

export interface PackUploadRequest {
  entries: readonly PackEntry[];
  space: DeltaSpace;
  /** The name the tar is stored under. */
  name: string;
  presignSeconds?: number;
  /** Told once the tar is written, before it is stored. */
  onPacked?: (packed: PackSummary) => void;
}

export interface PackUploadOutcome {
  result: FileResult;
  presigned?: Omit<PresignOutcome, 'results'>;
}

export function uploadPacked(app: App, request: PackUploadRequest): Promise<PackUploadOutcome> {
  const { space, name, presignSeconds } = request;
  return withPackedTar(app.scratchDir, request.entries, async (tarPath, packed) => {
    request.onPacked?.(packed);
    const stored = await app.core.uploads.upload(tarPath, space, name);
    if (!presignSeconds) return { result: stored };
    const { results, ...presigned } = await presignUploads(app, {
      space,
      results: [stored],
      localPath: () => tarPath,
      seconds: presignSeconds,
    });
    return { result: results[0]!, presigned };
  });
}

export interface PackDownloadRequest {
  space: DeltaSpace;
  /** The stored tar's name. */
  name: string;
  /** The tar's URL, for messages about its contents. */
  label: string;
  destDir: string;
  overwrite: boolean;
}

/** Fetches the tar, checks its index, unpacks it into `destDir`. */
export async function downloadPacked(
  app: App,
  request: PackDownloadRequest,
): Promise<{ fetched: FileResult; report: ExtractReport }> {
  const { space, name } = request;
  // The extractor reports each file and directory it creates until it is done, so an
  // interrupt removes a half-unpacked tree as well as the scratch tar.
  return withUnpackedTar(
    app.scratchDir,
    request.label,
    request.destDir,
    { overwrite: request.overwrite, cleanup: app.cleanup },
    (tarPath) => app.core.downloads.downloadTo(space, name, tarPath),
  );
}
