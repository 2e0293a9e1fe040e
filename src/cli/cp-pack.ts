import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { downloadPacked, uploadPacked } from '../app/pack.js';
import { directKey, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import type { DeltaSpace, FileResult } from '../core/models.js';
import { formatS3Url, type S3Url } from '../core/s3-url.js';
import type { Session } from './session.js';

// `cp --pack NAME`: a directory as one deterministic tar in the DeltaSpace, and back
// (the action's `pack` input; README "Packed build directories").

export interface PackedCopy {
  result: FileResult;
  space: DeltaSpace;
  local: string;
  remote: string;
}

/** `--pack`: a plain name ending in .tar. */
export function readPackName(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const name = String(value);
  // eslint-disable-next-line no-control-regex
  if (!name.endsWith('.tar') || name.startsWith('.') || /[/\\\x00-\x1f\x7f]/.test(name)) {
    throw new InputError(
      `--pack must be a file name ending in .tar, such as build.tar; got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** The space and the stored name: the URL is the DeltaSpace, or ends with the name. */
function packTarget(url: S3Url, name: string): { space: DeltaSpace; name: string } {
  if (url.isPrefix) return { space: spaceFromPrefixUrl(url), name };
  const target = splitObjectUrl(url);
  if (target.name !== name) {
    throw new InputError(
      `With --pack ${name}, the URL must be the DeltaSpace or end with /${name} (got ${formatS3Url(url.bucket, url.key)})`,
    );
  }
  return target;
}

export async function uploadPackedDir(
  session: Session,
  name: string,
  dir: string,
  url: S3Url,
): Promise<PackedCopy> {
  const target = packTarget(url, name);
  const files = await filesUnder(dir, session);
  if (files.length === 0) throw new InputError(`${dir} holds no files`);
  const entries = files.map((source) => ({
    path: relative(dir, source).split(sep).join('/'),
    source,
  }));
  // In the app's scratch directory, which an interrupt removes with the tar in it.
  const { result } = await uploadPacked(session.app, {
    entries,
    space: target.space,
    name: target.name,
  });
  return {
    result,
    space: target.space,
    local: `${dir} (${files.length} files)`,
    remote: remoteOf(target),
  };
}

export async function downloadPackedInto(
  session: Session,
  name: string,
  url: S3Url,
  dest: string,
  overwrite: boolean,
): Promise<PackedCopy> {
  const target = packTarget(url, name);
  const { fetched } = await downloadPacked(session.app, {
    space: target.space,
    name: target.name,
    label: remoteOf(target),
    destDir: dest,
    overwrite,
  });
  return { result: fetched, space: target.space, local: dest, remote: remoteOf(target) };
}

function remoteOf(target: { space: DeltaSpace; name: string }): string {
  return formatS3Url(target.space.bucket, directKey(target.space, target.name));
}

/**
 * Every regular file under `root`, symbolic links followed (as the action's glob does),
 * each real directory visited once so that a link loop ends; broken links are skipped.
 */
async function filesUnder(root: string, session: Session): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string): Promise<void> => {
    const real = await realpath(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of await readdir(dir)) {
      const path = join(dir, entry);
      const info = await stat(path).catch(() => undefined);
      if (info?.isDirectory()) await visit(path);
      else if (info?.isFile()) files.push(path);
      else session.log.warning(`Skipping ${path}: a broken link, or not a regular file`);
    }
  };
  await visit(root);
  return files;
}
