// The action with its endpoint from the environment (AWS_ENDPOINT_URL_S3 /
// AWS_ENDPOINT_URL), as the CLI and the AWS SDKs read it: the whole client is set up for
// that endpoint (path-style, only required checksums), and the endpoint-url input wins.
// run() in-process against moto behind a loopback relay that records every request.
import { jest } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArtifact } from '../../scripts/lib/artifacts.mjs';
import { findOnPath } from '../../src/adapters/xdelta3/provision/which.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let inputs: Record<string, string> = {};
let failures: string[] = [];
const realCore = await import('@actions/core');
const noop = () => undefined;
jest.unstable_mockModule('@actions/core', () => ({
  ...realCore,
  getInput: (name: string) => inputs[name] ?? '',
  getMultilineInput: (name: string) => (inputs[name] ?? '').split('\n').filter(Boolean),
  setOutput: noop,
  setFailed: (message: string) => failures.push(message),
  setSecret: noop,
  saveState: noop,
  info: noop,
  debug: noop,
  notice: noop,
  warning: noop,
  startGroup: noop,
  endGroup: noop,
}));
const { run } = await import('../../src/action/main.js');

const ENV_NAMES = ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'RUNNER_TEMP'] as const;
const savedEnv = Object.fromEntries(ENV_NAMES.map((n) => [n, process.env[n]]));
let server: S3TestServer;
let proxy: FaultProxy;
let work: string;
let file: string;

beforeAll(async () => {
  server = await startS3Server();
  proxy = await FaultProxy.start(server.endpoint);
  work = await mkdtemp(join(tmpdir(), 'dg-endpoint-env-'));
  file = join(work, 'app.bin');
  await writeArtifact(file, 64 * 1024, 3);
}, 60_000);

afterAll(async () => {
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await proxy?.stop();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  failures = [];
  proxy.seen.length = 0;
  for (const name of ENV_NAMES) delete process.env[name];
  process.env.RUNNER_TEMP = work;
});

async function upload(bucket: string, extra: Record<string, string> = {}): Promise<void> {
  inputs = {
    command: 'upload',
    path: file,
    's3-url': `s3://${bucket}/env/`,
    region: 'us-east-1',
    'xdelta3-path': process.env.XDELTA3 ?? (await findOnPath('xdelta3')) ?? 'xdelta3',
    cache: 'false',
    summary: 'false',
    comment: 'never',
    ...extra,
  };
  await run();
  expect(failures).toEqual([]);
}

it.each(['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'])(
  'sends every request to %s, path-style, with only the checksums S3 requires',
  async (name) => {
    const bucket = await server.createBucket();
    process.env[name] = proxy.endpoint;
    await upload(bucket);
    const puts = proxy.seen.filter((r) => r.method === 'PUT');
    expect(puts.length).toBeGreaterThan(0);
    // Path-style: the bucket is the first path segment, the host is the endpoint's own.
    for (const r of proxy.seen) {
      expect({ bucket: r.bucket, host: r.headers.host }).toEqual({
        bucket,
        host: new URL(proxy.endpoint).host,
      });
    }
    const checksummed = puts
      .filter((r) => Object.keys(r.headers).some((h) => h.startsWith('x-amz-checksum-')))
      .map((r) => `${r.method} ${r.key}`);
    expect(checksummed).toEqual([]);
  },
);

it('lets the endpoint-url input win over the environment', async () => {
  const bucket = await server.createBucket();
  process.env.AWS_ENDPOINT_URL_S3 = 'http://127.0.0.1:9/';
  await upload(bucket, { 'endpoint-url': proxy.endpoint });
  expect(proxy.seen.some((r) => r.method === 'PUT' && r.bucket === bucket)).toBe(true);
});
