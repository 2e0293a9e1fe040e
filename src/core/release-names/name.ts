import { ARCH_TAG, PLATFORM_WORD, RUNTIME_TAG } from './platform-tags.js';
import {
  compareVersions,
  dpkgVersion,
  parseVersion,
  versionDoubt,
  VERSION_TOKEN,
  type ReleaseVersion,
} from './version.js';

// What a file name says about its release: the family (the artifact line it belongs to,
// shared by smart references and prune), its versions (the order of release, for prune
// and migrate) and its platform tags. Plain data, read once per name.
//
// The release version is the first version-like token that is not a platform tag. A
// digit run after a runtime word (`ubuntu-22.04`, `node-20`, `macos-14`) is a tag when the
// name has a version of its own elsewhere; alone (`python-3.12.1-amd64.exe`), it is the
// release. Tags stay in the family, so each platform's builds are their own line.

export interface ReleaseName {
  /** The name lowercased, versions and commit hashes replaced by `*`. */
  family: string;
  /** Its version tokens in order; the first is the release version. */
  versions: ReleaseVersion[];
  /** Platform and runtime tags, in order (`ubuntu-22.04`, `x86_64`, `musl`). */
  tags: string[];
  /** Whether it holds a commit hash (which says nothing about order). */
  commit: boolean;
  /** Whether the name holds a version to order it by. */
  confident: boolean;
}

/** A commit hash: 7 to 40 hex digits with at least one digit and one letter. */
const COMMIT = /(?<![a-z0-9])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![a-z0-9])/g;

/** `name_version_arch.deb`: the version field is dpkg's, distro tags inside it kept. */
const DEBIAN = /^([a-z0-9][a-z0-9+.-]*)_(\d[^_]*)_([a-z0-9-]+)\.([ud]?deb)$/;

interface Span {
  start: number;
  end: number;
}

export function readReleaseName(name: string): ReleaseName {
  const lower = name.toLowerCase();
  return debianName(lower) ?? genericName(lower);
}

function genericName(lower: string): ReleaseName {
  const arch = spans(ARCH_TAG, lower);
  const runtime = spans(RUNTIME_TAG, mask(lower, arch, 'z'));
  const commits = spans(COMMIT, mask(lower, [...arch, ...runtime], 'z'));
  const versionsMasking = (tags: Span[]) =>
    spans(VERSION_TOKEN, mask(mask(lower, tags, 'z'), commits, '/'));
  let tagSpans = [...arch, ...runtime];
  let found = versionsMasking(tagSpans);
  if (found.length === 0 && runtime.length > 0) {
    // No version but a runtime's: that one is the release (`python-3.12.1-amd64.exe`).
    tagSpans = [...arch, ...runtime.slice(1)];
    found = versionsMasking(tagSpans);
  }
  // After the release version, digits that follow a word are the word's (`openssl-3`,
  // `linux-6.1`), unless the word numbers the release itself (`build-45`, `patch-2`).
  const wordTags = found.slice(1).flatMap((s) => wordTagOf(lower, s));
  if (wordTags.length > 0) {
    found = found.filter((s) => !wordTags.some((t) => overlaps(s, t)));
    tagSpans = [...tagSpans, ...wordTags];
  }
  const words = spans(PLATFORM_WORD, lower).filter((w) => !tagSpans.some((t) => overlaps(w, t)));
  const tags = [...tagSpans, ...words]
    .sort((a, b) => a.start - b.start)
    .map((s) => lower.slice(s.start, s.end));
  const versions = found.map((s) => parseVersion(lower.slice(s.start, s.end)));
  return {
    family: familyText(lower, [...found, ...commits]),
    versions,
    tags: [...new Set(tags)],
    commit: commits.length > 0,
    confident: versions.length > 0,
  };
}

function debianName(lower: string): ReleaseName | undefined {
  const m = DEBIAN.exec(lower);
  if (!m) return undefined;
  const [, pkg, version, arch, ext] = m as unknown as [string, string, string, string, string];
  // `1.0-1~ubuntu.22.04~jammy` and `~ubuntu.20.04~focal` are builds for two systems.
  const distro = spans(RUNTIME_TAG, version).map((s) => version.slice(s.start, s.end));
  return {
    family: `${pkg}_*${distro.map((t) => `~${t}`).join('')}_${arch}.${ext}`,
    versions: [dpkgVersion(version)],
    tags: [...distro, arch],
    commit: false,
    confident: true,
  };
}

/**
 * The order of two names' versions, a total preorder: version by version, a name with
 * more of them (`app-1.2.3-2`) after one with fewer (`app-1.2.3`).
 */
export function compareReleaseNames(a: ReleaseName, b: ReleaseName): number {
  for (let i = 0; i < Math.min(a.versions.length, b.versions.length); i++) {
    const order = compareVersions(a.versions[i]!, b.versions[i]!);
    if (order !== 0) return order;
  }
  return a.versions.length - b.versions.length;
}

/**
 * Why the order of two names of one family cannot be told from them, or undefined when
 * it can. Where it cannot, prune keeps rather than guesses.
 */
export function releaseOrderDoubt(a: ReleaseName, b: ReleaseName): string | undefined {
  if (!a.confident || !b.confident)
    return a.confident || b.confident ? 'one of them holds no version' : 'neither holds a version';
  for (let i = 0; i < Math.min(a.versions.length, b.versions.length); i++) {
    const [x, y] = [a.versions[i]!, b.versions[i]!];
    if (compareVersions(x, y) !== 0) return versionDoubt(x, y);
  }
  if (a.commit || b.commit) return 'they differ only in a commit hash';
  if (a.versions.length === b.versions.length) return 'they hold the same version';
  return undefined;
}

/** Words whose number is part of the release (`-build-45`, `-rev.3`, `-update-2`). */
const RELEASE_WORDS = new Set([
  'build',
  'bld',
  'b',
  'rev',
  'revision',
  'r',
  'patch',
  'p',
  'update',
  'u',
  'hotfix',
  'fix',
  'release',
  'rel',
  'ver',
  'version',
  'sp',
  'pl',
]);

/** The span of `word-1.2` when the version at `s` follows a word that is not a release word. */
function wordTagOf(lower: string, s: Span): Span[] {
  const before = /(?<![a-z])([a-z]+)[-_.]$/.exec(lower.slice(Math.max(0, s.start - 40), s.start));
  if (!before || RELEASE_WORDS.has(before[1]!)) return [];
  return [{ start: s.start - before[0].length, end: s.end }];
}

function spans(pattern: RegExp, text: string): Span[] {
  return [...text.matchAll(pattern)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** `text` with the characters of `spans` replaced by `by`, its length kept. */
function mask(text: string, masked: readonly Span[], by: string): string {
  if (masked.length === 0) return text;
  const chars = text.split(''); // code units, as match indexes count
  for (const s of masked) chars.fill(by, s.start, s.end);
  return chars.join('');
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The name with `replaced` spans as `*`, a run of stars and separators as one `*`. */
function familyText(lower: string, replaced: Span[]): string {
  let out = '';
  let at = 0;
  for (const s of [...replaced].sort((a, b) => a.start - b.start)) {
    out += `${lower.slice(at, s.start)}*`;
    at = s.end;
  }
  return `${out}${lower.slice(at)}`.replace(/\*(?:[-_.+~]*\*)+/g, '*');
}
