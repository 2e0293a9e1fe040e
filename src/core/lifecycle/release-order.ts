import { compareReleaseNames, readReleaseName, type ReleaseName } from '../release-names/name.js';
import { compareNatural } from '../release-names/version.js';

// The order of release, read from names (release-names/): `app-1.9.0.zip` before
// `app-1.10.0.zip`, `pkg-2.0.0rc1` before `pkg-2.0.0`. Equal versions go by the name's
// natural order, then to the older object, then to the key, so the order is total and
// the same on every run.

export interface Released {
  name: string;
  key: string;
  lastModified?: Date;
  /** The name, already read (readReleaseName), so that it is not read again. */
  release?: ReleaseName;
}

export function compareReleases(a: Released, b: Released): number {
  return compareRead(read(a), read(b));
}

/**
 * `items` in release order, after `first` (the order of the groups, when given). Each name
 * is read once, not once per comparison.
 */
export function sortByRelease<T extends Released>(
  items: readonly T[],
  first: (a: T, b: T) => number = () => 0,
): T[] {
  return items
    .map(read)
    .sort((a, b) => first(a.item, b.item) || compareRead(a, b))
    .map((r) => r.item);
}

/** Two names in release order; names whose versions are equal in natural order. */
export function compareVersionNames(a: string, b: string): number {
  return compareReleaseNames(readReleaseName(a), readReleaseName(b)) || compareNatural(a, b);
}

interface Read<T> {
  item: T;
  release: ReleaseName;
}

function read<T extends Released>(item: T): Read<T> {
  return { item, release: item.release ?? readReleaseName(item.name) };
}

function compareRead(a: Read<Released>, b: Read<Released>): number {
  const [x, y] = [a.item, b.item];
  return (
    compareReleaseNames(a.release, b.release) ||
    compareNatural(x.name, y.name) ||
    (x.lastModified?.getTime() ?? 0) - (y.lastModified?.getTime() ?? 0) ||
    (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)
  );
}
