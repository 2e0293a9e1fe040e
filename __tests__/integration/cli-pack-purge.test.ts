// `deltaglider cp --pack` and `deltaglider purge` against a real S3 server: a directory up
// as one tar (the second version as a delta) and back with its modes, bad names refused;
// expired copies under .deltaglider/tmp/ removed (a dry run only names them).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { listKeys } from '../helpers/bucket.js';
import { runCli } from '../helpers/cli.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let work: string;

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-cli-pack-'));
}, 60_000);

afterAll(async () => {
  raw?.destroy();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const dg = (...args: string[]) => runCli(args, server.endpoint, join(work, 'cache'));

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

describe('cp --pack', () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await server.createBucket();
  });

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

  // README and docs/cli.md write destinations as `dist/`; the extractor compared its
  // un-normalised destination with the directories it walked up, never met it, and
  // overflowed the stack.
  it('unpacks into a destination however it is written: trailing slashes, ./, .., absolute', async () => {
    const url = `s3://${bucket}/builds/build.tar`;
    const original = await snapshot(join(work, 'dist'));
    const forms = ['rel-slash/', './rel-dot', 'rel-dots/../rel-dots//', `${work}/abs-slash/`];
    const cwd = process.cwd();
    process.chdir(work);
    try {
      for (const form of forms) {
        const down = await dg('cp', '--pack', 'build.tar', url, form);
        expect({ form, ...down }).toMatchObject({ form, code: 0, err: '' });
        expect(await snapshot(resolve(work, form))).toEqual(original);
      }
    } finally {
      process.chdir(cwd);
    }
  }, 60_000);

  it('unpacks through a destination that is a link to a directory, refuses a dangling one or a file', async () => {
    const url = `s3://${bucket}/builds/build.tar`;
    await mkdir(join(work, 'real-dest'));
    await symlink(join(work, 'real-dest'), join(work, 'link-dest'));
    const down = await dg('cp', '--pack', 'build.tar', url, `${join(work, 'link-dest')}/`);
    expect(down).toMatchObject({ code: 0, err: '' });
    expect(await snapshot(join(work, 'real-dest'))).toEqual(await snapshot(join(work, 'dist')));

    await symlink(join(work, 'nowhere'), join(work, 'dangling'));
    const refused = await dg('cp', '--pack', 'build.tar', url, join(work, 'dangling'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /Cannot unpack into .*dangling: it is a symbolic link to nothing\. Nothing was written/,
    );
    expect(existsSync(join(work, 'nowhere'))).toBe(false);

    await writeFile(join(work, 'a-file'), 'mine\n');
    const onFile = await dg('cp', '--pack', 'build.tar', url, `${join(work, 'a-file')}/`);
    expect(onFile.code).toBe(1);
    expect(onFile.err).toMatch(
      /Cannot unpack into .*a-file: it is a file, not a directory\. Nothing was written\. Name a directory/,
    );
    expect(await readFile(join(work, 'a-file'), 'utf8')).toBe('mine\n');
  }, 60_000);

  it('refuses a --pack name that is not a plain .tar name', async () => {
    const result = await dg('cp', '--pack', '../x.tar', join(work, 'dist'), `s3://${bucket}/b/`);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      /--pack must be a file name ending in \.tar, such as build\.tar; got "\.\.\/x\.tar"/,
    );
  });
});

describe('purge', () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = await server.createBucket();
    const put = (key: string, metadata: Record<string, string>) =>
      raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'abc', Metadata: metadata }));
    await put('.deltaglider/tmp/aa_old.zip', { 'dg-expires-at': '2020-01-01T00:00:00+00:00' });
    await put('.deltaglider/tmp/bb_future.zip', { 'dg-expires-at': '2999-01-01T00:00:00+00:00' });
    await put('app/old.zip', { 'dg-expires-at': '2020-01-01T00:00:00+00:00' });
  });

  const keys = () => listKeys(raw, bucket);

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

  it('with --max, looks at that many copies and leaves the rest to a later run', async () => {
    const own = await server.createBucket();
    for (const name of ['a1', 'a2', 'a3']) {
      await raw.send(
        new PutObjectCommand({
          Bucket: own,
          Key: `.deltaglider/tmp/${name}_x.zip`,
          Body: 'abc',
          Metadata: { 'dg-expires-at': '2020-01-01T00:00:00+00:00' },
        }),
      );
    }

    const first = await dg('purge', '--max', '2', `s3://${own}`);
    expect(first.out).toMatch(/\nRemoved 2 expired copies \(6 bytes\); kept 0\n$/);
    expect(await listKeys(raw, own)).toEqual(['.deltaglider/tmp/a3_x.zip']);

    expect((await dg('purge', `s3://${own}`)).out).toMatch(/^delete: .*a3_x\.zip/);
    expect(await listKeys(raw, own)).toEqual([]);
    expect((await dg('purge', '--max', '0', `s3://${own}`)).err).toContain(
      '--max must be a whole number of at least 1, got "0"',
    );
  }, 60_000);
});
