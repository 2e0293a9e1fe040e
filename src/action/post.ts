import * as core from '@actions/core';
import { saveHandedOffReferences } from '../adapters/actions-cache/index.js';
import { describeError } from '../core/errors.js';
import { actionsLogger } from './logger.js';

/**
 * The post step. It runs after every job that used the action and saves to the GitHub
 * Actions cache the references the main step handed over through `core.saveState`.
 */
export async function runPost(): Promise<void> {
  try {
    await saveHandedOffReferences(actionsLogger);
  } catch (error) {
    // The post step never fails a job: the artifacts are already stored.
    core.warning(describeError(error));
  }
}
