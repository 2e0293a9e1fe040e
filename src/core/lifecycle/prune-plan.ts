import type { ListedObject } from '../../ports.js';
import { DELTA_SUFFIX, stripDeltaSuffix } from '../delta-space.js';
import { InputError } from '../errors.js';
import { readReleaseName, releaseOrderDoubt, type ReleaseName } from '../release-names/name.js';
import type { Directory } from '../tree.js';
import { sortByRelease } from './release-order.js';

// Which files of one DeltaSpace a prune removes, from one listing and nothing else: the
// files are grouped by family (the same families as smart references, family.ts) and
// each family is ordered by release (release-order.ts, then LastModified). No HEAD is
// needed to decide; references are judged afterwards (prune.ts). A file goes only when
// enough of its family are newer for certain: where the names do not tell the order
// (`app-1.0.zip` and `app-1.0.0.zip`, two pre-release labels of unknown rank), it stays,
// and the plan says why.

/** What to keep of each family. */
export type PruneRule =
  { kind: 'keep-last'; count: number } | { kind: 'older-than'; seconds: number };

/** One logical file as the listing shows it: one object, or two when stored in both forms. */
export interface PruneFile {
  name: string;
  family: string;
  /** Its objects (`name` and/or `name.delta`). */
  objects: ListedObject[];
  /** The newer of its objects' LastModified. */
  lastModified?: Date;
  storedBytes: number;
}

/** A file the rule would remove, kept because its order against a newer one is unknown. */
export interface UncertainFile {
  file: PruneFile;
  /** The file of its family it cannot be ordered against. */
  other: string;
  /** Why (`they hold the same version`, ...). */
  why: string;
}

export interface FilePlan {
  remove: PruneFile[];
  /** Every file that stays, the uncertain ones included. */
  keep: PruneFile[];
  uncertain: UncertainFile[];
}

/**
 * Pairs of names compared per family, at most (about 1 s of CPU): the files still
 * undecided then stay. It bounds what a listing can cost (a family of 3,000 names with
 * --keep-last 1,500 needs 2.25 million), far above what real lines need: each old file
 * usually settles in `N` comparisons.
 */
export const MAX_COMPARISONS = 1_000_000;

/** Keeps the last `rule.count` of each family, or what is newer than `now - rule.seconds`. */
export function planFiles(
  directory: Directory,
  rule: PruneRule,
  now: Date,
  maxComparisons = MAX_COMPARISONS,
): FilePlan {
  const families = new Map<string, Ordered[]>();
  for (const file of filesOf(directory)) {
    const members = families.get(file.family) ?? [];
    members.push({ ...file, key: file.name });
    families.set(file.family, members);
  }
  const plan: FilePlan = { remove: [], keep: [], uncertain: [] };
  const cutoff = rule.kind === 'older-than' ? now.getTime() - rule.seconds * 1000 : 0;
  // --older-than never takes a family's newest release: it is the current one, not an
  // old version, and removing it would empty the line (rm does that on purpose).
  const newerNeeded = rule.kind === 'keep-last' ? rule.count : 1;
  for (const family of families.values()) {
    const members = sortByRelease(family);
    const budget = { left: maxComparisons };
    members.forEach((file, index) => {
      const { key: _key, release: _release, ...kept } = file;
      const old =
        members.length - 1 - index >= newerNeeded &&
        (rule.kind === 'keep-last' ||
          (file.lastModified !== undefined && file.lastModified.getTime() < cutoff));
      const doubt = old ? unsureOrder(members, index, newerNeeded, budget) : undefined;
      if (old && doubt === undefined) plan.remove.push(kept);
      else plan.keep.push(kept);
      if (old && doubt) plan.uncertain.push({ file: kept, ...doubt });
    });
  }
  const byName = (a: PruneFile, b: PruneFile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  plan.remove.sort(byName);
  plan.keep.sort(byName);
  plan.uncertain.sort((a, b) => byName(a.file, b.file));
  return plan;
}

interface Ordered extends PruneFile {
  key: string;
  release: ReleaseName;
}

/**
 * Whether the file at `index` may go: undefined when at least `needed` members after it
 * are newer for certain; else the newest one whose order against it is unknown, and why.
 */
function unsureOrder(
  members: readonly Ordered[],
  index: number,
  needed: number,
  budget: { left: number },
): { other: string; why: string } | undefined {
  const file = members[index]!;
  const newest = members.at(-1)!;
  // A name without a version cannot be ordered against any: no need to try each.
  if (!file.release.confident)
    return { other: newest.name, why: releaseOrderDoubt(file.release, newest.release)! };
  let newer = 0;
  let first: { other: string; why: string } | undefined;
  for (let j = members.length - 1; j > index; j--) {
    if (budget.left-- <= 0) {
      return {
        other: first?.other ?? members[j]!.name,
        why: `its family has too many names to compare them all (${members.length})`,
      };
    }
    const other = members[j]!;
    const why = releaseOrderDoubt(file.release, other.release);
    if (why === undefined && ++newer >= needed) return undefined;
    if (why !== undefined) first ??= { other: other.name, why };
  }
  return first;
}

/** The logical files of a directory: each name with the objects that hold it. */
function filesOf(directory: Directory): (PruneFile & { release: ReleaseName })[] {
  const byName = new Map<string, ListedObject[]>();
  const base = directory.prefix === '' ? 0 : directory.prefix.length + 1;
  for (const object of directory.objects) {
    const name = stripDeltaSuffix(object.key.slice(base));
    byName.set(name, [...(byName.get(name) ?? []), object]);
  }
  return [...byName].map(([name, objects]) => {
    const times = objects.flatMap((o) => (o.lastModified ? [o.lastModified.getTime()] : []));
    const release = readReleaseName(name);
    return {
      name,
      family: release.family,
      release,
      objects,
      ...(times.length > 0 ? { lastModified: new Date(Math.max(...times)) } : {}),
      storedBytes: objects.reduce((sum, o) => sum + o.size, 0),
    };
  });
}

/** The `.delta` keys among files. */
export function deltaKeysOf(files: readonly PruneFile[]): string[] {
  return files.flatMap((f) => f.objects.map((o) => o.key).filter((k) => k.endsWith(DELTA_SUFFIX)));
}

const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * `keep-last` / `older-than`, exactly one of them, as a rule. `say` names a setting in the
 * shell's words (`--keep-last` on the command line, `keep-last` in the action).
 */
export function pruneRule(
  keepLast: string | undefined,
  olderThan: string | undefined,
  say: (setting: 'keep-last' | 'older-than') => string = (s) => `--${s}`,
): PruneRule {
  if ((keepLast === undefined) === (olderThan === undefined)) {
    throw new InputError(
      keepLast === undefined
        ? `prune needs ${say('keep-last')} N or ${say('older-than')} DURATION`
        : `prune takes ${say('keep-last')} or ${say('older-than')}, not both`,
      `For example ${say('keep-last')} 5 (per file family) or ${say('older-than')} 30d`,
    );
  }
  if (keepLast !== undefined) {
    const count = Number(keepLast);
    if (!/^\d+$/.test(keepLast.trim()) || count < 1 || count > 1_000_000) {
      throw new InputError(
        `${say('keep-last')} must be a whole number of at least 1, got "${keepLast}"`,
        'It counts the releases kept per file family (the newest N of each line stay)',
      );
    }
    return { kind: 'keep-last', count };
  }
  return { kind: 'older-than', seconds: parseDuration(olderThan!, say('older-than')) };
}

/** A duration such as 30d, 12h, 90m, 45s or 2w, in seconds, at least `min`. */
export function parseDuration(raw: string, setting: string, min = 1): number {
  const match = /^(\d+)\s*([smhdw])$/i.exec(raw.trim());
  const seconds = match ? Number(match[1]) * AGE_UNITS[match[2]!.toLowerCase()]! : -1;
  if (!(seconds >= min)) {
    throw new InputError(`${setting} must be a duration such as 30d, 12h, 90m or 2w, got "${raw}"`);
  }
  return seconds;
}
