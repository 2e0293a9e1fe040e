import type {
  ClockPort,
  DifferPort,
  HasherPort,
  LocalFilesPort,
  LoggerPort,
  ProgressPort,
  StoragePort,
} from '../../ports.js';
import type { ArchiveViews } from '../archive-views.js';
import type { ReferenceStore } from '../reference-store.js';
import type { ContentSketcher } from '../references/sketch.js';
import type { ReferencePolicy } from '../references/choose.js';

// What the upload modules are built from: the ports and settings of one Uploader, shared
// by the modules it orchestrates (each takes the part it uses).

export interface UploadOptions {
  /** A delta larger than this fraction of its file is dropped for a direct upload. */
  maxRatio: number;
  /** Files below this size go direct. */
  minDeltaBytes?: number;
  /** Delta compressed containers through their uncompressed content (docs/archive-aware.md). */
  archiveAware?: boolean;
  /** How references are chosen and created (default: one per space, DeltaGlider's way). */
  references?: ReferencePolicy;
}

export interface UploaderDeps {
  storage: StoragePort;
  differ: DifferPort;
  hasher: HasherPort;
  files: LocalFilesPort;
  clock: ClockPort;
  log: LoggerPort;
  /** Cache-first: `adopt` keeps a new reference so deltas against it need no GET. */
  references: Pick<ReferenceStore, 'localCopy' | 'adopt'>;
  /** Present when archive-aware deltas can be written. */
  archives?: ArchiveViews;
  progress?: ProgressPort;
  /** Content sketches for smart references; without it they choose by name only. */
  sketcher?: ContentSketcher;
}
