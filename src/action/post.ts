import * as core from '@actions/core';
import { describeError } from '../core/errors.js';

/**
 * The post step. It runs after every job that used the action; work it does is handed
 * over from the main step through `core.saveState` (see state.ts once present).
 */
export async function runPost(): Promise<void> {
  try {
    core.debug('deltaglider post step: nothing to do');
  } catch (error) {
    // The post step never fails a job: the artifacts are already stored.
    core.warning(describeError(error));
  }
}
