// `deltaglider cp --pack` against a real S3 server: a directory up as one tar (the second
// version as a delta), back into another directory with its modes; bad names refused.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let bucket: string;
let work: string;

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  work = await mkdtemp(join(tmpdir(), 'dg-cli-pack-'));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function dg(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    isTty: false,
    env: process.env,
  };
  const common = ['--endpoint-url', server.endpoint, '--cache-dir', join(work, 'cache')];
  const code = await main([...args, ...common], io);
  return { code, out, err };
}

async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    const mode = ((await stat(full)).mode & 0o777).toString(8);
    out[full.slice(root.length + 1)] = `${mode} ${(await readFile(full)).toString('base64')}`;
  }
  return out;
}

it('uploads a directory as one tar and unpacks it elsewhere, modes kept', async () => {
  const blob = randomBytes(2 * 1024 * 1024);
  const build = join(work, 'dist');
  await mkdir(join(build, 'bin'), { recursive: true });
  await writeFile(join(build, 'bin', 'tool'), blob);
  await chmod(join(build, 'bin', 'tool'), 0o755);
  await writeFile(join(build, 'README'), 'v1\n');
  const url = `s3://${bucket}/builds/`;
  const first = await dg('cp', '--pack', 'build.tar', build, url);
  expect(first).toMatchObject({ code: 0, err: '' });
  expect(first.out).toMatch(
    /^upload: .*dist \(2 files\) -> s3:\/\/.*\/builds\/build\.tar \(reference: /,
  );

  blob.write('changed', 1000);
  await writeFile(join(build, 'bin', 'tool'), blob);
  await writeFile(join(build, 'README'), 'v2\n');
  const second = await dg('cp', '--pack', 'build.tar', '--json', build, url);
  expect(second.code).toBe(0);
  const [result] = (
    JSON.parse(second.out) as { results: { kind: string; 'stored-bytes': number }[] }
  ).results;
  expect(result!.kind).toBe('delta');
  expect(result!['stored-bytes']).toBeLessThan(32 * 1024);

  const restored = join(work, 'restored');
  const down = await dg('cp', '--pack', 'build.tar', `${url}build.tar`, restored);
  expect(down).toMatchObject({ code: 0, err: '' });
  expect(await snapshot(restored)).toEqual(await snapshot(build));
}, 120_000);

it('refuses a --pack name that is not a plain .tar name', async () => {
  const result = await dg('cp', '--pack', '../x.tar', join(work, 'dist'), `s3://${bucket}/b/`);
  expect(result.code).toBe(1);
  expect(result.err).toMatch(
    /--pack must be a file name ending in \.tar, such as build\.tar; got "\.\.\/x\.tar"/,
  );
});
