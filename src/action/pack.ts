import * as core from '@actions/core';
import { dirname, normalize, relative, sep } from 'node:path';
import { formatSpace, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import type { DeltaSpace } from '../core/models.js';
import { formatS3Url } from '../core/s3-url.js';
import { withPackedTar, withUnpackedTar } from '../adapters/tar/packed.js';
import type { Engine } from '../engine.js';
import { formatBytes } from '../core/format.js';
import type { ActionInputs } from './inputs.js';
import { presignUploads } from './presign.js';
import type { CommandOutcome } from './transfer.js';

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
  engine: Engine,
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
  const results = await withPackedTar(engine.scratchDir, entries, async (tarPath, packed) => {
    core.info(
      `Packed ${packed.files} file(s), ${formatBytes(packed.contentBytes)}, from ${root} into ${name}`,
    );
    const stored = [await engine.service.upload(tarPath, space, name)];
    return inputs.presignSeconds
      ? await presignUploads(inputs, space, stored, () => tarPath)
      : stored;
  });
  return { results, location: formatSpace(space) };
}

export async function downloadPacked(
  engine: Engine,
  inputs: ActionInputs,
  destDir: string,
): Promise<CommandOutcome> {
  const { space, stored } = packLocation(inputs);
  const label = formatS3Url(space.bucket, `${space.prefix ? `${space.prefix}/` : ''}${stored}`);
  const options = { overwrite: inputs.overwrite, cleanup: engine.cleanup };
  const { fetched, report } = await withUnpackedTar(
    engine.scratchDir,
    label,
    destDir,
    options,
    (tarPath) => engine.service.downloadTo(space, stored, tarPath),
  );
  core.info(
    `Unpacked ${stored} into ${destDir}: ${report.written} file(s) written` +
      `${report.unchanged ? `, ${report.unchanged} already there with the same bytes` : ''}`,
  );
  return { results: [fetched], location: formatSpace(space) };
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
