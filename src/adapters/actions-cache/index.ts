// The GitHub Actions cache as a tier behind the local reference cache. The main step
// wraps the local cache (`createActionsReferenceCache`) and, at its end, hands the list
// of references to save to its post step (`handOffToPost`); the post step saves them
// (`saveHandedOffReferences`).
import * as core from '@actions/core';
import type { FsReferenceCache } from '../fs-reference-cache.js';
import { Sha256Hasher } from '../sha256-hasher.js';
import type { HasherPort, LoggerPort } from '../../ports.js';
import { ActionsReferenceCache } from './actions-reference-cache.js';
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

/** At the end of the main step: tells this step's post step which references to save. */
export function handOffToPost(cache: ActionsReferenceCache): void {
  recordReferencesToSave(cache.toSave());
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
