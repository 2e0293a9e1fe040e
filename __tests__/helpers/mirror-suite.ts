// One S3 server, bucket, simulated job and xdelta3 mirror for a whole e2e file about
// provisioning xdelta3, set up and torn down by jest.
import { afterAll, beforeAll } from '@jest/globals';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { newJob, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from './s3-server.js';
import { startXdelta3Mirror, type Xdelta3Mirror } from './tool-server.js';

export interface MirrorSuite extends Xdelta3Mirror {
  server: S3TestServer;
  bucket: string;
  job: SimulatedJob;
}

/** Call at the top of a test file; the fields are set once `beforeAll` has run. */
export function useXdelta3MirrorSuite(): MirrorSuite {
  const suite = {} as MirrorSuite;
  beforeAll(async () => {
    if (!existsSync(new URL('../../dist/main/index.js', import.meta.url)))
      throw new Error('dist/main/index.js is missing: run `npm run build` first');
    suite.server = await startS3Server();
    suite.bucket = await suite.server.createBucket();
    suite.job = await newJob();
    Object.assign(suite, await startXdelta3Mirror(suite.job.dir));
  }, 60_000);
  afterAll(async () => {
    await suite.server?.stop();
    await suite.tools?.close();
    if (suite.job) await rm(suite.job.dir, { recursive: true, force: true });
  });
  return suite;
}
