import type { ListedObject, LoggerPort, StoragePort } from '../ports.js';
import { DELTA_SUFFIX, stripDeltaSuffix } from './delta-space.js';
import { decodeObject } from './metadata.js';
import { totalsOf } from './models.js';
import { walkTree, type Directory } from './tree.js';
import { mapLimit } from './util/map-limit.js';
import { formToRead, twoFormsWarning } from './two-forms.js';

/** HEAD requests in flight: metadata holds the original sizes of deltas. */
const HEAD_CONCURRENCY = 8;

/** Counts and sizes of one directory, or of a whole bucket or prefix. */
export interface StorageTotals {
  /** Logical files, as listings show them (a delta and a direct object of one name count once). */
  files: number;
  /** What the files would take stored whole. */
  originalBytes: number;
  /** What the bucket holds: every object, references (extra ones too) included. */
  storedBytes: number;
  savedBytes: number;
  /** 0..100, one decimal; negative when storage costs more than the files. */
  savingsPercent: number;
  /** reference.bin plus the extra references under `.dg-refs/`. */
  references: number;
  /** `.delta` objects, zero-diff deltas of first versions included. */
  deltas: number;
  /** Objects stored whole with DeltaGlider metadata. */
  direct: number;
  /** Objects no DeltaGlider wrote (no dg-file-sha256). */
  plain: number;
}

/** The totals of one DeltaSpace (a prefix holding a reference.bin or extra references). */
export interface SpaceStats extends StorageTotals {
  prefix: string;
}

export interface StatsReport extends StorageTotals {
  bucket: string;
  /** The key prefix walked: '' for the whole bucket, else ending with '/'. */
  prefix: string;
  /** Prefixes that hold a reference.bin. */
  deltaSpaces: number;
  /** One entry per DeltaSpace, in prefix order. */
  spaces: SpaceStats[];
}

/** What one object contributes to the totals. */
interface Contribution {
  kind: 'delta' | 'direct' | 'plain';
  /** Logical name; undefined for a delta shadowed by a direct object of the same name. */
  name?: string;
  originalBytes: number;
  storedBytes: number;
}

/**
 * Totals for everything under a bucket or prefix. Sizes of deltas come from their
 * metadata (one HEAD each, bounded); the DeltaGlider CLI's own `.deltaglider/` objects
 * are left out.
 */
export async function computeStats(
  storage: StoragePort,
  bucket: string,
  listingPrefix: string,
  log: LoggerPort,
): Promise<StatsReport> {
  const directories = await walkTree(storage, bucket, listingPrefix);
  const names = directories.map((d) => new Map(d.objects.map((o) => [baseName(o.key), o])));
  // One bounded pool for the whole walk, however many directories there are.
  const work = directories.flatMap((directory, index) =>
    directory.objects.map((object) => ({ index, object })),
  );
  const parts = await mapLimit(work, HEAD_CONCURRENCY, ({ index, object }) =>
    classify(storage, bucket, object, names[index]!, log),
  );
  const grouped = directories.map((): Contribution[] => []);
  parts.forEach((part, i) => grouped[work[i]!.index]!.push(part));
  const perDirectory = directories.map((directory, index) => summarize(directory, grouped[index]!));
  const spaces = directories.flatMap((directory, index) =>
    directory.reference || directory.extraReferences.length > 0
      ? [{ prefix: directory.prefix, ...perDirectory[index]! }]
      : [],
  );
  return {
    bucket,
    prefix: listingPrefix,
    ...sum(perDirectory),
    deltaSpaces: spaces.length,
    spaces,
  };
}

/** HEADs one object and says what it adds to the totals. */
async function classify(
  storage: StoragePort,
  bucket: string,
  object: ListedObject,
  /** The objects in the same directory, by base name. */
  siblings: ReadonlyMap<string, ListedObject>,
  log: LoggerPort,
): Promise<Contribution> {
  const head = await storage.head(bucket, object.key);
  const storedBytes = head?.size ?? object.size;
  const decoded = decodeObject(head?.metadata ?? {});
  const fileName = baseName(object.key);
  if (!fileName.endsWith(DELTA_SUFFIX) || decoded.type !== 'delta') {
    const kind = decoded.type === 'plain' ? 'plain' : 'direct';
    // A direct object with a newer `.delta` of its name is not what reads return.
    const delta = siblings.get(fileName + DELTA_SUFFIX);
    const stale = delta !== undefined && formToRead(object, delta).read === delta;
    return {
      kind,
      name: stale ? undefined : fileName,
      originalBytes: stale ? 0 : storedBytes,
      storedBytes,
    };
  }
  const name = stripDeltaSuffix(fileName);
  // A name stored in both forms counts once, as the form reads use (two-forms.ts).
  const direct = siblings.get(name);
  const shadowed = direct !== undefined && formToRead(direct, object).read === direct;
  if (direct) {
    const [read, stale] = shadowed ? [direct.key, object.key] : [object.key, direct.key];
    log.warning(twoFormsWarning(bucket, name, read, stale));
  }
  if (decoded.size === undefined) {
    log.debug(`${object.key} has no dg-file-size; counting its stored size as its file size`);
  }
  return {
    kind: 'delta',
    name: shadowed ? undefined : name,
    originalBytes: shadowed ? 0 : (decoded.size ?? storedBytes),
    storedBytes,
  };
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function summarize(directory: Directory, parts: readonly Contribution[]): StorageTotals {
  const count = (kind: Contribution['kind']) => parts.filter((p) => p.kind === kind).length;
  const files = parts.filter((p) => p.name !== undefined);
  const referenceBytes = [directory.reference, ...directory.extraReferences].reduce(
    (total, r) => total + (r?.size ?? 0),
    0,
  );
  return withSavings({
    files: files.length,
    originalBytes: files.reduce((total, p) => total + p.originalBytes, 0),
    storedBytes: referenceBytes + parts.reduce((total, p) => total + p.storedBytes, 0),
    references: (directory.reference ? 1 : 0) + directory.extraReferences.length,
    deltas: count('delta'),
    direct: count('direct'),
    plain: count('plain'),
  });
}

function sum(all: readonly StorageTotals[]): StorageTotals {
  const add = (field: keyof StorageTotals) => all.reduce((total, t) => total + t[field], 0);
  return withSavings({
    files: add('files'),
    originalBytes: add('originalBytes'),
    storedBytes: add('storedBytes'),
    references: add('references'),
    deltas: add('deltas'),
    direct: add('direct'),
    plain: add('plain'),
  });
}

function withSavings(totals: Omit<StorageTotals, 'savedBytes' | 'savingsPercent'>): StorageTotals {
  const { savedBytes, savingsPercent } = totalsOf([
    { originalBytes: totals.originalBytes, storedBytes: totals.storedBytes },
  ]);
  return { ...totals, savedBytes, savingsPercent };
}
