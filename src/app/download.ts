import type { DownloadOptions } from '../core/download-targets.js';
import type { DeltaSpace, FileResult } from '../core/models.js';
import type { App } from './create-app.js';

export interface DownloadRequest extends DownloadOptions {
  space: DeltaSpace;
  /** One file; without it, every file of the DeltaSpace. */
  name?: string;
  destDir: string;
}

/** `download`: one file, or every file of a DeltaSpace, into `destDir` under its name. */
export async function download(app: App, request: DownloadRequest): Promise<FileResult[]> {
  const { space, name, destDir, ...options } = request;
  const { downloads } = app.core;
  if (name === undefined) return downloads.downloadAll(space, destDir, options);
  return [await downloads.download(space, name, destDir, options)];
}

/** One file to a path of the caller's choosing (any file name). */
export function downloadAs(
  app: App,
  request: { space: DeltaSpace; name: string; destPath: string } & DownloadOptions,
): Promise<FileResult> {
  const { space, name, destPath, ...options } = request;
  return app.core.downloads.downloadTo(space, name, destPath, options);
}

/**
 * Every file of a DeltaSpace: checks every destination first, writing nothing, and
 * resolves to the download itself (a recursive copy checks all spaces before any write).
 */
export function prepareDownload(
  app: App,
  request: Omit<DownloadRequest, 'name'>,
): Promise<() => Promise<FileResult[]>> {
  const { space, destDir, ...options } = request;
  return app.core.downloads.prepareDownloadAll(space, destDir, options);
}
