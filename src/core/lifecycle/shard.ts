import type { StoragePort } from '../../ports.js';
import { formatSpace, listingPrefix } from '../delta-space.js';
import { InputError, NotFoundError } from '../errors.js';
import type { DeltaSpace } from '../models.js';
import { walkTree, type Directory } from '../tree.js';

// `--shard I/N`: N jobs (a workflow matrix) split the work by DeltaSpace, never inside
// one, with no overlap and no coordination: each space belongs to the shard its name
// hashes to, the same on every machine and every run.

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

const MAX_SHARDS = 1000;

export function parseShard(raw: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new InputError(
      `--shard must be I/N with 1 <= I <= N <= ${MAX_SHARDS}, got "${raw}"`,
      'In a matrix of N jobs, job I (counting from 1) takes --shard I/N',
    );
  }
  return { index, count };
}

export function inShard(space: DeltaSpace, shard: Shard): boolean {
  return fnv1a(`${space.bucket}/${space.prefix}`) % shard.count === shard.index - 1;
}

/** FNV-1a, 32 bits: stable across runs and platforms, spread enough for sharding. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The DeltaSpaces a command works on: each root itself or, with `recursive`, every
 * directory at or below it that holds objects (walkTree: one listing per root); then only
 * those of `shard`. A root with nothing at all under it is an error, so a mistyped prefix
 * never reads as "nothing to do"; an empty shard is not (another shard has the work).
 */
export async function selectSpaces(
  storage: StoragePort,
  roots: readonly DeltaSpace[],
  options: { recursive: boolean; shard?: Shard },
): Promise<{ space: DeltaSpace; directory: Directory }[]> {
  const selected: { space: DeltaSpace; directory: Directory }[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const base = listingPrefix(root);
    const directories = (await walkTree(storage, root.bucket, base)).filter(
      (d) =>
        (options.recursive || d.prefix === root.prefix) &&
        (d.objects.length > 0 || d.reference !== undefined || d.extraReferences.length > 0),
    );
    if (directories.length === 0) {
      throw new NotFoundError(
        `${formatSpace(root)} holds no objects`,
        'Check the bucket and prefix; "deltaglider ls" shows what is there',
        { fields: { bucket: root.bucket, key: root.prefix } },
      );
    }
    for (const directory of directories) {
      const space = { bucket: root.bucket, prefix: directory.prefix };
      const id = `${space.bucket}/${space.prefix}`;
      if (seen.has(id) || (options.shard && !inShard(space, options.shard))) continue;
      seen.add(id);
      selected.push({ space, directory });
    }
  }
  return selected;
}

/** What a shell says when a shard has no DeltaSpace of `roots` (not an error). */
export function emptyShardNote(shard: Shard, roots: readonly DeltaSpace[]): string {
  return `shard ${shard.index}/${shard.count} holds no DeltaSpace of ${roots.map(formatSpace).join(', ')}`;
}
