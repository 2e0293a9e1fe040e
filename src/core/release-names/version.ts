// One version token of a file name (`1.4.2`, `v2.0.0-rc.1`, `1.0.0rc1`, `1.0.post1`,
// `2.0~rc1`, `1.2.3+build.5`, `2024.3.1`, `20260105`), as plain data, and the order of two.
// The order follows SemVer and PEP 440 where they agree: dev < alpha < beta < rc < final <
// post; Debian's `~` is a pre-release too. Build metadata (`+...`) only breaks ties.

/** Pre-release stages by rank; `other` is a label whose place among the rest is unknown. */
export const STAGES = ['dev', 'alpha', 'beta', 'other', 'rc'] as const;
export type Stage = (typeof STAGES)[number];

export interface PreRelease {
  stage: Stage;
  /** The label as written (`rc`, `c`, `canary`, ...), lowercase. */
  label: string;
  /** Its number, digits only; '' when none (`-beta`). */
  number: string;
}

/** How the release numbers read: a date (`2026.01.05`, `20260105`) or plain numbers. */
export type VersionScheme = 'number' | 'dotted-date' | 'compact-date' | 'dpkg';

export interface ReleaseVersion {
  /** The token as it appears in the (lowercased) name. */
  text: string;
  scheme: VersionScheme;
  /** PEP 440 epoch (`1!2.0`), digits; '0' when none. */
  epoch: string;
  /** The dotted numbers, digit strings (`['1', '4', '2']`); for dpkg the whole version. */
  release: string[];
  pre?: PreRelease;
  /** `.post1`: digits, '' for a bare `.post`. */
  post?: string;
  /** `.dev3` after the rest (`1.0rc1.dev2`), or a version that is only a dev release. */
  dev?: string;
  /** `+build.5`: text after the `+`. */
  build?: string;
}

const LABELS: Record<string, Stage> = {
  dev: 'dev',
  a: 'alpha',
  alpha: 'alpha',
  b: 'beta',
  beta: 'beta',
  c: 'rc',
  rc: 'rc',
  pre: 'other',
  preview: 'other',
  snapshot: 'other',
  nightly: 'other',
  canary: 'other',
  next: 'other',
};

/** The labels of more than one letter, longest first (`preview` before `pre`). */
const WORDS = Object.keys(LABELS)
  .filter((label) => label.length > 1)
  .sort((a, b) => b.length - a.length)
  .join('|');

/**
 * A version token in a name: not preceded by a letter or digit, so `x64`, `arm64` and
 * `py3.12` are not versions. One-letter PEP 440 labels (`a1`, `b2`, `c3`) only directly
 * after a digit. Every repetition is bounded by a separator, so matching stays linear.
 */
export const VERSION_TOKEN = new RegExp(
  String.raw`(?<![a-z0-9])v?(?:\d+!)?\d+(?:\.\d+)*` +
    String.raw`(?:(?:[-._~]?(?:${WORDS})|(?<=\d)[abc](?=\d))(?:[-._]?\d+)?)?` +
    String.raw`(?:[-._]?post\d*)?(?:[-._]?dev\d*)?(?:\+[0-9a-z]+(?:\.[0-9a-z]+)*)?(?![a-z0-9])`,
  'g',
);

const PARTS = new RegExp(
  String.raw`^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-._~]?(${WORDS}|[abc])[-._]?(\d*))?` +
    String.raw`(?:[-._]?post(\d*))?(?:[-._]?dev(\d*))?(?:\+(.*))?$`,
);

/** The parts of a token VERSION_TOKEN matched. */
export function parseVersion(text: string): ReleaseVersion {
  const m = PARTS.exec(text);
  const [, epoch = '0', dotted = text, label, labelNumber = '', post, dev, build] = m ?? [];
  const release = dotted.split('.');
  const version: ReleaseVersion = { text, scheme: schemeOf(release), epoch, release };
  const stage = label === undefined ? undefined : LABELS[label];
  if (stage === 'dev' && dev === undefined) version.dev = labelNumber;
  else if (stage !== undefined) version.pre = { stage, label: label!, number: labelNumber };
  if (post !== undefined) version.post = post;
  if (dev !== undefined) version.dev = dev;
  if (build !== undefined) version.build = build;
  return version;
}

/** A Debian package's version field (`1.24.0-2~bpo12+1`), ordered as dpkg orders it. */
export function dpkgVersion(text: string): ReleaseVersion {
  return { text, scheme: 'dpkg', epoch: '0', release: [text] };
}

function schemeOf(release: readonly string[]): VersionScheme {
  const first = release[0]!;
  if (release.length === 1 && /^(?:19|20)\d\d(?:0\d|1[0-2])[0-3]\d$/.test(first))
    return 'compact-date';
  if (release.length > 1 && /^(?:19|20)\d\d$/.test(first)) return 'dotted-date';
  return 'number';
}

/**
 * The order of two versions, a total preorder: epoch, release numbers (missing ones are
 * 0, so `1.0` = `1.0.0`), pre-release (none sorts after every stage), post, dev, build.
 */
export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number {
  if (a.scheme === 'dpkg' || b.scheme === 'dpkg') {
    if (a.scheme !== b.scheme) return a.scheme === 'dpkg' ? 1 : -1;
    return compareDpkg(a.text, b.text);
  }
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    comparePre(a, b) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    compareOptional(a.build, b.build, -1, compareNatural)
  );
}

/**
 * Why the order of two versions is a guess, or undefined when it is not: two schemes
 * (a date and a number) in one epoch, or two pre-release labels of unknown rank.
 */
export function versionDoubt(a: ReleaseVersion, b: ReleaseVersion): string | undefined {
  // A new epoch is how PEP 440 says that the numbering changed on purpose.
  if (a.epoch !== b.epoch) return undefined;
  if (a.scheme !== b.scheme) return `${a.text} and ${b.text} are numbered differently`;
  const [p, q] = [a.pre, b.pre];
  if (
    p &&
    q &&
    p.label !== q.label &&
    (p.stage === 'other' || q.stage === 'other') &&
    compareRelease(a.release, b.release) === 0
  ) {
    return `the pre-release labels ${p.label} and ${q.label} have no known order`;
  }
  if (compareVersions(a, b) === 0) return `${a.text} and ${b.text} are the same version`;
  return undefined;
}

function compareRelease(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const order = compareDigits(a[i] ?? '0', b[i] ?? '0');
    if (order !== 0) return order;
  }
  return 0;
}

/** PEP 440: a version that is only a dev release sorts before its pre-releases. */
function preRank(v: ReleaseVersion): number {
  if (v.pre) return 1 + STAGES.indexOf(v.pre.stage);
  return v.dev !== undefined && v.post === undefined ? 0 : STAGES.length + 1;
}

function comparePre(a: ReleaseVersion, b: ReleaseVersion): number {
  const [p, q] = [a.pre, b.pre];
  return (
    preRank(a) - preRank(b) ||
    (p && q ? compareText(p.label, q.label) || compareDigits(p.number, q.number) : 0)
  );
}

/** Two optional parts: `missing` is where an absent one sorts (-1 first, 1 last). */
function compareOptional(
  a: string | undefined,
  b: string | undefined,
  missing: -1 | 1,
  compare: (a: string, b: string) => number = compareDigits,
): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? missing : -missing;
  return compare(a, b);
}

/** Digit strings by value, without overflow on long runs (build numbers, dates). */
export function compareDigits(p: string, q: string): number {
  let [i, j] = [0, 0];
  while (i < p.length - 1 && p[i] === '0') i++;
  while (j < q.length - 1 && q[j] === '0') j++;
  if (p.length - i !== q.length - j) return p.length - i - (q.length - j);
  for (; i < p.length; i++, j++) if (p[i] !== q[j]) return p[i]! < q[j]! ? -1 : 1;
  return 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Natural order: digit runs by value, the rest by code unit. */
export function compareNatural(a: string, b: string): number {
  const [x, y] = [a.match(/\d+|\D+/g) ?? [], b.match(/\d+|\D+/g) ?? []];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i]!, y[i]!];
    const order = /^\d/.test(p) && /^\d/.test(q) ? compareDigits(p, q) : compareText(p, q);
    if (order !== 0) return order;
  }
  return x.length - y.length;
}

/** dpkg's order of `[epoch:]upstream[-revision]`: upstream first, then the revision. */
function compareDpkg(a: string, b: string): number {
  const split = (v: string) => {
    const epoch = /^(\d+):/.exec(v);
    const rest = epoch ? v.slice(epoch[0].length) : v;
    const dash = rest.lastIndexOf('-');
    return [
      epoch?.[1] ?? '0',
      dash < 0 ? rest : rest.slice(0, dash),
      dash < 0 ? '' : rest.slice(dash + 1),
    ];
  };
  const [x, y] = [split(a), split(b)];
  return compareDigits(x[0]!, y[0]!) || verrevcmp(x[1]!, y[1]!) || verrevcmp(x[2]!, y[2]!);
}

/** dpkg's verrevcmp: `~` before everything (even the end), letters before other symbols. */
function verrevcmp(a: string, b: string): number {
  const weight = (c: string | undefined) =>
    c === undefined
      ? 0
      : c === '~'
        ? -1
        : /[a-z]/i.test(c)
          ? c.charCodeAt(0)
          : c.charCodeAt(0) + 256;
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const [p, q] = [
        /\d/.test(a[i] ?? '0') ? undefined : a[i],
        /\d/.test(b[j] ?? '0') ? undefined : b[j],
      ];
      const order = weight(p) - weight(q);
      if (order !== 0) return order;
      i++;
      j++;
    }
    const [m, n] = [/^\d*/.exec(a.slice(i))![0], /^\d*/.exec(b.slice(j))![0]];
    const order = compareDigits(m || '0', n || '0');
    if (order !== 0) return order;
    i += m.length;
    j += n.length;
  }
  return 0;
}
