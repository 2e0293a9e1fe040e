// Cancelling a download (the runner sends SIGINT, then SIGTERM; a terminal sends SIGINT)
// removes the partial file beside the destination and the scratch directory, and exits
// with the conventional status (130 / 143). A main step killed outright (SIGKILL) leaves
// its scratch directory to the post step, which removes it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { writeArtifact } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { startSlowProxy, type SlowProxy } from '../helpers/slow-proxy.js';

const MIB = 1024 * 1024;
const ROOT = new URL('../..', import.meta.url).pathname;

let server: S3TestServer;
let slow: SlowProxy;
let bucket: string;
let raw: S3Client;
let job: SimulatedJob;

beforeAll(async () => {
  for (const phase of ['main', 'post', 'cli']) {
    if (!existsSync(join(ROOT, 'dist', phase, 'index.js')))
      throw new Error(`dist/${phase}/index.js is missing: run \`npm run build\` first`);
  }
  server = await startS3Server();
  bucket = await server.createBucket();
  raw = createS3Client(s3TestOptions(server.endpoint));
  // About 5 MB/s: a 24 MiB object takes seconds to arrive.
  slow = await startSlowProxy(server.endpoint);
  job = await newJob();
  const file = join(job.dir, 'big.bin');
  await writeArtifact(file, 24 * MIB, 51);
  await raw.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'big/big.bin', Body: await readFile(file) }),
  );
}, 60_000);

afterAll(async () => {
  raw?.destroy();
  await slow?.stop();
  await server?.stop();
  if (job) await rm(job.dir, { recursive: true, force: true });
});

/** Sends `signal` to `child` once a partial file in `dir` holds some bytes. */
function signalMidDownload(child: ChildProcess, dir: string, signal: NodeJS.Signals): void {
  const timer = setInterval(async () => {
    const entries = await readdir(dir).catch(() => [] as string[]);
    if (entries.some((name) => name.startsWith('.dg-'))) {
      clearInterval(timer);
      child.kill(signal);
    }
  }, 20);
  child.once('exit', () => clearInterval(timer));
}

/** Scratch directories (deltaglider-<pid>-<random>) directly in `dir`. */
async function scratchDirs(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^deltaglider-\d+-/.test(name));
}

function downloadInputs(dest: string): Record<string, string> {
  return {
    command: 'download',
    path: dest,
    's3-url': `s3://${bucket}/big/big.bin`,
    'endpoint-url': slow.endpoint,
    region: 'us-east-1',
    comment: 'never',
    cache: 'false',
  };
}

describe('cancellation', () => {
  it('SIGTERM in the middle of a download: no partial file, no scratch, status 143', async () => {
    const runner = await newJob(job.dir);
    const dest = join(runner.dir, 'dest');
    await mkdir(dest);
    const run = await runAction('main', downloadInputs(dest), {
      runner,
      onSpawn: (child) => signalMidDownload(child, dest, 'SIGTERM'),
    });
    expect(run.code).toBe(143);
    expect(run.stdout).toMatch(/Interrupted \(SIGTERM\): removed \d+ partial or scratch path/);
    expect(await readdir(dest)).toEqual([]);
    expect(await scratchDirs(runner.temp)).toEqual([]);
  }, 60_000);

  it('SIGKILL leaves the scratch directory to the post step, which removes it', async () => {
    const runner = await newJob(job.dir);
    const dest = join(runner.dir, 'dest');
    await mkdir(dest);
    const main = await runAction('main', downloadInputs(dest), {
      runner,
      onSpawn: (child) => signalMidDownload(child, dest, 'SIGKILL'),
    });
    expect(main.code).toBeNull();
    const left = await scratchDirs(runner.temp);
    expect(left).toHaveLength(1);

    const post = await runAction('post', {}, { runner });
    expect(post.code).toBe(0);
    expect(await scratchDirs(runner.temp)).toEqual([]);
  }, 60_000);

  it('the CLI: SIGINT (Ctrl-C) in the middle of a download, status 130, nothing left', async () => {
    const dir = join(job.dir, 'cli');
    const dest = join(dir, 'dest');
    const temp = join(dir, 'tmp');
    await mkdir(dest, { recursive: true });
    await mkdir(temp);
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'dist', 'cli', 'index.js'),
        'cp',
        `s3://${bucket}/big/big.bin`,
        `${dest}/`,
        '--endpoint-url',
        slow.endpoint,
        '--cache-dir',
        join(dir, 'cache'),
      ],
      { env: { ...process.env, TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    signalMidDownload(child, dest, 'SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/deltaglider: interrupted \(SIGINT\)/);
    expect(await readdir(dest)).toEqual([]);
    expect(await scratchDirs(temp)).toEqual([]);
  }, 60_000);
});
