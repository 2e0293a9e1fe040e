import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startCacheServer, type CacheTestServer } from '../helpers/cache-server.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

// The built bundles (dist/main, dist/post) in simulated jobs that share the Actions cache
// service (a loopback server speaking its legacy protocol) and an S3 server seen through
// a proxy that counts GETs of reference.bin: what the cache is meant to spare.
//
// Hosted runners give every job a fresh machine with the same workspace and RUNNER_TEMP
// paths, and the cache only matches a restore to a save made with the same path string;
// so jobs 1-3 run on "the same paths, wiped", and job 4 elsewhere without a cache service.

const MB = 1024 * 1024;
const mainBundle = new URL('../../dist/main/index.js', import.meta.url);
const postBundle = new URL('../../dist/post/index.js', import.meta.url);

interface CountingProxy {
  endpoint: string;
  requests: { method: string; path: string }[];
  stop(): Promise<void>;
}

/** Forwards everything to `target` unchanged (moto does not check signatures) and records it. */
async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const requests: CountingProxy['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0]! });
    const forward = http.request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => res.destroy(error));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let s3: S3TestServer;
let proxy: CountingProxy;
let cacheServer: CacheTestServer;
let bucket: string;
let base: string;

beforeAll(async () => {
  for (const bundle of [mainBundle, postBundle]) {
    if (!existsSync(bundle))
      throw new Error(`${bundle.pathname} is missing: run \`npm run build\` first`);
  }
  s3 = await startS3Server();
  bucket = await s3.createBucket();
  proxy = await startCountingProxy(s3.endpoint);
  cacheServer = await startCacheServer();
  base = await mkdtemp(join(tmpdir(), 'dg-e2e-cache-'));
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await cacheServer?.stop();
  await s3?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

/** A job on a fresh hosted machine: the same workspace and RUNNER_TEMP paths, empty. */
async function hostedJob(name: string): Promise<SimulatedJob> {
  const machine = join(base, 'machine');
  await rm(machine, { recursive: true, force: true });
  const job = {
    dir: join(base, name),
    workspace: join(machine, 'work', 'repo', 'repo'),
    temp: join(machine, 'work', '_temp'),
    stateFile: join(base, name, 'state'),
  };
  for (const dir of [job.dir, job.workspace, job.temp]) await mkdir(dir, { recursive: true });
  await writeFile(job.stateFile, '');
  return job;
}

const space = () => `s3://${bucket}/releases/app/`;
const inputs = (extra: Record<string, string>) => ({
  'endpoint-url': proxy.endpoint,
  'force-path-style': 'true',
  region: 'us-east-1',
  ...extra,
});
// The runner's cache variables; empty strings so a developer's own environment cannot leak in.
const withCache = () => ({
  ...cacheServer.env(),
  ACTIONS_CACHE_SERVICE_V2: '',
  ACTIONS_RESULTS_URL: '',
  GITHUB_SERVER_URL: '',
});
const withoutCache = {
  ACTIONS_CACHE_URL: '',
  ACTIONS_CACHE_SERVICE_V2: '',
  ACTIONS_RESULTS_URL: '',
  GITHUB_SERVER_URL: '',
};
const referenceGets = () =>
  proxy.requests.filter(
    (r) => r.method === 'GET' && r.path === `/${bucket}/releases/app/reference.bin`,
  ).length;

async function runStep(
  job: SimulatedJob,
  stepInputs: Record<string, string>,
  env: Record<string, string>,
) {
  const main = await runAction('main', inputs(stepInputs), { runner: job, env });
  expect(main.stdout).not.toMatch(/::error::/);
  expect(main.code).toBe(0);
  const post = await runAction('post', {}, { runner: job, env });
  expect(post.code).toBe(0);
  expect(post.stdout).not.toMatch(/::(error|warning)::/);
  return { main, post };
}

describe('the reference cache across jobs (Actions cache service)', () => {
  it('later jobs restore the reference from the Actions cache instead of downloading it from S3', async () => {
    const build = join(base, 'build');
    await mkdir(build, { recursive: true });
    const v1 = join(build, 'app-1.0.0.zip');
    const v2 = join(build, 'app-1.1.0.zip');
    await writeArtifact(v1, 4 * MB, 21);
    await writeNextVersion(v1, v2, { seed: 22 });

    // Job 1 creates the reference: nothing to restore, and the post step saves it.
    const job1 = await hostedJob('job1');
    const first = await runStep(job1, { path: v1, 's3-url': space() }, withCache());
    expect(JSON.parse(first.main.outputs.results!)[0]).toMatchObject({ kind: 'reference' });
    expect(first.main.outputs).toMatchObject({ 'cache-hits': '0', 'cache-misses': '0' });
    expect(first.post.stdout).toContain('Saved 1 reference(s) to the GitHub Actions cache');
    expect(cacheServer.entries.filter((e) => e.committed)).toHaveLength(1);

    // Job 2 uploads the next version: it needs the reference to encode against.
    const job2 = await hostedJob('job2');
    const second = await runStep(job2, { path: v2, 's3-url': space() }, withCache());
    expect(JSON.parse(second.main.outputs.results!)[0]).toMatchObject({ kind: 'delta' });
    expect(second.main.outputs).toMatchObject({ 'cache-hits': '1', 'cache-misses': '0' });
    expect(second.main.summary).toContain(
      'GitHub Actions cache: 1 reference restored instead of downloaded from S3',
    );

    // Job 3 downloads that version: rebuilt from the delta and the restored reference.
    const job3 = await hostedJob('job3');
    const out = join(job3.workspace, 'out');
    const third = await runStep(
      job3,
      { command: 'download', path: out, 's3-url': `${space()}app-1.1.0.zip` },
      withCache(),
    );
    expect(third.main.outputs).toMatchObject({ 'cache-hits': '1', 'cache-misses': '0' });
    expect(await sha256File(join(out, 'app-1.1.0.zip'))).toBe(await sha256File(v2));

    // Neither job 2 nor job 3 fetched the reference from S3, and nothing new was saved.
    expect(referenceGets()).toBe(0);
    expect(second.main.stdout + third.main.stdout).not.toContain('Downloading reference');
    expect(cacheServer.entries).toHaveLength(1);
    expect(cacheServer.lookups.filter((l) => l.hit)).toHaveLength(2);
  }, 180_000);

  it('a job without a cache service downloads the reference from S3 and succeeds, with a notice', async () => {
    // Runs after the test above (same DeltaSpace): needs app-1.1.0.zip stored as a delta.
    const before = referenceGets();
    const lookupsBefore = cacheServer.requests.length;
    const job = await newJob(base);
    const out = join(job.workspace, 'out');
    const run = await runStep(
      job,
      { command: 'download', path: out, 's3-url': `${space()}app-1.1.0.zip` },
      withoutCache,
    );
    expect(run.main.stdout).toMatch(/::notice::The GitHub Actions cache service is not available/);
    expect(run.main.outputs).toMatchObject({ 'cache-hits': '0', 'cache-misses': '0' });
    expect(referenceGets()).toBe(before + 1);
    expect(cacheServer.requests.length).toBe(lookupsBefore);
    expect(await sha256File(join(out, 'app-1.1.0.zip'))).toBe(
      await sha256File(join(base, 'build', 'app-1.1.0.zip')),
    );
  }, 120_000);

  it('cache: false leaves the cache service alone, without a notice', async () => {
    const requestsBefore = cacheServer.requests.length;
    const job = await hostedJob('job-no-cache');
    const out = join(job.workspace, 'out');
    const run = await runStep(
      job,
      { command: 'download', path: out, 's3-url': `${space()}app-1.1.0.zip`, cache: 'false' },
      withCache(),
    );
    expect(run.main.stdout).not.toContain('GitHub Actions cache');
    expect(run.main.summary).not.toContain('GitHub Actions cache');
    expect(run.main.outputs).toMatchObject({ 'cache-hits': '0', 'cache-misses': '0' });
    expect(cacheServer.requests.length).toBe(requestsBefore);
  }, 120_000);
});
