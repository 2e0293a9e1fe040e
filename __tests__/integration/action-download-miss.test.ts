// The action's download with `if-not-found` and its `found` output, on the real engine
// against a real S3 server: inputs are read from the INPUT_* variables as the runner sets
// them, and the report is rendered into the runner's output file as main.ts renders it.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { runDownload } from '../../src/action/commands.js';
import { createS3Client } from '../../src/adapters/s3/client.js';
import type { App } from '../../src/app/create-app.js';
import { InputError, NotFoundError } from '../../src/core/errors.js';
import { captureStdout, runStep } from '../helpers/action-step.js';
import { appOver } from '../helpers/engine.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const MB = 1024 * 1024;

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let app: App;
let work: string;
let bucket: string;
let v1: string;
let v2: string;
let stdout: ReturnType<typeof captureStdout>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  stdout = captureStdout();
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-action-miss-'));
  await mkdir(join(work, 'in'));
  v1 = join(work, 'in', 'app-1.zip');
  v2 = join(work, 'in', 'app-2.zip');
  await writeArtifact(v1, 2 * MB, 41);
  await writeNextVersion(v1, v2, { seed: 42 });
}, 60_000);

beforeEach(async () => {
  stdout.clear();
  process.env = { ...savedEnv };
  bucket = await server.createBucket();
  app = appOver(server.endpoint, work, join(work, 'cache', bucket));
  process.env.GITHUB_OUTPUT = join(work, 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '');
  await app.core.uploads.uploadAll([v1, v2], { bucket, prefix: 'rel/app' });
});

afterEach(async () => {
  await app.close();
});

afterAll(async () => {
  stdout?.restore();
  process.env = savedEnv;
  raw?.destroy();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs the download as the step would with these inputs; resolves to its outputs. */
function download(inputs: Record<string, string>): Promise<Record<string, string>> {
  return runStep(app, runDownload, { command: 'download', ...inputs });
}

function dest(): string {
  return join(work, `out-${bucket}`);
}

describe('if-not-found', () => {
  it('ignore: a missing key is one info line, found=false and no files', async () => {
    const out = await download({
      's3-url': `s3://${bucket}/rel/app/app-9.zip`,
      path: dest(),
      'if-not-found': 'ignore',
    });
    expect(out).toMatchObject({ found: 'false', files: '0', results: '[]' });
    const text = stdout.text();
    expect(text).toContain('nothing was downloaded (if-not-found: ignore)');
    expect(text).not.toContain('::warning::');
  });

  it('warn: an empty DeltaSpace is a warning and found=false', async () => {
    const out = await download({
      's3-url': `s3://${bucket}/rel/other/`,
      path: dest(),
      'if-not-found': 'warn',
    });
    expect(out).toMatchObject({ found: 'false', files: '0' });
    expect(stdout.text()).toMatch(/::warning::.*holds no files.*if-not-found: warn/);
  });

  it('warn: a missing pack is a miss too', async () => {
    const out = await download({
      's3-url': `s3://${bucket}/rel/app/`,
      path: dest(),
      pack: 'build.tar',
      'if-not-found': 'warn',
    });
    expect(out).toMatchObject({ found: 'false', files: '0' });
  });

  it('error (the default): a missing key still fails the step', async () => {
    await expect(
      download({ 's3-url': `s3://${bucket}/rel/app/app-9.zip`, path: dest() }),
    ).rejects.toMatchObject({ code: 'no-such-file' });
  });

  it('a found file sets found=true and is downloaded byte-exact', async () => {
    const out = await download({
      's3-url': `s3://${bucket}/rel/app/app-2.zip`,
      path: dest(),
      'if-not-found': 'ignore',
    });
    expect(out).toMatchObject({ found: 'true', files: '1' });
    expect((await readFile(join(dest(), 'app-2.zip'))).equals(await readFile(v2))).toBe(true);
  });

  it('ignore forgives only a miss: a delta whose reference is gone still fails', async () => {
    await raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'rel/app/reference.bin' }));
    // A runner with no copy of the reference in its cache: the upload's app kept one.
    await app.close();
    app = appOver(server.endpoint, work, join(work, 'cold-cache', bucket));
    const failure = download({
      's3-url': `s3://${bucket}/rel/app/app-2.zip`,
      path: dest(),
      'if-not-found': 'ignore',
    });
    await expect(failure).rejects.toBeInstanceOf(NotFoundError);
    await expect(failure).rejects.not.toMatchObject({ code: 'no-such-file' });
  });

  it('refuses a value it does not know', async () => {
    await expect(
      download({ 's3-url': `s3://${bucket}/rel/app/app-9.zip`, 'if-not-found': 'skip' }),
    ).rejects.toThrow(
      new InputError('Input if-not-found must be error, warn or ignore, got "skip"'),
    );
  });
});

describe('single-file outputs', () => {
  it('a download of one file sets key, url, sha256 and download-path', async () => {
    const out = await download({ 's3-url': `s3://${bucket}/rel/app/app-2.zip`, path: dest() });
    expect(out).toMatchObject({
      key: 'rel/app/app-2.zip.delta',
      url: `s3://${bucket}/rel/app/app-2.zip`,
      sha256: await sha256File(v2),
      'download-path': join(dest(), 'app-2.zip'),
    });
  });

  it('a download of several files sets none of them', async () => {
    const out = await download({ 's3-url': `s3://${bucket}/rel/app/`, path: dest() });
    expect(out.files).toBe('2');
    for (const name of ['key', 'url', 'sha256', 'download-path']) expect(out[name]).toBeUndefined();
  });
});
