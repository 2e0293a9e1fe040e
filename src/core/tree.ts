import type { ListedObject, StoragePort } from '../ports.js';
import { classifyKeys, REFERENCE_NAME } from './reserved.js';

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
  /**
   * Objects under the space's reserved `.dg-refs` segment that are not its references
   * (reserved.ts, "stray"): files an older upload stored there, and their folders'
   * reference.bin. No command lists, deletes or chooses them; `verify -r` checks them.
   * Always set by walkTree.
   */
  strays?: ListedObject[];
}

/**
 * Lists every object under `listingPrefix` ('' or ending with '/') and groups them by
 * directory, in prefix order. Folder markers (keys ending with '/') and the DeltaGlider
 * CLI's internal keys are skipped, and so is what belongs to a DeltaSpace above
 * `listingPrefix` (a listing that starts inside a reserved folder finds nothing).
 */
export async function walkTree(
  storage: StoragePort,
  bucket: string,
  listingPrefix: string,
): Promise<Directory[]> {
  const listed: ListedObject[] = [];
  for await (const object of storage.list(bucket, listingPrefix)) {
    if (!object.key.endsWith('/')) listed.push(object);
  }
  const roles = classifyKeys(listed.map((o) => o.key));
  const directories = new Map<string, Directory>();
  for (const object of listed) {
    const role = roles.get(object.key)!;
    if (role.kind === 'internal') continue;
    const slash = object.key.lastIndexOf('/');
    const prefix =
      role.kind === 'file' ? (slash === -1 ? '' : object.key.slice(0, slash)) : role.space;
    if (!`${prefix}/`.startsWith(listingPrefix)) continue;
    let directory = directories.get(prefix);
    if (!directory) {
      directory = { prefix, objects: [], extraReferences: [], strays: [] };
      directories.set(prefix, directory);
    }
    // The references folder belongs to its DeltaSpace: never a directory of its own.
    if (role.kind === 'extra-reference') directory.extraReferences.push(object);
    else if (role.kind === 'stray') directory.strays!.push(object);
    else if (object.key.slice(slash + 1) === REFERENCE_NAME) directory.reference = object;
    else directory.objects.push(object);
  }
  return [...directories.values()].sort((a, b) => compare(a.prefix, b.prefix));
}

/**
 * The folders under a space's `.dg-refs/` that hold files an older upload stored there
 * (not just a reference.bin), in key order: each lists as a DeltaSpace of its own.
 */
export function strayFolders(directory: Directory): string[] {
  const folders = new Set<string>();
  for (const { key } of directory.strays ?? []) {
    const slash = key.lastIndexOf('/');
    if (key.slice(slash + 1) !== REFERENCE_NAME) folders.add(key.slice(0, Math.max(slash, 0)));
  }
  folders.delete(directory.prefix);
  return [...folders].sort(compare);
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
