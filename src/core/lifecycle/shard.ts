import { InputError } from '../errors.js';
import type { DeltaSpace } from '../models.js';

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
