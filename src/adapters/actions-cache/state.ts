import type { LoggerPort } from '../../ports.js';
import { keyFor, type ReferenceCacheEntry } from './entry.js';

// The hand-off from the main step to the post step (the StateProvider pattern of
// actions/cache): main records what to save, the runner gives it back to this action's
// post step. Each step that uses the action has its own state, so two steps never see
// each other's list. The runner's side (`core.saveState`/`getState`) lives in the action.
const STATE_NAME = 'deltaglider-references';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Named values the main step leaves for its post step. */
export interface StateProvider {
  save(name: string, value: string): void;
  /** '' when the main step saved nothing under `name`. */
  get(name: string): string;
}

/** In the main step: the references its post step should save. */
export function recordReferencesToSave(
  state: StateProvider,
  entries: readonly ReferenceCacheEntry[],
): void {
  state.save(STATE_NAME, JSON.stringify(entries));
}

/**
 * In the post step: what main recorded; empty when main recorded nothing (cache off,
 * or main failed before the end). A malformed record is ignored with a warning.
 */
export function readReferencesToSave(
  state: StateProvider,
  log: Pick<LoggerPort, 'warning'>,
): ReferenceCacheEntry[] {
  const raw = state.get(STATE_NAME);
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every(isEntry)) {
    log.warning(
      `Ignoring the state "${STATE_NAME}" the main step left (not a list of references); ` +
        'no reference is saved to the GitHub Actions cache by this step',
    );
    return [];
  }
  return parsed;
}

function isEntry(value: unknown): value is ReferenceCacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { sha256, key, path } = value as Record<string, unknown>;
  return (
    typeof sha256 === 'string' &&
    SHA256_HEX.test(sha256) &&
    key === keyFor(sha256) &&
    typeof path === 'string' &&
    path.length > 0
  );
}
