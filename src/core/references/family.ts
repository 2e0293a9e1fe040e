// A file's "family": its name with the parts that change from release to release taken
// out, so that `app-1.4.2-linux-x64.tar.gz` and `app-1.5.0-linux-x64.tar.gz` (one artifact
// line) match, and `app-1.5.0-darwin-arm64.tar.gz` (another platform) does not.

/**
 * Version-like tokens: `1.4.2`, `v2.0.0-rc.1`, `2026.01.05`, a build number `1234`. Not
 * preceded by a letter or digit, so `x64`, `arm64`, `win32` and `ubuntu22.04` stay.
 */
const VERSION =
  /(?<![a-z0-9])v?\d+(?:\.\d+)*(?:[-.+]?(?:alpha|beta|rc|pre|dev|snapshot|nightly|canary|next)(?:[.-]?\d+)*)?(?![a-z0-9])/g;

/** A commit hash: 7 to 40 hex digits with at least one digit and one letter. */
const COMMIT = /(?<![a-z0-9])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![a-z0-9])/g;

/** The family key of a file name: lowercase, version-like tokens replaced by `*`. */
export function familyOf(name: string): string {
  return name
    .toLowerCase()
    .replace(COMMIT, '*')
    .replace(VERSION, '*')
    .replace(/\*(?:[-_.+]*\*)+/g, '*');
}
