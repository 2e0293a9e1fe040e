import * as core from '@actions/core';
import type { StateProvider } from '../app/runner-cache.js';

/**
 * The runner's hand-off from main to post: `core.saveState` in the main step comes back
 * to this action's post step as `STATE_<name>` (read by `core.getState`).
 */
export const actionsState: StateProvider = {
  save: (name, value) => core.saveState(name, value),
  get: (name) => core.getState(name),
};
