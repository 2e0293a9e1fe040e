// Keys written by another tool can hold terminal control characters. The CLI, run
// in-process against moto, shows them escaped (`\x1b`, `\n`) in ls, verify and stats,
// and in its messages, never raw; downloads refuse objects whose metadata holds them.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let work: string;
let bucket: string;

const ESC_KEY = 'space/red\x1b[31mALERT\x1b[0m.bin';
// moto refuses LF in keys; a CR is listed as stored (URL-encoded listings).
const CR_KEY = 'space/two\rlines.bin';

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-cli-hostile-'));
  bucket = await server.createBucket();
  const put = (key: string, metadata: Record<string, string> = {}) =>
    raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x', Metadata: metadata }));
  await put(ESC_KEY);
  await put(CR_KEY);
  await put('space/meta.bin', {
    'dg-file-sha256': `=?UTF-8?B?${Buffer.from(`${'b'.repeat(64)}\x1b[2J`).toString('base64')}?=`,
    'dg-file-size': '1',
    'dg-compression': 'none',
  });
}, 60_000);

afterAll(async () => {
  raw?.destroy();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function dg(...args: string[]): Promise<CliRun> {
  return runCli(args, server.endpoint, join(work, 'cache'));
}

/** No raw control character but the line feeds the CLI itself prints. */
function expectNoRawControls(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
}

it('ls shows control characters in keys and metadata escaped, and flags them', async () => {
  const { code, out, err } = await dg('ls', `s3://${bucket}/space/`);
  expect(code).toBe(0);
  expectNoRawControls(out + err);
  expect(out).toContain('red\\x1b[31mALERT\\x1b[0m.bin');
  expect(out).toMatch(/two\\[rn]lines\.bin/);
  expect(out).toContain('meta.bin: its dg-file-sha256 metadata contains control characters');
  // Each file is one row: header, three files, totals.
  expect(out.split('\n\n')[0]!.trimEnd().split('\n')).toHaveLength(5);
});

it('verify fails the flagged objects, printing them escaped', async () => {
  const { code, out, err } = await dg('verify', `s3://${bucket}/space/`);
  expect(code).toBe(1);
  expectNoRawControls(out + err);
  expect(out).toContain('3 failed');
});

it('a download of an object with control characters in its metadata is refused', async () => {
  const dest = join(work, 'dest');
  const { code, err } = await dg('cp', `s3://${bucket}/space/meta.bin`, `${dest}/`);
  expect(code).toBe(1);
  expectNoRawControls(err);
  expect(err).toMatch(/has control characters \(such as a line break\) in its dg-file-sha256/);
  expect(await readdir(dest).catch(() => [])).toEqual([]);
});
