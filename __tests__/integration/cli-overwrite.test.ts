// `deltaglider cp` downloads onto existing files: replaced by default (as cp and aws s3 cp
// do); with -n / --no-overwrite an existing file with other bytes is an error and nothing
// is written, across every DeltaSpace of a `cp -r`.
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let bucket: string;
let work: string;

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  work = await mkdtemp(join(tmpdir(), 'dg-cli-ow-'));
  await mkdir(join(work, 'src', 'lib'), { recursive: true });
  await writeFile(join(work, 'src', 'notes.txt'), 'from the bucket\n');
  await writeFile(join(work, 'src', 'lib', 'lib.txt'), 'library\n');
  expect((await dg('cp', '-r', join(work, 'src'), `s3://${bucket}/ow/`)).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function dg(...args: string[]): Promise<CliRun> {
  return runCli(args, server.endpoint, join(work, 'cache'));
}

async function destWith(files: Record<string, string>): Promise<string> {
  const dest = await mkdtemp(join(work, 'dest-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dest, name, '..'), { recursive: true });
    await writeFile(join(dest, name), text);
  }
  return dest;
}

it('replaces an existing file by default', async () => {
  const dest = await destWith({ 'notes.txt': 'mine\n' });
  const run = await dg('cp', `s3://${bucket}/ow/notes.txt`, `${dest}/`);
  expect(run).toMatchObject({ code: 0, err: '' });
  expect(await readFile(join(dest, 'notes.txt'), 'utf8')).toBe('from the bucket\n');
});

it('-n refuses a file with other bytes, naming it, and writes nothing in any DeltaSpace', async () => {
  // The conflict is in the sub-DeltaSpace; the top one would be written first.
  const dest = await destWith({ 'lib/lib.txt': 'mine\n' });
  const run = await dg('cp', '-r', '-n', `s3://${bucket}/ow/`, dest);
  expect(run.code).toBe(1);
  expect(run.err).toBe(
    `deltaglider: A file already exists with other content: ${dest}/lib/lib.txt. Nothing was ` +
      'downloaded. Allow replacing them (--overwrite, the default, instead of -n/--no-overwrite), ' +
      'or download into another directory\n',
  );
  expect(await readdir(dest)).toEqual(['lib']);
  expect(await readFile(join(dest, 'lib', 'lib.txt'), 'utf8')).toBe('mine\n');
});

it('--no-overwrite counts an identical file as downloaded', async () => {
  const dest = await destWith({ 'notes.txt': 'from the bucket\n' });
  const run = await dg(
    'cp',
    '--no-overwrite',
    `s3://${bucket}/ow/notes.txt`,
    join(dest, 'notes.txt'),
  );
  expect(run).toMatchObject({ code: 0, err: '' });
});

it('--overwrite and --no-overwrite together are refused', async () => {
  const run = await dg('cp', '--overwrite', '-n', `s3://${bucket}/ow/notes.txt`, `${work}/`);
  expect(run.code).toBe(1);
  expect(run.err).toMatch(/--overwrite and --no-overwrite contradict each other/);
});
