// The GitHub Actions cache as a tier behind the local reference cache. The main step
// wraps the local cache (`createActionsReferenceCache`) and, at its end, hands the list
// of references to save to its post step (`handOffToPost`); the post step saves them
// (`saveHandedOffReferences`).
import * as core from '@actions/core';
import type { FsReferenceCache } from '../fs-reference-cache.js';
import { Sha256Hasher } from '../sha256-hasher.js';
import type { HasherPort, LoggerPort } from '../../ports.js';
import { ActionsReferenceCache, type ActionsCacheReport } from './actions-reference-cache.js';
import { saveReferences, type SaveReport } from './save.js';
import { actionsCacheService, type CacheService } from './service.js';
import { readReferencesToSave, recordReferencesToSave } from './state.js';

export { ActionsReferenceCache, type ActionsCacheReport } from './actions-reference-cache.js';
export { keyFor, type ReferenceCacheEntry } from './entry.js';
export type { CacheService } from './service.js';
export type { SaveReport } from './save.js';

export interface ActionsCacheOptions {
  /** Default: the real `@actions/cache`. */
  service?: CacheService;
  /** Default: `core.notice`. */
  notice?: (message: string) => void;
}

export function createActionsReferenceCache(
  local: FsReferenceCache,
  log: LoggerPort,
  options: ActionsCacheOptions = {},
): ActionsReferenceCache {
  return new ActionsReferenceCache(local, {
    service: options.service ?? actionsCacheService,
    log,
    notice: options.notice ?? ((message) => core.notice(message)),
  });
}

/** The job summary line: what the Actions cache saved this step. */
export function describeCacheReport(report: ActionsCacheReport): string {
  const plural = (n: number) => (n === 1 ? 'reference' : 'references');
  return (
    `GitHub Actions cache: ${report.hits} ${plural(report.hits)} restored instead of downloaded ` +
    `from S3, ${report.misses} not found.`
  );
}

/**
 * At the end of the main step (also when it failed: what it downloaded is still worth
 * saving): tells this step's post step which references to save. Never throws.
 */
export function handOffToPost(cache: ActionsReferenceCache): void {
  try {
    recordReferencesToSave(cache.toSave());
  } catch (error) {
    core.warning(
      `Could not hand the references to save over to the post step (${error instanceof Error ? error.message : String(error)}); ` +
        'they will not be saved to the GitHub Actions cache',
    );
  }
}

/** The post step: saves what the main step handed off. Never throws. */
export async function saveHandedOffReferences(
  log: LoggerPort,
  options: ActionsCacheOptions & { hasher?: HasherPort } = {},
): Promise<SaveReport> {
  const entries = readReferencesToSave();
  if (entries.length === 0) {
    log.debug('no reference to save to the GitHub Actions cache');
    return { saved: 0, skipped: 0 };
  }
  return saveReferences(entries, {
    service: options.service ?? actionsCacheService,
    hasher: options.hasher ?? new Sha256Hasher(),
    log,
    notice: options.notice ?? ((message) => core.notice(message)),
  });
}
