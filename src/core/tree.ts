import type { ListedObject, StoragePort } from '../ports.js';
import { REFERENCE_NAME, REFERENCES_FOLDER } from './delta-space.js';

// A bucket or prefix seen as a tree of directories, each a candidate DeltaSpace: what
// `stats`, `ls` and a recursive `cp` walk.

/** The objects directly under one key prefix. */
export interface Directory {
  /** The DeltaSpace prefix: no leading or trailing slash, '' for the bucket root. */
  prefix: string;
  /** `<prefix>/reference.bin`, when there is one. */
  reference?: ListedObject;
  /** `<prefix>/.dg-refs/<id>/reference.bin`: the space's extra references (smart references). */
  extraReferences: ListedObject[];
  /** Every other object directly in this directory (not below it), in key order. */
  objects: ListedObject[];
}

/**
 * Keys the DeltaGlider CLI keeps for itself (stats caches, temporary objects): never
 * user files, never part of a DeltaSpace.
 */
export function isInternalKey(key: string): boolean {
  return key.startsWith('.deltaglider/') || key.includes('/.deltaglider/');
}

/**
 * Lists every object under `listingPrefix` ('' or ending with '/') and groups them by
 * directory, in prefix order. Folder markers (keys ending with '/') and internal keys
 * are skipped.
 */
export async function walkTree(
  storage: StoragePort,
  bucket: string,
  listingPrefix: string,
): Promise<Directory[]> {
  const directories = new Map<string, Directory>();
  for await (const object of storage.list(bucket, listingPrefix)) {
    if (object.key.endsWith('/') || isInternalKey(object.key)) continue;
    const folder = referencesFolderOf(object.key);
    const slash = object.key.lastIndexOf('/');
    const prefix = folder ? folder.space : slash === -1 ? '' : object.key.slice(0, slash);
    let directory = directories.get(prefix);
    if (!directory) {
      directory = { prefix, objects: [], extraReferences: [] };
      directories.set(prefix, directory);
    }
    // The references folder belongs to its DeltaSpace: never a directory of its own, and
    // anything in it but a reference is not shown.
    if (folder) {
      if (folder.isReference) directory.extraReferences.push(object);
    } else if (object.key.slice(slash + 1) === REFERENCE_NAME) directory.reference = object;
    else directory.objects.push(object);
  }
  return [...directories.values()].sort((a, b) => compare(a.prefix, b.prefix));
}

/** For a key inside a `.dg-refs/` folder: the DeltaSpace it belongs to, and whether it is a reference. */
function referencesFolderOf(key: string): { space: string; isReference: boolean } | undefined {
  const parts = key.split('/');
  const at = parts.lastIndexOf(REFERENCES_FOLDER);
  if (at === -1 || at === parts.length - 1) return undefined;
  const rest = parts.slice(at + 1);
  return {
    space: parts.slice(0, at).join('/'),
    isReference: rest.length === 2 && rest[1] === REFERENCE_NAME,
  };
}

/**
 * The sub-prefixes directly below `prefix` that hold objects at any depth
 * (`releases` -> `releases/app`, `releases/lib`), for a listing's "PRE" lines.
 */
export function childPrefixes(directories: readonly Directory[], prefix: string): string[] {
  const base = prefix === '' ? '' : `${prefix}/`;
  const children = new Set<string>();
  for (const { prefix: p } of directories) {
    if (p === prefix || !p.startsWith(base)) continue;
    const rest = p.slice(base.length);
    children.add(base + rest.split('/')[0]);
  }
  return [...children].sort(compare);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
