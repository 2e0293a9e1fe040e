// What every report says about files: plain records built once from the core's results,
// and their one JSON shape (kebab-case, the action's `results` output and the CLI's
// `--json`). The shells render these records; none builds its own.
import { directKey, formatSpace } from './delta-space.js';
import {
  totalsOf,
  type DeltaSpace,
  type FileResult,
  type LogicalFile,
  type NeededReference,
  type Totals,
} from './models.js';
import { formatS3Url } from './s3-url.js';
import type { StatsReport, StorageTotals } from './stats.js';
import type { VerifyResult, VerifyStatus } from './verifier.js';

/** One file of a report: uploaded, downloaded, listed or verified. */
export interface FileRecord {
  /** The DeltaSpace that holds it. */
  space: DeltaSpace;
  name: string;
  /** Bucket-relative key of the object that holds the file (the `.delta` key for deltas). */
  key: string;
  /**
   * `s3://` URL of the file by its name: what a download or `deltaglider cp` takes
   * (`url` in JSON). Not a download link: presigned URLs are another thing.
   */
  s3Url: string;
  kind: string;
  originalBytes: number;
  storedBytes: number;
  sha256?: string;
  /** An archive-aware delta (docs/archive-aware.md): the DeltaGlider CLI cannot read it. */
  archiveAware?: boolean;
  /** Why downloads refuse the object, or why verification failed. */
  problem?: string;
  /** The older form of a name stored twice (two-forms.ts). */
  staleKey?: string;
  /** verify only. */
  status?: VerifyStatus;
  /** upload with presign: the presigned HTTPS link (the `urls` output), not `s3Url`. */
  downloadUrl?: string;
  /** The reference the file needs: counted once in the totals (models.ts `totalsOf`). */
  reference?: NeededReference;
}

/** A file of a report as JSON: one entry of `results`. */
export interface FileJson {
  name: string;
  key: string;
  url: string;
  kind: string;
  status?: VerifyStatus;
  'original-bytes': number;
  'stored-bytes': number;
  sha256?: string;
  'archive-aware'?: true;
  problem?: string;
  'stale-key'?: string;
}

export interface TotalsJson {
  files: number;
  'original-bytes': number;
  'stored-bytes': number;
  'saved-bytes': number;
  'savings-percent': number;
}

/** verify's counts; `verified` is also the action's output name. */
export interface VerifyCounts {
  files: number;
  verified: number;
  failed: number;
  unchecked: number;
}

export function fileRecord(
  space: DeltaSpace,
  file: FileResult | LogicalFile | VerifyResult,
): FileRecord {
  const extra = file as Partial<LogicalFile & VerifyResult>;
  return {
    space,
    name: file.name,
    key: file.key,
    s3Url: formatS3Url(space.bucket, directKey(space, file.name)),
    kind: file.kind,
    originalBytes: file.originalBytes,
    storedBytes: file.storedBytes,
    // An empty sha256 says nothing: left out, as for plain objects.
    ...(file.sha256 ? { sha256: file.sha256 } : {}),
    ...(extra.archiveAware ? { archiveAware: true } : {}),
    ...(extra.problem ? { problem: extra.problem } : {}),
    ...(extra.staleKey ? { staleKey: extra.staleKey } : {}),
    ...(extra.status ? { status: extra.status } : {}),
    ...((file as FileResult).downloadUrl ? { downloadUrl: (file as FileResult).downloadUrl } : {}),
    ...((file as FileResult).reference ? { reference: (file as FileResult).reference } : {}),
  };
}

export function fileJson(r: FileRecord): FileJson {
  return {
    name: r.name,
    key: r.key,
    url: r.s3Url,
    kind: r.kind,
    ...(r.status ? { status: r.status } : {}),
    'original-bytes': r.originalBytes,
    'stored-bytes': r.storedBytes,
    ...(r.sha256 ? { sha256: r.sha256 } : {}),
    ...(r.archiveAware ? { 'archive-aware': true as const } : {}),
    ...(r.problem ? { problem: r.problem } : {}),
    ...(r.staleKey ? { 'stale-key': r.staleKey } : {}),
  };
}

export function totalsJson(t: Omit<Totals, 'referenceBytes'>): TotalsJson {
  return {
    files: t.files,
    'original-bytes': t.originalBytes,
    'stored-bytes': t.storedBytes,
    'saved-bytes': t.savedBytes,
    'savings-percent': t.savingsPercent,
  };
}

/** Totals of the records with their `results`: what upload, download and list report. */
export function filesJson(records: readonly FileRecord[]): TotalsJson & { results: FileJson[] } {
  return { ...totalsJson(totalsOf(records)), results: records.map(fileJson) };
}

export function verifyCounts(records: readonly FileRecord[]): VerifyCounts {
  const count = (status: VerifyStatus) => records.filter((r) => r.status === status).length;
  return {
    files: records.length,
    verified: count('ok'),
    failed: count('failed'),
    unchecked: count('unchecked'),
  };
}

/** The `s3://` URL of the one DeltaSpace that holds every record; undefined for several or none. */
export function sharedSpaceUrl(records: readonly FileRecord[]): string | undefined {
  const urls = new Set(records.map((r) => formatSpace(r.space)));
  return urls.size === 1 ? [...urls][0] : undefined;
}

function storageJson(t: StorageTotals): TotalsJson & Record<string, number> {
  return {
    ...totalsJson(t),
    references: t.references,
    deltas: t.deltas,
    direct: t.direct,
    plain: t.plain,
  };
}

/** stats' totals and object counts: the action's stats outputs. */
export function statsTotalsJson(report: StatsReport): Record<string, number> {
  return { ...storageJson(report), 'delta-spaces': report.deltaSpaces };
}

/** `s3://bucket/prefix` that stats walked. */
export function statsLocation(report: StatsReport): string {
  return formatS3Url(report.bucket, report.prefix);
}

/** stats as JSON: the totals, then one entry per DeltaSpace. */
export function statsJson(report: StatsReport): Record<string, unknown> {
  return {
    location: statsLocation(report),
    ...statsTotalsJson(report),
    spaces: report.spaces.map((space) => ({
      location: formatSpace({ bucket: report.bucket, prefix: space.prefix }),
      ...storageJson(space),
    })),
  };
}
