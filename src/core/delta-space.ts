import { InputError } from './errors.js';
import type { DeltaSpace } from './models.js';
import type { S3Url } from './s3-url.js';

import { REFERENCE_NAME, REFERENCES_FOLDER } from './reserved.js';

// Key layout of a DeltaSpace (docs/format.md, "Objects in a DeltaSpace"). The reserved
// names (reference.bin, .dg-refs, .deltaglider) and what a key is live in reserved.ts.
export { REFERENCE_NAME, REFERENCES_FOLDER };
export const DELTA_SUFFIX = '.delta';

/** The DeltaSpace a prefix URL names (`s3://b/releases/app/` -> `releases/app`). */
export function spaceFromPrefixUrl(url: S3Url): DeltaSpace {
  return { bucket: url.bucket, prefix: url.key.replace(/\/+$/, '') };
}

/** The DeltaSpace and logical name of an object URL (`s3://b/rel/app.zip`). */
export function splitObjectUrl(url: S3Url): { space: DeltaSpace; name: string } {
  const slash = url.key.lastIndexOf('/');
  const name = url.key.slice(slash + 1);
  const prefix = slash === -1 ? '' : url.key.slice(0, slash);
  return { space: { bucket: url.bucket, prefix }, name: stripDeltaSuffix(name) };
}

function join(space: DeltaSpace, name: string): string {
  return space.prefix === '' ? name : `${space.prefix}/${name}`;
}

export function referenceKey(space: DeltaSpace): string {
  return join(space, REFERENCE_NAME);
}

/** `<prefix>/.dg-refs/<id>/reference.bin`: an extra reference, id from its sha256. */
export function extraReferenceKey(space: DeltaSpace, sha256: string): string {
  return join(space, `${REFERENCES_FOLDER}/${referenceId(sha256)}/${REFERENCE_NAME}`);
}

/** The id of an extra reference: the first 16 hex digits of its sha256 (content-addressed). */
export function referenceId(sha256: string): string {
  return sha256.slice(0, 16);
}

/** The key prefix listing a DeltaSpace's extra references. */
export function extraReferencesPrefix(space: DeltaSpace): string {
  return join(space, `${REFERENCES_FOLDER}/`);
}

/**
 * For a directory prefix `a/b/.dg-refs/<id>`: the DeltaSpace prefix `a/b` it belongs to;
 * undefined for any other directory.
 */
export function spaceOfReferenceFolder(prefix: string): string | undefined {
  const parts = prefix.split('/');
  if (parts.length < 2 || parts[parts.length - 2] !== REFERENCES_FOLDER) return undefined;
  return parts.slice(0, -2).join('/');
}

export function deltaKey(space: DeltaSpace, name: string): string {
  return join(space, name + DELTA_SUFFIX);
}

export function directKey(space: DeltaSpace, name: string): string {
  return join(space, name);
}

/** The key prefix under which a listing finds the space's objects. */
export function listingPrefix(space: DeltaSpace): string {
  return space.prefix === '' ? '' : `${space.prefix}/`;
}

/** The reference a delta points at: `dirname(dg-ref-key)/reference.bin` (docs/format.md). */
export function referenceKeyFor(refKey: string): string {
  const slash = refKey.lastIndexOf('/');
  return slash === -1 ? REFERENCE_NAME : `${refKey.slice(0, slash)}/${REFERENCE_NAME}`;
}

export function stripDeltaSuffix(name: string): string {
  return name.endsWith(DELTA_SUFFIX) ? name.slice(0, -DELTA_SUFFIX.length) : name;
}

export function formatSpace(space: DeltaSpace): string {
  return `s3://${space.bucket}/${listingPrefix(space)}`;
}

/**
 * Why a logical name cannot live in a DeltaSpace or could escape a destination directory
 * on download (the name becomes both a key segment and a file name), or undefined.
 */
export function nameProblem(name: string): string | undefined {
  return name === ''
    ? 'is empty'
    : name === '.' || name === '..'
      ? 'is a relative path segment'
      : // A backslash is a separator on Windows runners, where "..\x" would climb out.
        /[/\\]/.test(name)
        ? 'contains a path separator'
        : // eslint-disable-next-line no-control-regex
          /[\u0000-\u001f\u007f]/.test(name)
          ? 'contains a control character'
          : name === REFERENCE_NAME
            ? `is reserved for the DeltaSpace's reference`
            : name.endsWith(DELTA_SUFFIX)
              ? `ends in "${DELTA_SUFFIX}", which marks stored deltas`
              : undefined;
}

/** Throws for a name `nameProblem` refuses. */
export function assertValidName(name: string): void {
  const problem = nameProblem(name);
  if (problem) {
    throw new InputError(
      `File name "${name}" ${problem}`,
      'Rename the file; names are stored as one S3 key segment and restored as one file name',
      { code: 'unsafe-name' },
    );
  }
}
