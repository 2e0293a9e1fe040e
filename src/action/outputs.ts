import * as core from '@actions/core';
import { totalsOf, type FileResult } from '../core/models.js';

/** The step outputs for the files this step handled (names fixed by action.yml). */
export function setResultOutputs(results: readonly FileResult[]): void {
  const totals = totalsOf(results);
  core.setOutput('files', totals.files);
  core.setOutput('original-bytes', totals.originalBytes);
  core.setOutput('stored-bytes', totals.storedBytes);
  core.setOutput('saved-bytes', totals.savedBytes);
  core.setOutput('savings-percent', totals.savingsPercent);
  core.setOutput(
    'results',
    JSON.stringify(
      results.map((r) => ({
        name: r.name,
        key: r.key,
        kind: r.kind,
        'original-bytes': r.originalBytes,
        'stored-bytes': r.storedBytes,
        sha256: r.sha256,
        ...(r.archiveAware ? { 'archive-aware': true } : {}),
      })),
    ),
  );
}
