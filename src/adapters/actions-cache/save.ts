import { stat } from 'node:fs/promises';
import type { HasherPort, LoggerPort } from '../../ports.js';
import type { ReferenceCacheEntry } from './entry.js';
import type { CacheService } from './service.js';

export interface SaveDeps {
  service: CacheService;
  hasher: HasherPort;
  log: LoggerPort;
  notice: (message: string) => void;
}

export interface SaveReport {
  saved: number;
  skipped: number;
}

/**
 * The post step's work: saves each reference under its key. Best effort, one by one:
 * a reference that is gone or changed, a key another job saved first, or a cache
 * service that fails costs a message, never the job. Never throws.
 */
export async function saveReferences(
  entries: readonly ReferenceCacheEntry[],
  deps: SaveDeps,
): Promise<SaveReport> {
  const report: SaveReport = { saved: 0, skipped: 0 };
  if (entries.length === 0) return report;
  if (!deps.service.isFeatureAvailable()) {
    deps.notice(
      `The GitHub Actions cache service is not available to the post step; ${entries.length} ` +
        'reference(s) were not saved for later jobs',
    );
    return { saved: 0, skipped: entries.length };
  }
  for (const entry of entries) {
    if (await saveOne(entry, deps)) report.saved++;
    else report.skipped++;
  }
  if (report.saved > 0)
    deps.log.info(`Saved ${report.saved} reference(s) to the GitHub Actions cache`);
  return report;
}

async function saveOne(entry: ReferenceCacheEntry, deps: SaveDeps): Promise<boolean> {
  const { service, hasher, log, notice } = deps;
  const short = entry.sha256.slice(0, 12);
  try {
    const isFile = await stat(entry.path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isFile) {
      notice(
        `Reference ${short} is no longer at ${entry.path} (removed by a later step?); not saved to the GitHub Actions cache`,
      );
      return false;
    }
    // An entry is immutable once saved: never publish bytes that every later job would drop.
    const actual = await hasher.sha256File(entry.path);
    if (actual !== entry.sha256) {
      log.warning(
        `${entry.path} changed after the main step (sha256 ${actual}, expected ${entry.sha256}); ` +
          'not saved to the GitHub Actions cache. Do not modify files under the reference cache directory',
      );
      return false;
    }
    const id = await service.saveCache([entry.path], entry.key);
    if (id === -1) {
      log.debug(`reference ${short} was not saved (the cache library said why above)`);
      return false;
    }
    log.debug(`reference ${short} saved to the Actions cache as ${entry.key} (id ${id})`);
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && /ReserveCacheError|CacheWriteDeniedError/.test(error.name)) {
      log.info(`Reference ${short} not saved to the GitHub Actions cache: ${message}`);
    } else {
      log.warning(`Could not save reference ${short} to the GitHub Actions cache: ${message}`);
    }
    return false;
  }
}
