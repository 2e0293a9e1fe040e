import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CleanupTracker } from '../cleanup.js';
import { extractTar, type ExtractReport } from './extract.js';
import { readTarIndex } from './reader.js';
import { writeTar, type PackEntry, type PackSummary } from './writer.js';

// The life of a packed tar in a scratch directory, shared by the action and the CLI:
// written, handed to the store step, removed; or fetched, checked, unpacked, removed.

function scratchTar(dir: string): string {
  return join(dir, `pack-${randomBytes(4).toString('hex')}.tar`);
}

/** Packs `entries` into a scratch tar and runs `store(tarPath, summary)` on it. */
export async function withPackedTar<T>(
  scratchDir: string,
  entries: readonly PackEntry[],
  store: (tarPath: string, packed: PackSummary) => Promise<T>,
): Promise<T> {
  const tarPath = scratchTar(scratchDir);
  try {
    return await store(tarPath, await writeTar(entries, tarPath));
  } finally {
    await rm(tarPath, { force: true });
  }
}

/**
 * Runs `fetch(tarPath)` (the verified download), then unpacks the tar into `destDir`;
 * `label` names it in errors (its s3:// URL).
 */
export async function withUnpackedTar<T>(
  scratchDir: string,
  label: string,
  destDir: string,
  options: { overwrite: boolean; cleanup?: CleanupTracker },
  fetch: (tarPath: string) => Promise<T>,
): Promise<{ fetched: T; report: ExtractReport }> {
  const tarPath = scratchTar(scratchDir);
  try {
    const fetched = await fetch(tarPath);
    const entries = await readTarIndex(tarPath, label);
    return { fetched, report: await extractTar(tarPath, entries, destDir, options) };
  } finally {
    await rm(tarPath, { force: true });
  }
}
