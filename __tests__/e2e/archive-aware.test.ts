import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { tarCzfRelease } from '../helpers/archive-fixtures.js';

// Archive-aware deltas through the built bundle: two `tar czf` releases upload as a
// reference and a small delta, and a fresh job restores them byte-exact.

let server: S3TestServer;
let bucket: string;
let job: SimulatedJob;

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  job = await newJob();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (job) await rm(job.dir, { recursive: true, force: true });
});

async function release(version: number): Promise<string> {
  const out = join(job.workspace, `app-${version}.0.tgz`);
  await tarCzfRelease(job.dir, out, version);
  return out;
}

it('stores the next .tgz release as a small archive-aware delta and restores it', async () => {
  const s3 = { 'endpoint-url': server.endpoint, 's3-url': `s3://${bucket}/app/` };
  const v1 = await release(1);
  const v2 = await release(2);
  const first = await runAction('main', { ...s3, path: v1 }, { runner: job });
  expect(first.code).toBe(0);
  const second = await runAction('main', { ...s3, path: v2 }, { runner: job });
  expect(second.code).toBe(0);
  const [delta] = JSON.parse(second.outputs.results!);
  expect(delta.kind).toBe('delta');
  // Marked wherever users see it: the reference CLI cannot read such a delta.
  expect(delta['archive-aware']).toBe(true);
  expect(second.summary).toContain('delta (archive-aware)');
  expect(delta['stored-bytes']).toBeLessThan(delta['original-bytes'] / 50);
  expect(second.stdout).toContain('gzip content reproduced exactly');

  const restore = await newJob();
  try {
    const out = join(restore.workspace, 'out');
    const down = await runAction(
      'main',
      { ...s3, command: 'download', path: out },
      { runner: restore },
    );
    expect(down.code).toBe(0);
    expect(await sha256File(join(out, 'app-1.0.tgz'))).toBe(await sha256File(v1));
    expect(await sha256File(join(out, 'app-2.0.tgz'))).toBe(await sha256File(v2));
  } finally {
    await rm(restore.dir, { recursive: true, force: true });
  }
}, 120_000);
