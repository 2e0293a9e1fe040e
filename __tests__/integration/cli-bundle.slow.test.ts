// The built bundles with the CLI (cli.test.ts drives the same CLI in-process): dist/cli
// as an executable, and a DeltaSpace the action bundle (dist/main) wrote, read back by
// the CLI. Slow: each case starts Node on a 6 MB bundle. Run `npm run build` first.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { newJob, runAction } from '../../scripts/lib/run-action.mjs';
import { findOnPath } from '../../src/adapters/xdelta3/provision/which.js';
import { closeCliWork, openCliWork, runCli, type CliRun } from '../helpers/cli.js';
import type { S3TestServer } from '../helpers/s3-server.js';
import { expectSameFile } from '../helpers/same-bytes.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

let server: S3TestServer;
let work: string;
let bucket: string;
let v1: string;
let v2: string;

/** The built file, or a failure that says how to make it. */
function built(path: string): string {
  const file = join(ROOT, path);
  if (!existsSync(file)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  return file;
}

beforeAll(async () => {
  ({ server, work, v1, v2 } = await openCliWork('dg-cli-bundle-'));
}, 60_000);

beforeEach(async () => {
  bucket = await server.createBucket();
});

afterAll(() => closeCliWork({ server, work }));

function dg(command: string, ...args: string[]): Promise<CliRun> {
  return runCli([command, ...args], server.endpoint, join(work, 'cache', bucket));
}

it('reads a DeltaSpace written by the action bundle', async () => {
  built('dist/main/index.js');
  const job = await newJob();
  try {
    const inputs = {
      'endpoint-url': server.endpoint,
      'force-path-style': 'true',
      region: 'us-east-1',
      'xdelta3-path': (await findOnPath('xdelta3')) ?? 'xdelta3',
      cache: 'false',
      's3-url': `s3://${bucket}/from-action/`,
    };
    for (const path of [v1, v2]) {
      const step = await runAction('main', { ...inputs, path }, { runner: job });
      expect(step.code).toBe(0);
    }
  } finally {
    await rm(job.dir, { recursive: true, force: true });
  }
  const listing = JSON.parse((await dg('ls', '--json', `s3://${bucket}/from-action/`)).out);
  expect(listing.results.map((r: { name: string; kind: string }) => [r.name, r.kind])).toEqual([
    ['app-1.zip', 'delta'],
    ['app-2.zip', 'delta'],
  ]);
  expect((await dg('verify', `s3://${bucket}/from-action/`)).code).toBe(0);
  const out = join(work, `action-out-${bucket}`);
  expect((await dg('cp', `s3://${bucket}/from-action/app-2.zip`, `${out}/`)).code).toBe(0);
  await expectSameFile(join(out, 'app-2.zip'), v2);
}, 120_000);

it('runs dist/cli as an executable with a shebang, exits 0 on success and 1 with one line on failure', async () => {
  const script = built('dist/cli/index.js');
  expect((await readFile(script, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  for (const path of [v1, v2]) {
    expect(await dg('cp', path, `s3://${bucket}/releases/app/`)).toMatchObject({
      code: 0,
      err: '',
    });
  }
  const env = { ...process.env, XDG_CACHE_HOME: join(work, 'bundle-cache') };
  const ok = await run(
    process.execPath,
    [script, 'ls', '--json', '--endpoint-url', server.endpoint, `s3://${bucket}/releases/app/`],
    { env },
  );
  expect(JSON.parse(ok.stdout).files).toBe(2);

  const failed = await run(
    process.execPath,
    [script, 'verify', '--endpoint-url', server.endpoint, `s3://${bucket}/releases/app/nope.zip`],
    { env },
  ).catch((error: { code: number; stdout: string; stderr: string }) => error);
  expect(failed).toMatchObject({ code: 1 });
  expect((failed as { stderr: string }).stderr).toBe(
    'deltaglider: 1 of 1 file(s) failed verification\n',
  );
  expect((failed as { stdout: string }).stdout).toMatch(/nope\.zip\s+missing.*FAILED/);

  const usage = await run(process.execPath, [script, 'rm', `s3://${bucket}/releases/app/`], {
    env,
  }).catch((error: { code: number; stderr: string }) => error);
  expect(usage).toMatchObject({ code: 1 });
  expect((usage as { stderr: string }).stderr).toMatch(
    /^deltaglider: rm removes files, and .* names a DeltaSpace\. .*\n$/,
  );
  expect((usage as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
}, 120_000);
