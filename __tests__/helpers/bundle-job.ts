// What the e2e tests of the built action share: the bundle must exist, a local S3 with
// one bucket, an SDK client to seed or inspect it, and a simulated runner job.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { newJob, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { s3TestOptions, startS3Server, type S3TestServer } from './s3-server.js';

const bundle = new URL('../../dist/main/index.js', import.meta.url);

export interface BundleJob {
  server: S3TestServer;
  bucket: string;
  raw: S3Client;
  job: SimulatedJob;
}

/** Starts the S3 server, makes a bucket and a job; fails early without a built bundle. */
export async function openBundleJob(): Promise<BundleJob> {
  if (!existsSync(bundle))
    throw new Error('dist/main/index.js is missing: run `npm run build` first');
  const server = await startS3Server();
  const bucket = await server.createBucket();
  const raw = createS3Client(s3TestOptions(server.endpoint));
  return { server, bucket, raw, job: await newJob() };
}

/** Undoes `openBundleJob` (any part of it that got made). */
export async function closeBundleJob(opened: Partial<BundleJob>): Promise<void> {
  opened.raw?.destroy();
  await opened.server?.stop();
  if (opened.job) await rm(opened.job.dir, { recursive: true, force: true });
}

/** Inputs that point the action at the test server, with no summary, comment or cache. */
export function bundleInputs(
  server: S3TestServer,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    'endpoint-url': server.endpoint,
    region: 'us-east-1',
    summary: 'false',
    comment: 'never',
    cache: 'false',
    ...extra,
  };
}
