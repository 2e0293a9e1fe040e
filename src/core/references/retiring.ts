import type { Metadata } from '../../ports.js';

// The retiring mark of a reference (docs/lifecycle.md, docs/format.md "Retiring
// references"): `dg-retiring: <ISO-8601 UTC time> <16 hex digits>` in the reference's own
// metadata, written by a prune that found no delta needing it. Uploaders already HEAD
// each reference they choose and check after writing, so reading the mark costs no
// request. The token tells one marking from another: a reference revived and marked
// again carries another.

export const RETIRING_FIELD = 'dg-retiring';

/** A reference's mark: when it was marked, and by which marking. */
export interface RetiringMark {
  since: Date;
  token: string;
}

/** What a reference's metadata says of retiring: not marked, marked, or a mark unreadable. */
export type RetiringState =
  { kind: 'active' } | { kind: 'retiring'; mark: RetiringMark } | { kind: 'unreadable' };

/** Longest value read: the field is untrusted bucket data. */
const MAX_VALUE = 64;
const VALUE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z) ([0-9a-f]{16})$/;

/**
 * The mark in `metadata`. An unreadable one (too long, malformed, a time that is no time)
 * still keeps uploaders away, as a mark does; a prune marks it again before any delete.
 */
export function retiringState(metadata: Metadata): RetiringState {
  const value = metadata[RETIRING_FIELD];
  if (value === undefined || value === '') return { kind: 'active' };
  const match = value.length <= MAX_VALUE ? VALUE.exec(value) : null;
  const since = match ? new Date(match[1]!) : undefined;
  if (!match || !since || Number.isNaN(since.getTime())) return { kind: 'unreadable' };
  return { kind: 'retiring', mark: { since, token: match[2]! } };
}

/** `metadata` with the mark `mark` (any earlier one replaced). */
export function withMark(metadata: Metadata, mark: RetiringMark): Metadata {
  return {
    ...withoutMark(metadata),
    [RETIRING_FIELD]: `${mark.since.toISOString()} ${mark.token}`,
  };
}

/** `metadata` without a mark: the reference is one uploaders may choose again. */
export function withoutMark(metadata: Metadata): Metadata {
  const rest = { ...metadata };
  delete rest[RETIRING_FIELD];
  return rest;
}
