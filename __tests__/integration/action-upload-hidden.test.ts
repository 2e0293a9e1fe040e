// The action's upload with `include-hidden-files` (upload-artifact's input and default),
// on the real engine against a real S3 server: inputs from INPUT_* as the runner sets
// them, outputs rendered into the runner's output file.
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDownload, runUpload } from '../../src/action/commands.js';
import type { App } from '../../src/app/create-app.js';
import { captureStdout, runStep } from '../helpers/action-step.js';
import { appOver } from '../helpers/engine.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let app: App;
let work: string;
let build: string;
let bucket: string;
let stdout: ReturnType<typeof captureStdout>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  stdout = captureStdout();
  server = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'dg-action-hidden-'));
  build = join(work, 'build');
  await mkdir(join(build, '.git'), { recursive: true });
  await mkdir(join(build, 'sub'));
  await writeFile(join(build, 'app.bin'), 'app');
  await writeFile(join(build, 'sub', 'lib.bin'), 'lib');
  await writeFile(join(build, '.env'), 'SECRET=1');
  await writeFile(join(build, '.git', 'config'), '[core]');
  await writeFile(join(build, 'sub', '.npmrc'), '//registry/:_authToken=x');
}, 60_000);

beforeEach(async () => {
  stdout.clear();
  process.env = { ...savedEnv };
  bucket = await server.createBucket();
  app = appOver(server.endpoint, work, join(work, 'cache', bucket));
  process.env.GITHUB_OUTPUT = join(work, 'output');
  await writeFile(process.env.GITHUB_OUTPUT, '');
});

afterEach(async () => {
  await app.close();
});

afterAll(async () => {
  stdout?.restore();
  process.env = savedEnv;
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function step(
  run: typeof runUpload,
  inputs: Record<string, string>,
): Promise<Record<string, string>> {
  return runStep(app, run, inputs);
}

function names(out: Record<string, string>): string[] {
  return (JSON.parse(out.results!) as { name: string }[]).map((r) => r.name).sort();
}

describe('include-hidden-files', () => {
  it('false (the default): a directory path skips dot names below it, with one count line', async () => {
    const out = await step(runUpload, { path: `${build}/`, 's3-url': `s3://${bucket}/b/` });
    expect(names(out)).toEqual(['app.bin', 'lib.bin']);
    expect(stdout.text()).toContain('Skipped 3 hidden file(s)');
  });

  it('true: every file is uploaded', async () => {
    const out = await step(runUpload, {
      path: `${build}/**`,
      's3-url': `s3://${bucket}/b/`,
      'include-hidden-files': 'true',
    });
    expect(names(out)).toEqual(['.env', 'app.bin', 'config', 'lib.bin', '.npmrc'].sort());
    expect(stdout.text()).not.toContain('hidden file');
  });

  it('a hidden file named on purpose is uploaded, with the single-file outputs', async () => {
    const out = await step(runUpload, { path: join(build, '.env'), 's3-url': `s3://${bucket}/b/` });
    expect(names(out)).toEqual(['.env']);
    // One file: its single-file outputs.
    expect(out).toMatchObject({
      key: 'b/.env',
      url: `s3://${bucket}/b/.env`,
      sha256: createHash('sha256').update('SECRET=1').digest('hex'),
    });
  });

  it('pack leaves them out of the tar too', async () => {
    await step(runUpload, { path: `${build}/`, 's3-url': `s3://${bucket}/b/`, pack: 'b.tar' });
    const dest = join(work, `unpacked-${bucket}`);
    await step(runDownload, {
      command: 'download',
      path: dest,
      's3-url': `s3://${bucket}/b/`,
      pack: 'b.tar',
    });
    expect((await readFile(join(dest, 'sub', 'lib.bin'))).equals(Buffer.from('lib'))).toBe(true);
    await expect(access(join(dest, '.env'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(access(join(dest, 'sub', '.npmrc'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
