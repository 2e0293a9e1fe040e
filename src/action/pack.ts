import * as core from '@actions/core';
import { dirname, normalize, relative, resolve, sep } from 'node:path';
import { formatSpace, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import type { DeltaSpace } from '../core/models.js';
import { formatS3Url } from '../core/s3-url.js';
import type { App } from '../app/create-app.js';
import { downloadPacked as fetchPacked, uploadPacked as storePacked } from '../app/pack.js';
import { formatBytes } from '../core/format.js';
import type { ActionInputs } from './inputs.js';
import { logPresigned } from './presign.js';
import type { CommandOutcome } from './report.js';

// `pack`: a whole build directory as one deterministic tar in the DeltaSpace (upload),
// and back into `path` (download). Paths inside the tar are relative to the root that
// upload-artifact would use (packRoot), so the same patterns restore the same layout.

/**
 * upload-artifact's rule: with several search paths (the literal parts of the patterns),
 * their least common ancestor; with one that names a single file, its directory;
 * otherwise that search path itself.
 */
export function packRoot(searchPaths: readonly string[], files: readonly string[]): string {
  if (searchPaths.length > 1) return commonAncestor(searchPaths);
  const only = searchPaths[0]!;
  if (files.length === 1 && files[0] === only) return dirname(only);
  return only;
}

function commonAncestor(paths: readonly string[]): string {
  const split = paths.map((p) => normalize(p).split(sep));
  const first = split[0]!;
  let length = 0;
  while (length < first.length && split.every((parts) => parts[length] === first[length])) {
    length++;
  }
  const common = first.slice(0, length).join(sep);
  return common === '' ? sep : common;
}

export async function uploadPacked(
  app: App,
  inputs: ActionInputs,
  searchPaths: readonly string[],
  files: readonly string[],
  space: DeltaSpace,
): Promise<CommandOutcome> {
  const name = inputs.pack!;
  const root = packRoot(searchPaths, files);
  const entries = files.map((source) => ({
    path: relative(root, source).split(sep).join('/'),
    source,
  }));
  const { result, presigned } = await storePacked(app, {
    entries,
    space,
    name,
    presignSeconds: inputs.presignSeconds,
    onPacked: (packed) =>
      core.info(
        `Packed ${packed.files} file(s), ${formatBytes(packed.contentBytes)}, from ${root} into ${name}`,
      ),
  });
  if (presigned) logPresigned(space, 1, presigned);
  return { results: [result], location: formatSpace(space) };
}

export async function downloadPacked(
  app: App,
  inputs: ActionInputs,
  destDir: string,
): Promise<CommandOutcome> {
  const { space, stored } = packLocation(inputs);
  const label = formatS3Url(space.bucket, `${space.prefix ? `${space.prefix}/` : ''}${stored}`);
  const { fetched, report } = await fetchPacked(app, {
    space,
    name: stored,
    label,
    destDir,
    overwrite: inputs.overwrite,
  });
  core.info(
    `Unpacked ${stored} into ${destDir}: ${report.written} file(s) written` +
      `${report.unchanged ? `, ${report.unchanged} already there with the same bytes` : ''}`,
  );
  return { results: [fetched], location: formatSpace(space), downloadPath: resolve(destDir) };
}

/** The DeltaSpace and stored name: s3-url is the space, or the tar's own object URL. */
function packLocation(inputs: ActionInputs): { space: DeltaSpace; stored: string } {
  if (inputs.s3Url.isPrefix)
    return { space: spaceFromPrefixUrl(inputs.s3Url), stored: inputs.pack! };
  const { space, name } = splitObjectUrl(inputs.s3Url);
  if (name !== inputs.pack) {
    throw new InputError(
      `With pack: ${inputs.pack}, s3-url must be the DeltaSpace or end with /${inputs.pack} (got ${formatS3Url(space.bucket, inputs.s3Url.key)})`,
      'Use the s3-url of the upload step',
    );
  }
  return { space, stored: name };
}
