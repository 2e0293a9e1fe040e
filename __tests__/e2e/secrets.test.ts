// Credentials and tokens never reach the log. The bundle runs with debug logging on
// (RUNNER_DEBUG=1) and recognisable secrets through an upload that tries to post a PR
// comment (the GitHub API answers 401), and through a failing download. The runner hides
// a value once `::add-mask::<value>` has been printed; this harness has no runner, so
// the raw values must appear nowhere else in stdout or stderr.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeArtifact } from '../../scripts/lib/artifacts.mjs';
import {
  newJob,
  runAction,
  type ActionRun,
  type SimulatedJob,
} from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const bundle = new URL('../../dist/main/index.js', import.meta.url);
const SECRETS = {
  AWS_ACCESS_KEY_ID: 'AKIADGTESTKEY0000001',
  AWS_SECRET_ACCESS_KEY: 'dgSecretAccessKey/9f8e7d6c5b4a3928+test',
  AWS_SESSION_TOKEN: 'dgSessionToken-1a2b3c4d5e6f-IQoJb3JpZ2luX2VjEJr',
  'INPUT_GITHUB-TOKEN': 'ghs_dgTestToken0123456789abcdefABCDEF',
};

let server: S3TestServer;
let bucket: string;
let job: SimulatedJob;
let github: Server;
let githubUrl: string;
const authorizations: string[] = [];

beforeAll(async () => {
  if (!existsSync(bundle))
    throw new Error('dist/main/index.js is missing: run `npm run build` first');
  server = await startS3Server();
  bucket = await server.createBucket();
  job = await newJob();
  // GitHub's answer to a bad token: 401 "Bad credentials" (it never echoes the token).
  github = createServer((request, response) => {
    authorizations.push(request.headers.authorization ?? '');
    request.resume();
    response.writeHead(401, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
      }),
    );
  });
  await new Promise<void>((resolve) => github.listen(0, '127.0.0.1', resolve));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  github?.closeAllConnections();
  await new Promise<void>((resolve) => (github ? github.close(() => resolve()) : resolve()));
  await server?.stop();
  if (job) await rm(job.dir, { recursive: true, force: true });
});

async function run(inputs: Record<string, string>): Promise<ActionRun> {
  const event = join(job.dir, 'event.json');
  await writeFile(event, JSON.stringify({ pull_request: { number: 7 } }));
  return runAction(
    'main',
    { 'endpoint-url': server.endpoint, region: 'us-east-1', comment: 'always', ...inputs },
    {
      runner: job,
      env: {
        ...SECRETS,
        RUNNER_DEBUG: '1',
        ACTIONS_STEP_DEBUG: 'true',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: event,
        GITHUB_REPOSITORY: 'octo/widgets',
        GITHUB_API_URL: githubUrl,
        GITHUB_RUN_ID: '42',
      },
    },
  );
}

/** Each secret is masked, and appears in no line but its own `::add-mask::`. */
function expectNoSecretsIn(result: ActionRun): void {
  const lines = (result.stdout + '\n' + result.stderr).split('\n');
  for (const [name, value] of Object.entries(SECRETS)) {
    expect({ name, masked: lines.includes(`::add-mask::${value}`) }).toEqual({
      name,
      masked: true,
    });
    const leaks = lines.filter((line) => line.includes(value) && line !== `::add-mask::${value}`);
    expect({ name, leaks }).toEqual({ name, leaks: [] });
  }
}

it('an upload with a PR comment attempt logs no credential or token', async () => {
  const file = join(job.workspace, 'app.bin');
  await writeArtifact(file, 2 * 1024 * 1024, 9);

  const upload = await run({ path: file, 's3-url': `s3://${bucket}/secrets/` });

  expect(upload.code).toBe(0);
  // Debug logging was on, the comment was attempted with the token, and it failed.
  expect(upload.stdout).toMatch(/^::debug::/m);
  expect(authorizations.some((a) => a.includes(SECRETS['INPUT_GITHUB-TOKEN']))).toBe(true);
  expect(upload.stdout).toMatch(/^::warning::Could not publish the PR comment/m);
  expectNoSecretsIn(upload);
});

it('a failing download logs no credential or token', async () => {
  const download = await run({
    command: 'download',
    path: join(job.workspace, 'out'),
    's3-url': `s3://${bucket}/secrets/missing.bin`,
  });

  expect(download.code).toBe(1);
  expect(download.stdout).toMatch(/^::error::Neither s3:\/\/.*missing\.bin/m);
  expectNoSecretsIn(download);
});
