// The one S3 server a test run shares (scripts/lib/local-s3.mjs, started by the Jest
// globalSetup): handles attach to it, make and delete their own buckets, and a suite that
// forces the other kind of server still gets one of its own.
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startSharedS3Server } from '../../scripts/lib/local-s3.mjs';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const quiet = { warn: () => {} };

/** A run's environment with no server published yet, on the embedded fauxqs (in-process). */
function freshEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, S3_TEST_SERVER: 'fauxqs' };
  delete env.S3_ENDPOINT;
  delete env.DG_TEST_S3_SHARED;
  return env;
}

async function bucketExists(endpoint: string, bucket: string): Promise<boolean> {
  const client = new S3Client({ ...s3TestOptions(endpoint), endpoint });
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

it('publishes one server that handles attach to, each deleting only its own buckets', async () => {
  const env = freshEnv();
  const stopShared = await startSharedS3Server({ env, ...quiet });
  const handles: S3TestServer[] = [];
  try {
    const published = JSON.parse(env.DG_TEST_S3_SHARED!);
    expect(published).toMatchObject({ kind: 'fauxqs', conditionalWrites: false });
    expect(published.maxBodyBytes).toBeGreaterThan(0); // a finite bound survives JSON

    const one = await startS3Server({ env, ...quiet });
    const two = await startS3Server({ env, ...quiet });
    handles.push(one, two);
    expect([one.endpoint, two.endpoint]).toEqual([published.endpoint, published.endpoint]);
    expect(one.capabilities).toEqual({ conditionalWrites: false, maxBodyBytes: 11 * 1024 ** 2 });
    const mine = await one.createBucket();
    const theirs = await two.createBucket();
    const client = new S3Client({ ...s3TestOptions(one.endpoint), endpoint: one.endpoint });
    await client.send(new PutObjectCommand({ Bucket: mine, Key: 'a/b.bin', Body: 'x' }));
    client.destroy();

    await handles.shift()!.stop(); // empties and deletes its bucket; the server keeps serving
    expect(await bucketExists(published.endpoint, mine)).toBe(false);
    expect(await bucketExists(published.endpoint, theirs)).toBe(true);
  } finally {
    // A failed expectation must not leave a listening server: Jest would never exit.
    for (const handle of handles) await handle.stop();
    await stopShared();
  }
  expect(env.DG_TEST_S3_SHARED).toBeUndefined();
});

it('attaches to a published moto, unless the suite forces fauxqs: that gets its own', async () => {
  // Published but never contacted: attaching and stopping without buckets send nothing.
  const published = { endpoint: 'http://127.0.0.1:9', kind: 'moto', conditionalWrites: true };
  const env: NodeJS.ProcessEnv = { ...freshEnv(), DG_TEST_S3_SHARED: JSON.stringify(published) };
  delete env.S3_TEST_SERVER;
  const attached = await startS3Server({ env, ...quiet });
  expect(attached).toMatchObject({ endpoint: published.endpoint, kind: 'moto', startupMs: 0 });
  expect(attached.capabilities.maxBodyBytes).toBe(Number.POSITIVE_INFINITY);
  await attached.stop();

  const own = await startS3Server({ env: { ...env, S3_TEST_SERVER: 'fauxqs' }, ...quiet });
  try {
    expect(own.kind).toBe('fauxqs');
    expect(own.endpoint).not.toBe(published.endpoint);
  } finally {
    await own.stop();
  }
});

it('starts nothing when S3_ENDPOINT names a server', async () => {
  const env: NodeJS.ProcessEnv = { ...freshEnv(), S3_ENDPOINT: 'http://127.0.0.1:9' };
  const stop = await startSharedS3Server({ env, ...quiet });
  expect(env.DG_TEST_S3_SHARED).toBeUndefined();
  await stop();
});
