import * as core from '@actions/core';
import { rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { SCRATCH_PREFIX } from '../app/create-app.js';

// The main step's scratch directory ($RUNNER_TEMP/deltaglider-<pid>-<random>) is removed
// when main ends, and on SIGINT/SIGTERM. A main step killed outright (SIGKILL, a runner
// that gave up waiting) cannot clean up: it records the directory as soon as it exists,
// and the post step removes it if it is still there.
const STATE_NAME = 'deltaglider-scratch';
const SCRATCH_NAME = new RegExp(`^${SCRATCH_PREFIX}\\d+-[0-9a-f]+$`);

/** In the main step: the scratch directory the post step removes if main leaves it. */
export function recordScratchDir(dir: string): void {
  core.saveState(STATE_NAME, dir);
}

/**
 * In the post step: removes the directory main recorded, only if it is one of ours (its
 * name, directly under RUNNER_TEMP when that is set). Resolves to what was removed.
 */
export async function removeLeftoverScratch(): Promise<string | undefined> {
  const dir = core.getState(STATE_NAME);
  if (!dir || !SCRATCH_NAME.test(basename(dir))) return undefined;
  const runnerTemp = process.env.RUNNER_TEMP;
  if (runnerTemp && resolve(dirname(dir)) !== resolve(runnerTemp)) return undefined;
  await rm(dir, { recursive: true, force: true });
  return dir;
}
