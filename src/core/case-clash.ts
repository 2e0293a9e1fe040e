// Two keys that differ only in case (App.zip, app.zip) are two files on Linux but one on
// NTFS and on APFS as formatted by default: downloading both there would leave the bytes of
// whichever came last under the first one's name. A download finds such pairs before it
// writes anything, and refuses them where the destination ignores case.
import { InputError } from './errors.js';

/** How a case-insensitive file system compares names (NFC: APFS also ignores normalization). */
function folded(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/** Groups of distinct destination paths that one case-insensitive file system would merge. */
export function caseClashes(paths: readonly string[]): string[][] {
  const groups = new Map<string, Set<string>>();
  for (const path of paths) {
    const key = folded(path);
    const group = groups.get(key) ?? new Set<string>();
    group.add(path);
    groups.set(key, group);
  }
  return [...groups.values()].filter((group) => group.size > 1).map((group) => [...group].sort());
}

/** The refusal: one error naming every pair, nothing written. */
export function caseClashError(clashes: readonly string[][]): InputError {
  const shown = clashes.map((group) => group.join(' and ')).join('; ');
  return new InputError(
    `The destination ignores the case of file names, and ${clashes.length === 1 ? 'these names differ' : 'these groups of names differ'} only in case: ${shown}. ` +
      'Writing both would leave one file under both names',
    'Nothing was downloaded. Download into a case-sensitive file system, or rename one of ' +
      'them in the bucket',
    { code: 'bad-input', fields: { paths: clashes.flat() } },
  );
}
