import { InputError } from './errors.js';
import { formatS3Url } from './s3-url.js';

// The names the bucket format keeps for itself (docs/format.md, "Reserved names"), and the
// one classifier every command asks what a key is: uploads and sync refuse what it
// reserves, sync down never writes or deletes such local paths, and the lifecycle
// commands (ls, rm, prune, verify, stats, migrate, smart references) see the same set of
// internal keys.

/** A DeltaSpace's reference; `<space>/.dg-refs/<id>/reference.bin` for an extra one. */
export const REFERENCE_NAME = 'reference.bin';
/** The folder of a DeltaSpace's extra references: `<space>/.dg-refs/<id>/reference.bin`. */
export const REFERENCES_FOLDER = '.dg-refs';
/** The DeltaGlider CLI's own objects (stats caches, `.deltaglider/tmp/` rehydrated copies). */
export const INTERNAL_FOLDER = '.deltaglider';

/**
 * The reserved segment of a key or relative path (`/` or `\` separated), as written, or
 * undefined. Matched without regard to ASCII case and to trailing dots and spaces: S3
 * keys are case-sensitive, but a bucket synced to Windows or macOS lands on file systems
 * where `.DG-Refs` (or `.dg-refs.` on Windows) is the same folder as `.dg-refs`, and a
 * variant must not slip a file past the check that way.
 */
export function reservedSegment(path: string): string | undefined {
  return path.split(/[/\\]/).find(isReservedName);
}

function isReservedName(segment: string): boolean {
  const folded = fold(segment);
  return folded === REFERENCES_FOLDER || folded === INTERNAL_FOLDER;
}

function fold(segment: string): string {
  return segment.replace(/[. ]+$/, '').replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** What a key is to the format. `space` is the DeltaSpace prefix the key belongs to. */
export type KeyRole =
  /** A file's object (or a space's `reference.bin`): nothing reserved in its path. */
  | { kind: 'file' }
  /** `<space>/.dg-refs/<16 hex>/reference.bin`, alone in its folder. */
  | { kind: 'extra-reference'; space: string }
  /** Under `.deltaglider/`: the DeltaGlider CLI's own objects, never touched. */
  | { kind: 'internal'; space: string }
  /**
   * Anything else under a reserved segment: a file an older upload stored there, or the
   * reference of such a folder, which some delta may also use. Never listed as a file,
   * never deleted, never chosen as a reference; `verify -r` checks the files.
   */
  | { kind: 'stray'; space: string; folder: string };

const EXTRA_REFERENCE_ID = /^[0-9a-f]{16}$/;

/**
 * The role of one key on its own. A key's folder can still demote an extra reference:
 * `classifyKeys` sees the whole listing.
 */
export function keyRole(key: string): KeyRole {
  const parts = key.split('/');
  const at = parts.findIndex(isReservedName);
  if (at === -1) return { kind: 'file' };
  const space = parts.slice(0, at).join('/');
  if (fold(parts[at]!) === INTERNAL_FOLDER) return { kind: 'internal', space };
  const rest = parts.slice(at + 1);
  // Only the exact layout the format writes is an extra reference; `.DG-Refs/` is not.
  if (
    parts[at] === REFERENCES_FOLDER &&
    rest.length === 2 &&
    EXTRA_REFERENCE_ID.test(rest[0]!) &&
    rest[1] === REFERENCE_NAME
  )
    return { kind: 'extra-reference', space };
  return { kind: 'stray', space, folder: parts.slice(0, at + 2).join('/') };
}

/**
 * Every key's role, the way every command must see them: an extra reference whose
 * `.dg-refs/<id>/` folder holds anything else is the reference of a folder an older
 * upload filled, and may be what its files need, so it is a stray too.
 */
export function classifyKeys(keys: Iterable<string>): Map<string, KeyRole> {
  const roles = new Map<string, KeyRole>();
  const crowded = new Set<string>();
  for (const key of keys) {
    const role = keyRole(key);
    roles.set(key, role);
    if (role.kind === 'stray') crowded.add(role.folder);
  }
  for (const [key, role] of roles) {
    if (role.kind !== 'extra-reference') continue;
    const folder = key.slice(0, key.lastIndexOf('/'));
    if (crowded.has(folder)) roles.set(key, { kind: 'stray', space: role.space, folder });
  }
  return roles;
}

/** A file an upload would store, by the key it would get and the local path it comes from. */
export interface UploadTarget {
  key: string;
  path: string;
}

/**
 * Refuses, before anything is stored, an upload any of whose keys has a reserved
 * segment: every lifecycle command would take the object for one of the format's own.
 */
export function refuseReservedKeys(bucket: string, targets: readonly UploadTarget[]): void {
  const refused = targets.filter((t) => reservedSegment(t.key) !== undefined);
  const first = refused[0];
  if (!first) return;
  const more = refused.length > 1 ? ` (and ${refused.length - 1} more)` : '';
  throw new InputError(
    `${JSON.stringify(first.path)} would be stored as ${JSON.stringify(formatS3Url(bucket, first.key))}, ` +
      `under "${reservedSegment(first.key)!}", a name the DeltaGlider format reserves for its own objects${more}`,
    'Nothing was uploaded. Rename that folder or file, or leave it out of the upload',
    { code: 'reserved-name', fields: { bucket, key: first.key, path: first.path } },
  );
}
