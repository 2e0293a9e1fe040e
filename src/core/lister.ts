import type { ListedObject, StoragePort } from '../ports.js';
import {
  DELTA_SUFFIX,
  listingPrefix,
  nameProblem as nameProblemOf,
  REFERENCE_NAME,
  referenceKey,
  referenceKeyFor,
  stripDeltaSuffix,
} from './delta-space.js';
import { decodeObject } from './metadata.js';
import { reservedSegment } from './reserved.js';
import type { DeltaSpace, LogicalFile, NeededReference } from './models.js';
import { formToRead } from './two-forms.js';
import { mapLimit } from './util/map-limit.js';

/** HEAD requests in flight while listing: metadata holds the original sizes. */
const HEAD_CONCURRENCY = 8;

/**
 * The logical files of a DeltaSpace as a user sees them: the reference hidden, `.delta`
 * stripped, original sizes from metadata. Only the space's own level is listed: a
 * deeper prefix is another DeltaSpace.
 */
export async function listSpace(storage: StoragePort, space: DeltaSpace): Promise<LogicalFile[]> {
  const listed: ListedObject[] = [];
  for await (const object of storage.list(space.bucket, listingPrefix(space))) listed.push(object);
  return describeSpace(storage, space, listed);
}

/**
 * `listSpace` over objects already listed (a tree walk's directory): a walk of many
 * DeltaSpaces lists the tree once, not once more per space. Objects of other levels are
 * ignored.
 */
export async function describeSpace(
  storage: StoragePort,
  space: DeltaSpace,
  listed: Iterable<ListedObject>,
): Promise<LogicalFile[]> {
  const prefix = listingPrefix(space);
  const direct = new Map<string, ListedObject>();
  const deltas = new Map<string, ListedObject>();
  for (const object of listed) {
    if (!object.key.startsWith(prefix)) continue;
    const rest = object.key.slice(prefix.length);
    if (rest === '' || rest.includes('/') || rest === REFERENCE_NAME) continue;
    // An object named `.deltaglider` or `.dg-refs` is the format's, not a file.
    if (reservedSegment(rest) !== undefined) continue;
    if (rest.endsWith(DELTA_SUFFIX)) deltas.set(stripDeltaSuffix(rest), object);
    else direct.set(rest, object);
  }
  // A name stored in both forms lists as the one a download reads (two-forms.ts).
  const entries: [string, ListedObject, string | undefined][] = [...direct].map(
    ([name, object]) => {
      const delta = deltas.get(name);
      if (!delta) return [name, object, undefined];
      const { read, stale } = formToRead(object, delta);
      return [name, read, stale.key];
    },
  );
  for (const [name, object] of deltas)
    if (!direct.has(name)) entries.push([name, object, undefined]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const references = referenceSizes(storage, space, listed);
  return mapLimit(entries, HEAD_CONCURRENCY, async ([name, object, staleKey]) => {
    const file = await describeObject(storage, space, name, object, references);
    return staleKey ? { ...file, staleKey } : file;
  });
}

/** Bytes of a reference by key: from the listing when it is there, else one HEAD per key. */
type ReferenceSizes = (key: string) => Promise<number | undefined>;

function referenceSizes(
  storage: StoragePort,
  space: DeltaSpace,
  listed: Iterable<ListedObject>,
): ReferenceSizes {
  const known = new Map<string, Promise<number | undefined>>();
  for (const object of listed) {
    if (object.key.endsWith(REFERENCE_NAME)) known.set(object.key, Promise.resolve(object.size));
  }
  return (key) => {
    let size = known.get(key);
    if (!size) {
      // A reference that cannot be read counts nothing here: the listing still shows.
      size = storage.head(space.bucket, key).then(
        (head) => head?.size,
        () => undefined,
      );
      known.set(key, size);
    }
    return size;
  };
}

/** One listed object as a logical file: its metadata holds the original size. */
async function describeObject(
  storage: StoragePort,
  space: DeltaSpace,
  name: string,
  object: ListedObject,
  referenceBytes: ReferenceSizes,
): Promise<LogicalFile> {
  const head = await storage.head(space.bucket, object.key);
  const decoded = decodeObject(head?.metadata ?? {});
  const storedBytes = head?.size ?? object.size;
  // What downloads refuse (a control character, `..`), said where the name is listed.
  const refused = nameProblemOf(name);
  const nameProblem = refused ? `the name ${refused}` : undefined;
  if (decoded.type === 'plain') {
    return {
      name,
      key: object.key,
      kind: 'plain',
      originalBytes: storedBytes,
      storedBytes,
      ...(nameProblem ? { problem: nameProblem } : {}),
    };
  }
  // A flagged value is not what it claims to be (a sha256 with a line break): not shown.
  const problem =
    nameProblem ??
    (decoded.unsafe ? `its ${decoded.unsafe} metadata contains control characters` : undefined);
  return {
    name,
    key: object.key,
    kind: decoded.type,
    originalBytes: decoded.size ?? storedBytes,
    storedBytes,
    ...(decoded.unsafe ? {} : { sha256: decoded.sha256 }),
    ...(problem ? { problem } : {}),
    ...(decoded.type === 'delta' && decoded.archive ? { archiveAware: true } : {}),
    ...(decoded.type === 'delta'
      ? await neededReference(space, decoded.refKey, referenceBytes)
      : {}),
  };
}

/** The reference a listed delta needs, for the totals (a missing one counts nothing). */
async function neededReference(
  space: DeltaSpace,
  refKey: string | undefined,
  referenceBytes: ReferenceSizes,
): Promise<{ reference?: NeededReference }> {
  const key = referenceKeyFor(refKey ?? referenceKey(space));
  const bytes = await referenceBytes(key);
  return bytes === undefined ? {} : { reference: { bucket: space.bucket, key, bytes } };
}
