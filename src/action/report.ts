import type { FileResult } from '../core/models.js';
import type { FileRecord } from '../core/report.js';

// What every action command hands to main.ts to render (outputs, job summary, PR
// comment): the types the commands and the renderers share, in a module of their own.

export interface CommandReport {
  title: string;
  /** The DeltaSpace the step worked on or, for stats, the prefix it walked. */
  location: { label: 'DeltaSpace' | 'Location'; url: string };
  /** Step outputs by their action.yml names. */
  outputs: Record<string, string | number>;
  /** `total`: a closing row, shown even when the summary cuts `rows` (summary.ts). */
  table: { headers: string[]; rows: (string | HtmlCell)[][]; total?: (string | HtmlCell)[] };
  /** Lines under the table. */
  notes: string[];
  /** upload: the files the PR comment shows. */
  comment?: readonly FileRecord[];
  /** Raised once the report is out: verify's files that did not rebuild. */
  failure?: Error;
}

/** A cell that is already safe HTML (built from escaped parts), written as it is. */
export interface HtmlCell {
  html: string;
}

/** What upload and download did, before it becomes a report. */
export interface CommandOutcome {
  results: readonly FileResult[];
  /** The `s3://bucket/prefix/` the step worked on. */
  location: string;
  /** download of exactly one file: where it was written; of a pack: the folder it was unpacked into. */
  downloadPath?: string;
}
