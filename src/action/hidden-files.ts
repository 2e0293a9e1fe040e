import { relative, sep } from 'node:path';

// `include-hidden-files: false` (upload-artifact's default since v4.4): a `path:` of a
// directory or glob must not carry `.env`, `.git/` or `.npmrc` into the bucket. Only names
// below a search path count, so `path: .build/` or `path: .env`, named on purpose, still
// upload.

/** The matched files, less those with a segment starting with "." below their search path. */
export function withoutHidden(
  files: readonly string[],
  searchPaths: readonly string[],
): { kept: string[]; hidden: number } {
  const kept = files.filter((file) => !isHidden(file, searchPaths));
  return { kept, hidden: files.length - kept.length };
}

function isHidden(file: string, searchPaths: readonly string[]): boolean {
  const root = searchPaths
    .filter((p) => file === p || file.startsWith(p.endsWith(sep) ? p : p + sep))
    .reduce((longest, p) => (p.length > longest.length ? p : longest), '');
  // A file outside every search path cannot happen with @actions/glob; judge it whole.
  const below = root ? relative(root, file) : file;
  return below.split(sep).some((segment) => segment.startsWith('.'));
}
