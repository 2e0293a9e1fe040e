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
}

export interface Totals {
  files: number;
  originalBytes: number;
  storedBytes: number;
  savedBytes: number;
  /** 0..100, one decimal. */
  savingsPercent: number;
}

export function totalsOf(
  results: readonly { originalBytes: number; storedBytes: number }[],
): Totals {
  const originalBytes = results.reduce((sum, r) => sum + r.originalBytes, 0);
  const storedBytes = results.reduce((sum, r) => sum + r.storedBytes, 0);
  const savedBytes = originalBytes - storedBytes;
  const savingsPercent =
    originalBytes === 0 ? 0 : Math.round((savedBytes / originalBytes) * 1000) / 10;
  return { files: results.length, originalBytes, storedBytes, savedBytes, savingsPercent };
}
