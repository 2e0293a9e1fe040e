import type { ListedObject, StoragePort } from '../ports.js';
import { REFERENCE_NAME } from './delta-space.js';

// A bucket or prefix seen as a tree of directories, each a candidate DeltaSpace: what
// `stats`, `ls` and a recursive `cp` walk.

/** The objects directly under one key prefix. */
export interface Directory {
  /** The DeltaSpace prefix: no leading or trailing slash, '' for the bucket root. */
  prefix: string;
  /** `<prefix>/reference.bin`, when there is one. */
  reference?: ListedObject;
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
    const slash = object.key.lastIndexOf('/');
    const prefix = slash === -1 ? '' : object.key.slice(0, slash);
    let directory = directories.get(prefix);
    if (!directory) {
      directory = { prefix, objects: [] };
      directories.set(prefix, directory);
    }
    if (object.key.slice(slash + 1) === REFERENCE_NAME) directory.reference = object;
    else directory.objects.push(object);
  }
  return [...directories.values()].sort((a, b) => compare(a.prefix, b.prefix));
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
