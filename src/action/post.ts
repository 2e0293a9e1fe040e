import * as core from '@actions/core';
import { saveHandedOff } from '../app/runner-cache.js';
import { describeError } from '../core/errors.js';
import { ACTION_HINTS } from './hints.js';
import { actionsCacheMaxBytes } from './inputs.js';
import { actionsLogger } from './logger.js';
import { removeLeftoverScratch } from './scratch.js';
import { actionsState } from './state.js';

/**
 * The post step. It runs after every job that used the action and saves to the GitHub
 * Actions cache the references the main step handed over through `core.saveState` (state.ts), and
 * removes the scratch directory of a main step that was killed before it could.
 */
export async function runPost(): Promise<void> {
  try {
    const removed = await removeLeftoverScratch();
    if (removed) core.debug(`Removed the scratch directory ${removed}`);
  } catch (error) {
    core.warning(`Could not remove the scratch directory: ${describeError(error)}`);
  }
  try {
    await saveHandedOff(actionsState, actionsLogger, actionsCacheMaxBytes());
  } catch (error) {
    // The post step never fails a job: the artifacts are already stored.
    core.warning(describeError(error, ACTION_HINTS));
  }
}
