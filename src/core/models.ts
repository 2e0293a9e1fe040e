// Plain data that crosses the core's boundary: what a shell asks for and what it gets.

/** A DeltaSpace: an S3 prefix that holds one reference and the deltas against it. */
export interface DeltaSpace {
  bucket: string;
  /** No leading or trailing slash; '' is the bucket root. */
  prefix: string;
}

/** How a logical file is stored. */
export type StoredKind = 'reference' | 'delta' | 'direct';

/** One file handled by an upload or a download: the `results` output, one entry each. */
export interface FileResult {
  /** Logical file name (basename). */
  name: string;
  /** Bucket-relative key of the object that holds the file (the `.delta` key for deltas). */
  key: string;
  kind: StoredKind;
  originalBytes: number;
  storedBytes: number;
  sha256: string;
  /** An archive-aware delta (docs/archive-aware.md): the DeltaGlider CLI cannot read it. */
  archiveAware?: boolean;
  /** A presigned HTTPS download link (upload with the action's presign input). */
  downloadUrl?: string;
  /** The reference a delta is rebuilt from (for `reference`: the one this file became). */
  reference?: NeededReference;
}

/**
 * A reference object that files of a run need: totals count its bytes once per run,
 * however many files need it (docs/format.md, "What totals count").
 */
export interface NeededReference {
  bucket: string;
  key: string;
  bytes: number;
}

/** A logical file as a user sees it in a listing of a DeltaSpace. */
export interface LogicalFile {
  name: string;
  key: string;
  kind: 'delta' | 'direct' | 'plain';
  originalBytes: number;
  storedBytes: number;
  /** Absent for plain S3 objects that no DeltaGlider wrote. */
  sha256?: string;
  /** Set when the name or metadata holds control characters: downloads refuse the object. */
  problem?: string;
  /** An archive-aware delta (docs/archive-aware.md): the DeltaGlider CLI cannot read it. */
  archiveAware?: boolean;
  /** The older form of a name stored both direct and as a delta; reads use `key` (two-forms.ts). */
  staleKey?: string;
  /** The reference a delta is rebuilt from, counted once in totals. */
  reference?: NeededReference;
}

export interface Totals {
  files: number;
  originalBytes: number;
  /** What the bucket holds for the files: their objects and the references they need. */
  storedBytes: number;
  /** The part of `storedBytes` that is references no file's own row counts. */
  referenceBytes: number;
  savedBytes: number;
  /** 0..100, one decimal. */
  savingsPercent: number;
}

/** What a total is made of: a file's sizes, its kind and the reference it needs. */
export interface Countable {
  originalBytes: number;
  storedBytes: number;
  kind?: string;
  reference?: NeededReference;
}

export function totalsOf(results: readonly Countable[]): Totals {
  const originalBytes = results.reduce((sum, r) => sum + r.originalBytes, 0);
  const referenceBytes = neededReferenceBytes(results);
  const storedBytes = results.reduce((sum, r) => sum + r.storedBytes, 0) + referenceBytes;
  const savedBytes = originalBytes - storedBytes;
  const savingsPercent =
    originalBytes === 0 ? 0 : Math.round((savedBytes / originalBytes) * 1000) / 10;
  return {
    files: results.length,
    originalBytes,
    storedBytes,
    referenceBytes,
    savedBytes,
    savingsPercent,
  };
}

/**
 * Bytes of the references the deltas need, each once. A `reference` file's own row
 * already counts the reference it became, so that one is not added again.
 */
function neededReferenceBytes(results: readonly Countable[]): number {
  const id = (ref: NeededReference) => `${ref.bucket}\n${ref.key}`;
  const owned = new Set(
    results.flatMap((r) => (r.kind === 'reference' && r.reference ? [id(r.reference)] : [])),
  );
  const needed = new Map<string, number>();
  for (const r of results) {
    if (r.reference && !owned.has(id(r.reference))) needed.set(id(r.reference), r.reference.bytes);
  }
  return [...needed.values()].reduce((sum, bytes) => sum + bytes, 0);
}
