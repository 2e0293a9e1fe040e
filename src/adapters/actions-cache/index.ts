// The GitHub Actions cache as a tier behind the local reference cache. The main step
// wraps the local cache (`createActionsReferenceCache`) and, at its end, hands the list
// of references to save to its post step (`handOffToPost`); the post step saves them
// (`saveHandedOffReferences`). The runner's state and annotations come from the action:
// a StateProvider and the logger (whose `notice` raises a notice).
import type { FsReferenceCache } from '../fs-reference-cache.js';
import { formatBytes } from '../../core/format.js';
import { Sha256Hasher } from '../sha256-hasher.js';
import type { HasherPort, LoggerPort } from '../../ports.js';
import { ActionsReferenceCache, type ActionsCacheReport } from './actions-reference-cache.js';
import { DEFAULT_ACTIONS_CACHE_MAX_BYTES, withinCap } from './cap.js';
import { saveReferences, type SaveReport } from './save.js';
import { actionsCacheService, type CacheService } from './service.js';
import { readReferencesToSave, recordReferencesToSave, type StateProvider } from './state.js';

export { ActionsReferenceCache, type ActionsCacheReport } from './actions-reference-cache.js';
export { keyFor, type ReferenceCacheEntry } from './entry.js';
export type { CacheService } from './service.js';
export type { SaveReport } from './save.js';
export { DEFAULT_ACTIONS_CACHE_MAX_BYTES } from './cap.js';
export type { StateProvider } from './state.js';

export interface ActionsCacheOptions {
  /** Default: the real `@actions/cache`. */
  service?: CacheService;
  /** Default: the logger's `notice` (its `warning` where it has none). */
  notice?: (message: string) => void;
}

function noticeOf(log: LoggerPort, options: ActionsCacheOptions): (message: string) => void {
  return options.notice ?? ((message) => (log.notice ?? log.warning).call(log, message));
}

export function createActionsReferenceCache(
  local: FsReferenceCache,
  log: LoggerPort,
  options: ActionsCacheOptions = {},
): ActionsReferenceCache {
  return new ActionsReferenceCache(local, {
    service: options.service ?? actionsCacheService,
    log,
    notice: noticeOf(log, options),
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
export function handOffToPost(
  cache: ActionsReferenceCache,
  state: StateProvider,
  log: Pick<LoggerPort, 'warning'>,
): void {
  try {
    recordReferencesToSave(state, cache.toSave());
  } catch (error) {
    log.warning(
      `Could not hand the references to save over to the post step (${error instanceof Error ? error.message : String(error)}); ` +
        'they will not be saved to the GitHub Actions cache',
    );
  }
}

/** The post step: saves what the main step handed off. Never throws. */
export async function saveHandedOffReferences(
  state: StateProvider,
  log: LoggerPort,
  options: ActionsCacheOptions & {
    hasher?: HasherPort;
    /** What this step may add to the Actions cache (cap.ts); 0 saves nothing. */
    maxBytes?: number;
  } = {},
): Promise<SaveReport> {
  const entries = readReferencesToSave(state, log);
  if (entries.length === 0) {
    log.debug('no reference to save to the GitHub Actions cache');
    return { saved: 0, skipped: 0 };
  }
  const maxBytes = options.maxBytes ?? DEFAULT_ACTIONS_CACHE_MAX_BYTES;
  const { save, over } = await withinCap(entries, maxBytes);
  if (maxBytes === 0) {
    log.debug(`cache-max-size is 0: ${entries.length} reference(s) not saved to the Actions cache`);
  } else if (over.count > 0) {
    log.info(
      `${over.count} reference(s) (${formatBytes(over.bytes)}) not saved to the GitHub Actions ` +
        `cache: over cache-max-size (${formatBytes(maxBytes)}); the newest were saved first`,
    );
  }
  const report = await saveReferences(save, {
    service: options.service ?? actionsCacheService,
    hasher: options.hasher ?? new Sha256Hasher(),
    log,
    notice: noticeOf(log, options),
  });
  return { saved: report.saved, skipped: report.skipped + over.count };
}
