import * as core from '@actions/core';
import * as glob from '@actions/glob';
import { formatSpace, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { destinationPath } from '../core/downloader.js';
import { InputError } from '../core/errors.js';
import { totalsOf, type FileResult } from '../core/models.js';
import type { App } from '../app/create-app.js';
import { download as downloadFiles } from '../app/download.js';
import { upload as uploadFiles } from '../app/upload.js';
import { formatBytes } from '../core/format.js';
import type { ActionInputs } from './inputs.js';
import type { CommandOutcome } from './report.js';
import { withoutHidden } from './hidden-files.js';
import { downloadPacked, uploadPacked } from './pack.js';
import { logPresigned } from './presign.js';

// The upload and download commands: from inputs to the core's calls.

export async function upload(app: App, inputs: ActionInputs): Promise<CommandOutcome> {
  const globber = await glob.create(inputs.paths.join('\n'), { matchDirectories: false });
  const files = await matchedFiles(globber, inputs);
  const space = spaceFromPrefixUrl(inputs.s3Url);
  if (files.length === 0) return noFilesFound(inputs, formatSpace(space));
  if (inputs.pack) return uploadPacked(app, inputs, globber.getSearchPaths(), files, space);
  core.info(`Uploading ${files.length} file(s) to ${formatSpace(space)}`);
  const { results, presigned } = await uploadFiles(app, {
    files,
    space,
    presignSeconds: inputs.presignSeconds,
  });
  logResults(results);
  if (presigned) logPresigned(space, results.length, presigned);
  return { results, location: formatSpace(space) };
}

/** The files `path` matches, hidden ones left out unless `include-hidden-files`. */
async function matchedFiles(globber: glob.Globber, inputs: ActionInputs): Promise<string[]> {
  const files = await globber.glob();
  if (inputs.includeHiddenFiles) return files;
  const { kept, hidden } = withoutHidden(files, globber.getSearchPaths());
  if (hidden > 0) {
    core.info(
      `Skipped ${hidden} hidden file(s) (a name starting with "."); set include-hidden-files: true to upload them`,
    );
  }
  return kept;
}

/** `if-no-files-found`: an error (the default), a warning or a note, as upload-artifact. */
function noFilesFound(inputs: ActionInputs, location: string): CommandOutcome {
  const message = `No file matches path (${inputs.paths.join(', ')})`;
  if (inputs.ifNoFilesFound === 'error') {
    throw new InputError(
      message,
      'Check the patterns and that the build step produced the files before this step (or set if-no-files-found: warn)',
    );
  }
  const note = `${message}; nothing was uploaded`;
  if (inputs.ifNoFilesFound === 'warn') core.warning(note);
  else core.info(note);
  return { results: [], location };
}

export async function download(app: App, inputs: ActionInputs): Promise<CommandOutcome> {
  const destDir = inputs.paths[0] ?? process.env.GITHUB_WORKSPACE ?? process.cwd();
  if (inputs.pack) return downloadPacked(app, inputs, destDir);
  if (inputs.s3Url.isPrefix) {
    const space = spaceFromPrefixUrl(inputs.s3Url);
    core.info(`Downloading every file of ${formatSpace(space)} into ${destDir}`);
    const results = await downloadFiles(app, { space, destDir, overwrite: inputs.overwrite });
    logResults(results);
    const [only] = results;
    const downloadPath =
      results.length === 1 && only ? destinationPath(destDir, only.name) : undefined;
    return { results, location: formatSpace(space), ...(downloadPath ? { downloadPath } : {}) };
  }
  const { space, name } = splitObjectUrl(inputs.s3Url);
  const results = await downloadFiles(app, { space, name, destDir, overwrite: inputs.overwrite });
  logResults(results);
  return { results, location: formatSpace(space), downloadPath: destinationPath(destDir, name) };
}

/**
 * Each file has printed its own log group, titled with its outcome (progress.ts, wired
 * in main.ts); the step ends with the totals.
 */
function logResults(results: readonly FileResult[]): void {
  const totals = totalsOf(results);
  core.info(
    `${totals.files} file(s): ${formatBytes(totals.originalBytes)} stored as ` +
      `${formatBytes(totals.storedBytes)} (${totals.savingsPercent}% saved)`,
  );
}
