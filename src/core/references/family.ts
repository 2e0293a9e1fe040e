import { readReleaseName } from '../release-names/name.js';

// A file's "family": its name with the parts that change from release to release taken
// out, so that `app-1.4.2-linux-x64.tar.gz` and `app-1.5.0-linux-x64.tar.gz` (one artifact
// line) match, and `app-1.5.0-darwin-arm64.tar.gz` or `app-1.5.0-ubuntu-22.04.deb` (another
// platform) does not. The model of names is release-names/name.ts.

/** The family key of a file name: lowercase, versions and commit hashes replaced by `*`. */
export function familyOf(name: string): string {
  return readReleaseName(name).family;
}
