// `deltaglider cp --pack` interrupted: the built CLI in a child process, signalled while a
// relay in front of moto holds its upload or its download (nothing moves until the test
// has signalled), or while it unpacks. Whatever the moment, the scratch tar goes, the
// destination holds what it held before, and the status is 130 (SIGINT) or 143 (SIGTERM).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArtifact } from '../../scripts/lib/artifacts.mjs';
import { listKeys } from '../helpers/bucket.js';
import { FaultProxy, type RequestMatch } from '../helpers/fault-proxy.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { createS3Client } from '../../src/adapters/s3/client.js';

const MIB = 1024 * 1024;
const ROOT = new URL('../..', import.meta.url).pathname;

let server: S3TestServer;
let proxy: FaultProxy;
let raw: ReturnType<typeof createS3Client>;
let bucket: string;
let work: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'index.js')))
    throw new Error('dist/cli/index.js is missing: run `npm run build` first');
  server = await startS3Server();
  bucket = await server.createBucket();
  raw = createS3Client(s3TestOptions(server.endpoint));
  proxy = await FaultProxy.start(server.endpoint);
  work = await mkdtemp(join(tmpdir(), 'dg-pack-cancel-'));
  // A build directory with one large file, so that unpacking it takes a while.
  await mkdir(join(work, 'build', 'lib'), { recursive: true });
  await writeArtifact(join(work, 'build', 'lib', 'big.bin'), 64 * MIB, 7);
  await writeFile(join(work, 'build', 'a.txt'), 'first\n');
  await writeFile(join(work, 'build', 'lib', 'z.txt'), 'last\n');
}, 60_000);

afterAll(async () => {
  raw?.destroy();
  await proxy?.stop();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stderr: string;
  /** The child's TMPDIR (its scratch directory lives there). */
  temp: string;
}

/** Runs the built CLI with its own TMPDIR; `onStart` may signal it. */
async function cli(
  name: string,
  args: string[],
  endpoint: string,
  onStart: (kill: (signal: NodeJS.Signals) => void) => void = () => undefined,
): Promise<Run> {
  const temp = join(work, `tmp-${name}`);
  await mkdir(temp);
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist', 'cli', 'index.js'),
      ...args,
      '--endpoint-url',
      endpoint,
      '--cache-dir',
      join(work, `cache-${name}`),
    ],
    { env: { ...process.env, TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  onStart((signal) => child.kill(signal));
  return { code: await closed, stderr, temp };
}

/** Resolves once the relay has seen a request that `match` picks (bounded: 60 s). */
async function seen(match: RequestMatch): Promise<void> {
  for (let i = 0; i < 3000 && proxy.count(match) === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (proxy.count(match) === 0) throw new Error('the relay never saw the request');
}

const writeTo =
  (prefix: string): RequestMatch =>
  (r) =>
    r.bucket === bucket && r.key.startsWith(`${prefix}/`) && ['PUT', 'POST'].includes(r.method);
const getOf =
  (prefix: string): RequestMatch =>
  (r) =>
    r.bucket === bucket && r.method === 'GET' && r.key.startsWith(`${prefix}/`);

describe('cp --pack interrupted', () => {
  it('SIGTERM while the tar uploads: status 143, no scratch tar, nothing stored', async () => {
    // Held for good: the upload cannot finish before the signal, nor reach moto after it.
    proxy.holdNext(Infinity, { until: new Promise(() => undefined), match: writeTo('up') });
    const run = await cli(
      'up',
      ['cp', '--pack', 'build.tar', join(work, 'build'), `s3://${bucket}/up/`],
      proxy.endpoint,
      (kill) => void seen(writeTo('up')).then(() => kill('SIGTERM')),
    );
    expect(run.code).toBe(143);
    expect(run.stderr).toMatch(/deltaglider: interrupted \(SIGTERM\)/);
    expect(await readdir(run.temp)).toEqual([]);
    expect(await listKeys(raw, bucket, 'up/')).toEqual([]);
  }, 60_000);

  it('an upload that fails: status 1, one error, no scratch tar', async () => {
    proxy.failNext(Infinity, {
      status: 403,
      code: 'AccessDenied',
      message: 'Access Denied',
      match: writeTo('denied'),
    });
    const run = await cli(
      'denied',
      ['cp', '--pack', 'build.tar', join(work, 'build'), `s3://${bucket}/denied/`],
      proxy.endpoint,
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(await readdir(run.temp)).toEqual([]);
  }, 60_000);

  describe('a stored tar', () => {
    beforeAll(async () => {
      const stored = await cli(
        'store',
        ['cp', '--pack', 'build.tar', join(work, 'build'), `s3://${bucket}/down/`],
        server.endpoint,
      );
      expect(stored).toMatchObject({ code: 0, stderr: '' });
    }, 60_000);

    /** A destination that already holds one file of its own. */
    async function occupied(name: string): Promise<string> {
      const dest = join(work, name);
      await mkdir(dest);
      await writeFile(join(dest, 'mine.txt'), 'mine\n');
      return dest;
    }

    it('SIGINT while it downloads: status 130, no scratch, the destination as it was', async () => {
      const dest = await occupied('dest-held');
      let release!: () => void;
      proxy.holdNext(1, {
        until: new Promise<void>((resolve) => (release = resolve)),
        match: getOf('down'),
      });
      const url = `s3://${bucket}/down/build.tar`;
      const run = await cli(
        'down-held',
        ['cp', '--pack', 'build.tar', url, dest],
        proxy.endpoint,
        (kill) => void seen(getOf('down')).then(() => kill('SIGINT')),
      );
      release();
      expect(run.code).toBe(130);
      expect(run.stderr).toMatch(/deltaglider: interrupted \(SIGINT\)/);
      expect(await readdir(run.temp)).toEqual([]);
      expect(await readdir(dest, { recursive: true })).toEqual(['mine.txt']);
    }, 60_000);

    it('SIGTERM while it unpacks: status 143, no unpacked or partial file left', async () => {
      const dest = await occupied('dest-unpacking');
      // The signal goes at the first sign of unpacking (a partial file or a new entry in
      // the destination); at whichever point it lands, nothing of the tar may stay.
      const run = await cli(
        'down-unpack',
        ['cp', '--pack', 'build.tar', `s3://${bucket}/down/build.tar`, dest],
        server.endpoint,
        (kill) => {
          const watcher = watch(dest, () => {
            watcher.close();
            kill('SIGTERM');
          });
        },
      );
      expect(run.code).toBe(143);
      expect(await readdir(run.temp)).toEqual([]);
      expect(await readdir(dest, { recursive: true })).toEqual(['mine.txt']);
    }, 60_000);
  });
});
