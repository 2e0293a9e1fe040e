import {
  DEFAULT_ACTIONS_CACHE_MAX_BYTES,
  describeCacheReport,
  handOffToPost,
  saveHandedOffReferences,
  type ActionsCacheReport,
  type SaveReport,
  type StateProvider,
} from '../adapters/actions-cache/index.js';
import type { LoggerPort } from '../ports.js';
import type { App } from './create-app.js';

// The GitHub Actions cache tier behind the local reference cache (AppOptions.actionsCache):
// what it did this step, and the hand-off of what to save from the main step to the post
// step through the runner's state (a StateProvider the action passes in).

export type { ActionsCacheReport, StateProvider };
export { DEFAULT_ACTIONS_CACHE_MAX_BYTES };

/** Hits and misses of the Actions cache tier (none without it). */
export function cacheReport(app: App): ActionsCacheReport {
  return app.actionsCache?.report ?? { hits: 0, misses: 0 };
}

/** The job summary line of an app with the Actions cache tier; undefined without one. */
export function cacheNote(app: App): string | undefined {
  return app.actionsCache && describeCacheReport(app.actionsCache.report);
}

/** End of the main step, also when it failed: tells the post step what to save. Never throws. */
export function handOffCache(
  app: App,
  state: StateProvider,
  log: Pick<LoggerPort, 'warning'>,
): void {
  if (app.actionsCache) handOffToPost(app.actionsCache, state, log);
}

/**
 * The post step: saves what the main step handed off, at most `maxBytes` of it, the
 * references obtained last first (adapters/actions-cache/cap.ts). Never throws.
 */
export function saveHandedOff(
  state: StateProvider,
  log: LoggerPort,
  maxBytes: number,
): Promise<SaveReport> {
  return saveHandedOffReferences(state, log, { maxBytes });
}
