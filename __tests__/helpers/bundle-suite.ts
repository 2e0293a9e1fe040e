// One S3 server, bucket and simulated job for a whole e2e test file of the built action,
// set up and torn down by jest; `run` runs the main step with test-server inputs.
import { afterAll, beforeAll, expect } from '@jest/globals';
import { runAction, type ActionRun, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { bundleInputs, closeBundleJob, openBundleJob, type BundleJob } from './bundle-job.js';

export interface BundleSuite extends BundleJob {
  /** The main step with test-server inputs; `options` may replace the runner or add env. */
  run(extra: Record<string, string>, options?: RunOptions): Promise<ActionRun>;
  /** The test-server inputs plus `extra`, for runs that pass their own inputs. */
  inputs(extra: Record<string, string>): Record<string, string>;
}

interface RunOptions {
  runner?: SimulatedJob;
  env?: Record<string, string>;
}

/** Call at the top of a test file; the fields are set once `beforeAll` has run. */
export function useBundleSuite(): BundleSuite {
  const suite = {
    run: (extra: Record<string, string>, options: RunOptions = {}) =>
      runAction('main', suite.inputs(extra), { runner: suite.job, ...options }),
    inputs: (extra: Record<string, string>) => bundleInputs(suite.server, extra),
  } as BundleSuite;
  beforeAll(async () => {
    Object.assign(suite, await openBundleJob());
  }, 60_000);
  afterAll(() => closeBundleJob(suite));
  return suite;
}

/** Exit code 1, exactly one `::error::` line (returned), and no stack trace. */
export function expectOneError(result: ActionRun): string {
  expect(result.code).toBe(1);
  const errors = result.stdout.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  expect(result.stdout + result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  return errors[0]!;
}
