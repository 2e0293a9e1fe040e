import type { ListedObject } from '../../ports.js';
import { DELTA_SUFFIX, stripDeltaSuffix } from '../delta-space.js';
import { InputError } from '../errors.js';
import { familyOf } from '../references/family.js';
import type { Directory } from '../tree.js';
import { compareReleases } from './release-order.js';

// Which files of one DeltaSpace a prune removes, from one listing and nothing else: the
// files are grouped by family (the same families as smart references, family.ts) and
// each family is ordered by release (release-order.ts, then LastModified). No HEAD is
// needed to decide; references are judged afterwards (prune.ts).

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

export interface FilePlan {
  remove: PruneFile[];
  keep: PruneFile[];
}

/** Keeps the last `rule.count` of each family, or what is newer than `now - rule.seconds`. */
export function planFiles(directory: Directory, rule: PruneRule, now: Date): FilePlan {
  const families = new Map<string, PruneFile[]>();
  for (const file of filesOf(directory)) {
    const members = families.get(file.family) ?? [];
    members.push(file);
    families.set(file.family, members);
  }
  const plan: FilePlan = { remove: [], keep: [] };
  const cutoff = rule.kind === 'older-than' ? now.getTime() - rule.seconds * 1000 : 0;
  for (const members of families.values()) {
    members.sort((a, b) => compareReleases({ ...a, key: a.name }, { ...b, key: b.name }));
    members.forEach((file, index) => {
      const newer = members.length - 1 - index;
      // --older-than never takes a family's newest release: it is the current one, not
      // an old version, and removing it would empty the line (rm does that on purpose).
      const old =
        rule.kind === 'keep-last'
          ? newer >= rule.count
          : newer > 0 && file.lastModified !== undefined && file.lastModified.getTime() < cutoff;
      (old ? plan.remove : plan.keep).push(file);
    });
  }
  const byName = (a: PruneFile, b: PruneFile) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  plan.remove.sort(byName);
  plan.keep.sort(byName);
  return plan;
}

/** The logical files of a directory: each name with the objects that hold it. */
function filesOf(directory: Directory): PruneFile[] {
  const byName = new Map<string, ListedObject[]>();
  const base = directory.prefix === '' ? 0 : directory.prefix.length + 1;
  for (const object of directory.objects) {
    const name = stripDeltaSuffix(object.key.slice(base));
    byName.set(name, [...(byName.get(name) ?? []), object]);
  }
  return [...byName].map(([name, objects]) => {
    const times = objects.flatMap((o) => (o.lastModified ? [o.lastModified.getTime()] : []));
    return {
      name,
      family: familyOf(name),
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
