// `deltaglider purge` against a real S3 server: the expired copies under
// .deltaglider/tmp/ go (a dry run only names them), everything else stays.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let bucket: string;
let work: string;

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  bucket = await server.createBucket();
  work = await mkdtemp(join(tmpdir(), 'dg-purge-'));
  const put = (key: string, metadata: Record<string, string>) =>
    raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'abc', Metadata: metadata }));
  await put('.deltaglider/tmp/aa_old.zip', { 'dg-expires-at': '2020-01-01T00:00:00+00:00' });
  await put('.deltaglider/tmp/bb_future.zip', { 'dg-expires-at': '2999-01-01T00:00:00+00:00' });
  await put('app/old.zip', { 'dg-expires-at': '2020-01-01T00:00:00+00:00' });
}, 60_000);

afterAll(async () => {
  raw?.destroy();
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

async function keys(): Promise<string[]> {
  const page = await raw.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

it('names the expired copies on a dry run and removes only them otherwise', async () => {
  const all = await keys();
  const dry = await dg('purge', '--dry-run', `s3://${bucket}`);
  expect(dry).toEqual({
    code: 0,
    out:
      `(dryrun) delete: s3://${bucket}/.deltaglider/tmp/aa_old.zip (expired 2020-01-01T00:00:00+00:00)\n` +
      'Would remove 1 expired copies (3 bytes); kept 1\n',
    err: '',
  });
  expect(await keys()).toEqual(all);

  const json = await dg('purge', '--json', `s3://${bucket}/`);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out)).toEqual({
    bucket,
    prefix: '.deltaglider/tmp/',
    'dry-run': false,
    deleted: [
      { key: '.deltaglider/tmp/aa_old.zip', size: 3, 'expires-at': '2020-01-01T00:00:00+00:00' },
    ],
    'deleted-bytes': 3,
    kept: 1,
  });
  expect(await keys()).toEqual(['.deltaglider/tmp/bb_future.zip', 'app/old.zip']);
}, 60_000);
