import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { createS3Storage } from '../../src/adapters/s3/s3-storage.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { startXdelta3Mirror, type ToolServer } from '../helpers/tool-server.js';

// The bundle on a runner without xdelta3: it downloads the archive named by xdelta3-url,
// verifies it against xdelta3-sha256, caches it in the tool cache and uses it.

const MB = 1024 * 1024;
let server: S3TestServer;
let tools: ToolServer;
let job: SimulatedJob;
let bucket: string;
let archiveSha: string;
/** A PATH with the tools tool-cache shells out to (tar, gzip) and no xdelta3. */
let barePath: string;

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  job = await newJob();
  ({ tools, archiveSha, barePath } = await startXdelta3Mirror(job.dir));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await tools?.close();
  if (job) await rm(job.dir, { recursive: true, force: true });
});

async function keysIn(name: string): Promise<string[]> {
  const storage = createS3Storage(s3TestOptions(server.endpoint));
  const keys: string[] = [];
  for await (const object of storage.list(name, '')) keys.push(object.key);
  return keys;
}

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    'endpoint-url': server.endpoint,
    'force-path-style': 'true',
    's3-url': `s3://${bucket}/tools-test/`,
    ...extra,
  };
}

it('fails before writing anything when PATH has no xdelta3 and none is configured', async () => {
  const file = join(job.dir, 'a.bin');
  await writeArtifact(file, 2 * MB, 3);
  const run = await runAction('main', inputs({ path: file }), {
    runner: job,
    env: { PATH: barePath },
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/::error::.*xdelta3-path.*xdelta3-url/s);
  expect(await keysIn(bucket)).toEqual([]);
});

it('downloads, verifies and caches xdelta3 from xdelta3-url, then uses it', async () => {
  const v1 = join(job.dir, 'app-1.bin');
  const v2 = join(job.dir, 'app-2.bin');
  await writeArtifact(v1, 2 * MB, 5);
  await writeNextVersion(v1, v2);
  const toolCache = join(job.dir, 'tool-cache');
  const env = { PATH: barePath, RUNNER_TOOL_CACHE: toolCache };
  const mirror = { 'xdelta3-url': tools.url('xdelta3.tar.gz'), 'xdelta3-sha256': archiveSha };

  const first = await runAction('main', inputs({ path: v1, ...mirror }), { runner: job, env });
  expect(first.stdout).not.toContain('::error::');
  expect(first.code).toBe(0);
  expect(first.outputs['xdelta3-path']).toContain(toolCache);
  expect(tools.requests.filter((p) => p === '/xdelta3.tar.gz')).toHaveLength(1);

  const second = await runAction('main', inputs({ path: v2, ...mirror }), { runner: job, env });
  expect(second.code).toBe(0);
  expect(JSON.parse(second.outputs.results!)[0].kind).toBe('delta');
  // Found in the tool cache: no second download.
  expect(tools.requests.filter((p) => p === '/xdelta3.tar.gz')).toHaveLength(1);
  expect(await readdir(toolCache)).not.toHaveLength(0);
}, 120_000);

it('fails with both hashes when the archive does not match xdelta3-sha256', async () => {
  const file = join(job.dir, 'b.bin');
  await writeArtifact(file, 2 * MB, 4);
  const wrong = '0'.repeat(64);
  const run = await runAction(
    'main',
    inputs({
      path: file,
      's3-url': `s3://${bucket}/checksum-test/`,
      'xdelta3-url': tools.url('xdelta3.tar.gz'),
      'xdelta3-sha256': wrong,
    }),
    { runner: job, env: { PATH: barePath, RUNNER_TOOL_CACHE: join(job.dir, 'tool-cache-2') } },
  );
  expect(run.code).toBe(1);
  const error = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '';
  expect(error).toContain(wrong);
  expect(error).toContain(archiveSha);
  expect(await keysIn(bucket)).not.toContainEqual(expect.stringContaining('checksum-test/'));
});
