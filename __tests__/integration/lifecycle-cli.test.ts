// sync, migrate and rm -r through the CLI against a real S3 server on loopback.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { listKeys } from '../helpers/bucket.js';
import { FaultProxy, uploadOf } from '../helpers/fault-proxy.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { expectSameBytes, expectSameFile } from '../helpers/same-bytes.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const MB = 1024 * 1024;

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let work: string;
let bucket: string;
let v1: string;
let v2: string;

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-lifecycle-'));
  v1 = join(work, 'v1.bin');
  v2 = join(work, 'v2.bin');
  await writeArtifact(v1, 2 * MB, 31);
  await writeNextVersion(v1, v2, { seed: 32 });
}, 60_000);

beforeEach(async () => {
  bucket = await server.createBucket();
});

afterAll(async () => {
  raw?.destroy();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function dg(...args: string[]): Promise<CliRun> {
  return runCli(args, server.endpoint, join(work, 'cache', bucket));
}

async function put(key: string, body: Buffer | string): Promise<void> {
  await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** A fresh local tree: app/app-1.bin, app/app-2.bin, lib/x.txt, notes.txt. */
async function localTree(): Promise<string> {
  const dir = await mkdtemp(join(work, 'tree-'));
  await mkdir(join(dir, 'app'));
  await mkdir(join(dir, 'lib'));
  await cp(v1, join(dir, 'app', 'app-1.bin'));
  await cp(v2, join(dir, 'app', 'app-2.bin'));
  await writeFile(join(dir, 'lib', 'x.txt'), 'library\n');
  await writeFile(join(dir, 'notes.txt'), 'notes\n');
  return dir;
}

describe('sync LOCAL_DIR S3', () => {
  it('uploads what differs, by sha256; deletes with --yes only; leaves excluded paths alone', async () => {
    const dir = await localTree();
    const url = `s3://${bucket}/rel/`;
    const first = await dg('sync', dir, url);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toContain(
      `upload: ${join(dir, 'app', 'app-2.bin')} -> s3://${bucket}/rel/app/app-2.bin`,
    );
    expect(first.out).toMatch(/sync: 4 uploaded, 0 deleted, 0 unchanged\n$/);
    expect(await listKeys(raw, bucket, 'rel/')).toEqual([
      'rel/app/app-1.bin.delta',
      'rel/app/app-2.bin.delta',
      'rel/app/reference.bin',
      'rel/lib/x.txt',
      'rel/notes.txt',
    ]);

    expect((await dg('sync', dir, url)).out).toBe('sync: 0 uploaded, 0 deleted, 4 unchanged\n');

    // Same size, other bytes: only the sha256 tells.
    const edited = await readFile(join(dir, 'notes.txt'));
    edited[0] = 'N'.charCodeAt(0);
    await writeFile(join(dir, 'notes.txt'), edited);
    await rm(join(dir, 'lib'), { recursive: true });
    await writeFile(join(dir, 'new.log'), 'log\n');

    const refused = await dg('sync', '--delete', dir, url);
    expect(refused.code).toBe(1);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toContain('--delete needs --yes');

    const dry = await dg('sync', '--dryrun', '--delete', '--exclude', '*.log', dir, url);
    expect(dry.out).toBe(
      `(dryrun) upload: ${join(dir, 'notes.txt')} -> s3://${bucket}/rel/notes.txt\n` +
        `(dryrun) delete: s3://${bucket}/rel/lib/x.txt\n` +
        '(dryrun) sync: 1 uploaded, 1 deleted, 2 unchanged\n',
    );
    expect(await listKeys(raw, bucket, 'rel/lib/')).toEqual(['rel/lib/x.txt']);

    const real = await dg('sync', '--delete', '--yes', '--quiet', '--exclude', '*.log', dir, url);
    expect(real).toEqual({ code: 0, out: '', err: '' });
    const keys = await listKeys(raw, bucket, 'rel/');
    expect(keys).not.toContain('rel/lib/x.txt');
    expect(keys).not.toContain('rel/new.log');

    const back = join(work, `back-${bucket}`);
    expect((await dg('cp', `s3://${bucket}/rel/notes.txt`, join(back, 'notes.txt'))).code).toBe(0);
    expectSameBytes(await readFile(join(back, 'notes.txt')), edited);
  });

  it('refuses, before writing, a file name a DeltaSpace cannot hold', async () => {
    const dir = await localTree();
    await writeFile(join(dir, 'reference.bin'), 'mine');
    const run = await dg('sync', dir, `s3://${bucket}/rel/`);
    expect(run.code).toBe(1);
    expect(run.err).toContain('"reference.bin" cannot be stored');
    expect(await listKeys(raw, bucket)).toEqual([]);
    expect((await dg('sync', '--exclude', 'reference.bin', dir, `s3://${bucket}/rel/`)).code).toBe(
      0,
    );
  });
});

describe('sync S3 LOCAL_DIR', () => {
  it('downloads what differs byte-exact, compares plain objects by size, deletes local extras', async () => {
    const src = await localTree();
    expect((await dg('sync', src, `s3://${bucket}/rel/`)).code).toBe(0);
    await put('rel/plain.dat', 'plain bytes');
    const dest = join(work, `mirror-${bucket}`);

    const first = await dg('sync', `s3://${bucket}/rel/`, dest);
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(first.out).toMatch(/sync: 5 downloaded, 0 deleted, 0 unchanged\n$/);
    for (const path of ['app/app-1.bin', 'app/app-2.bin', 'lib/x.txt', 'notes.txt']) {
      await expectSameFile(join(dest, path), join(src, path));
    }
    expect(await readFile(join(dest, 'plain.dat'), 'utf8')).toBe('plain bytes');

    // A plain object records no sha256: same size counts as the same file, as aws s3 sync.
    await writeFile(join(dest, 'plain.dat'), 'PLAIN BYTES');
    await writeFile(join(dest, 'notes.txt'), 'Notes\n');
    await writeFile(join(dest, 'extra.txt'), 'extra');
    const second = await dg('sync', '--delete', '--yes', `s3://${bucket}/rel/`, dest);
    expect(second.out).toBe(
      `download: s3://${bucket}/rel/notes.txt -> ${join(dest, 'notes.txt')}\n` +
        `delete: ${join(dest, 'extra.txt')}\n` +
        'sync: 1 downloaded, 1 deleted, 4 unchanged\n',
    );
    expect(await readFile(join(dest, 'notes.txt'), 'utf8')).toBe('notes\n');
    expect(await readFile(join(dest, 'plain.dat'), 'utf8')).toBe('PLAIN BYTES');
    expect(existsSync(join(dest, 'extra.txt'))).toBe(false);

    // A mistyped prefix is an error, not an order to delete every local file.
    const typo = await dg('sync', '--delete', '--yes', `s3://${bucket}/rell/`, dest);
    expect(typo.code).toBe(1);
    expect(typo.err.trim().split('\n')).toHaveLength(1);
    expect(typo.err).toContain(`no files under s3://${bucket}/rell/`);
    expect(await readFile(join(dest, 'notes.txt'), 'utf8')).toBe('notes\n');
  });

  it('never writes outside LOCAL_DIR: ".." folders are skipped, linked folders refused', async () => {
    await put('rel/ok.txt', 'ok');
    await put('rel/../escape.txt', 'escaped');
    await put('rel/out/x.txt', 'through a link');
    await put('rel/out/deeper/y.txt', 'a folder created through a link');
    const dest = join(work, `safe-${bucket}`, 'inner');
    const outside = join(work, `outside-${bucket}`);
    await mkdir(outside, { recursive: true });
    await mkdir(dest, { recursive: true });
    await symlink(outside, join(dest, 'out'));

    const run = await dg('sync', `s3://${bucket}/rel/`, dest);
    expect(run.err).toContain('Skipping "s3://');
    expect(run.err).toContain('relative path segment');
    expect(run.code).toBe(1);
    expect(run.err).toContain('leads outside');
    expect(existsSync(join(work, `safe-${bucket}`, 'escape.txt'))).toBe(false);
    expect(existsSync(join(outside, 'x.txt'))).toBe(false);
    expect(existsSync(join(outside, 'deeper'))).toBe(false);
  });
});

describe('migrate', () => {
  async function seedSource() {
    // Named so that only version-aware order puts app-1.9 (v1) before app-1.10 (v2).
    await put('old/app-1.10.bin', await readFile(v2));
    await put('old/app-1.9.bin', await readFile(v1));
    await put('old/lib/x.txt', 'library\n');
  }

  it('stores plain objects in release order, verified, resumable, and deletes sources only after', async () => {
    await seedSource();
    const dry = await dg('migrate', '--dryrun', `s3://${bucket}/old/`, `s3://${bucket}/rel/app/`);
    expect(dry.out.split('\n').slice(0, 3)).toEqual([
      `(dryrun) migrate: s3://${bucket}/old/app-1.9.bin -> s3://${bucket}/rel/app/app-1.9.bin (2.0 MiB)`,
      `(dryrun) migrate: s3://${bucket}/old/app-1.10.bin -> s3://${bucket}/rel/app/app-1.10.bin (2.0 MiB)`,
      `(dryrun) migrate: s3://${bucket}/old/lib/x.txt -> s3://${bucket}/rel/app/lib/x.txt (8 B)`,
    ]);
    expect(await listKeys(raw, bucket, 'rel/')).toEqual([]);

    const first = await dg('migrate', '--json', `s3://${bucket}/old/`, `s3://${bucket}/rel/app/`);
    expect(first).toMatchObject({ code: 0, err: '' });
    const report = JSON.parse(first.out);
    expect(report.results.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual(
      [
        ['app-1.9.bin', 'migrated'],
        ['app-1.10.bin', 'migrated'],
        ['x.txt', 'migrated'],
      ],
    );
    // The second release is a small delta against the first (the reference).
    expect(report.results[1]['stored-bytes']).toBeLessThan(
      report.results[1]['original-bytes'] / 20,
    );
    expect(await listKeys(raw, bucket, 'rel/')).toEqual([
      'rel/app/app-1.10.bin.delta',
      'rel/app/app-1.9.bin.delta',
      'rel/app/lib/x.txt',
      'rel/app/reference.bin',
    ]);
    // The reference is the oldest release.
    const refBack = join(work, `ref-${bucket}.bin`);
    expect((await dg('cp', `s3://${bucket}/rel/app/app-1.10.bin`, refBack)).code).toBe(0);
    await expectSameFile(refBack, v2);

    const again = await dg(
      'migrate',
      '--delete-source',
      `s3://${bucket}/old/`,
      `s3://${bucket}/rel/app/`,
    );
    expect(again).toMatchObject({ code: 0, err: '' });
    expect(again.out).toContain(
      `[1/3] migrate: s3://${bucket}/old/app-1.9.bin -> s3://${bucket}/rel/app/app-1.9.bin (already migrated, source deleted)`,
    );
    expect(await listKeys(raw, bucket, 'old/')).toEqual([]);
    expect(await listKeys(raw, bucket, 'rel/')).toHaveLength(4);
  });

  it('stopped by a failure, leaves each object migrated and verified or untouched; a re-run finishes', async () => {
    await seedSource();
    const proxy = await FaultProxy.start(server.endpoint);
    try {
      proxy.failNext(Number.POSITIVE_INFINITY, {
        status: 403,
        code: 'AccessDenied',
        message: 'Access Denied',
        match: uploadOf('rel/app/app-1.10.bin.delta'),
      });
      const args = ['migrate', '--delete-source', '--concurrency', '1'];
      const failed = await runCli(
        [...args, `s3://${bucket}/old/`, `s3://${bucket}/rel/app/`],
        proxy.endpoint,
        join(work, 'cache', bucket),
      );
      expect(failed.code).toBe(1);
      expect(failed.err).toContain('access denied: PutObject');
    } finally {
      await proxy.stop();
    }
    // The first release went all the way; the failed one and the ones after it are untouched.
    expect(await listKeys(raw, bucket, 'old/')).toEqual(['old/app-1.10.bin', 'old/lib/x.txt']);
    expect(await listKeys(raw, bucket, 'rel/')).toEqual([
      'rel/app/app-1.9.bin.delta',
      'rel/app/reference.bin',
    ]);

    const rerun = await dg(
      'migrate',
      '--delete-source',
      `s3://${bucket}/old/`,
      `s3://${bucket}/rel/app/`,
    );
    expect(rerun).toMatchObject({ code: 0, err: '' });
    expect(await listKeys(raw, bucket, 'old/')).toEqual([]);
    const back = join(work, `resumed-${bucket}`);
    expect((await dg('cp', '-r', `s3://${bucket}/rel/app/`, back)).code).toBe(0);
    await expectSameFile(join(back, 'app-1.10.bin'), v2);
    await expectSameFile(join(back, 'app-1.9.bin'), v1);
    expect(await readFile(join(back, 'lib', 'x.txt'), 'utf8')).toBe('library\n');
  });

  it('--dryrun predicts the stored bytes from a sample, close to what the run stores', async () => {
    // Six releases, each the next version of the one before, and a small text file.
    let previous = v1;
    for (let i = 1; i <= 6; i++) {
      const path = join(work, `chain-${i}.bin`);
      if (i === 1) await cp(v1, path);
      else await writeNextVersion(previous, path, { seed: 40 + i });
      await put(`src/app-${i}.bin`, await readFile(path));
      previous = path;
    }
    await put('src/notes.txt', 'notes\n'.repeat(100));
    const dry = await dg(
      'migrate',
      '--dryrun',
      '--json',
      '--sample',
      '2',
      `s3://${bucket}/src/`,
      `s3://${bucket}/dst/`,
    );
    const predicted = JSON.parse(dry.out);
    expect(predicted.sampled).toBe(3);
    expect(await listKeys(raw, bucket, 'dst/')).toEqual([]);

    expect((await dg('migrate', `s3://${bucket}/src/`, `s3://${bucket}/dst/`)).code).toBe(0);
    const page = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dst/' }));
    const actual = (page.Contents ?? []).reduce((sum, o) => sum + o.Size!, 0);
    const sources = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'src/' }));
    expect(predicted['original-bytes']).toBe(
      (sources.Contents ?? []).reduce((sum, o) => sum + o.Size!, 0),
    );
    // The reference dominates; the deltas' share is what sampling estimates.
    expect(Math.abs(predicted['predicted-bytes'] - actual) / actual).toBeLessThan(0.1);
  });

  it('--shard I/N: two jobs share the DeltaSpaces, none twice, all once', async () => {
    const dirs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const d of dirs) await put(`old/${d}/x.txt`, `file in ${d}\n`);
    const migrated: string[][] = [];
    for (const shard of ['1/2', '2/2']) {
      const run = await dg(
        'migrate',
        '--json',
        '--shard',
        shard,
        `s3://${bucket}/old/`,
        `s3://${bucket}/new/`,
      );
      expect(run.code).toBe(0);
      migrated.push(JSON.parse(run.out).results.map((r: { source: string }) => r.source));
    }
    expect(migrated[0]!.length).toBeGreaterThan(0);
    expect(migrated[1]!.length).toBeGreaterThan(0);
    expect([...migrated[0]!, ...migrated[1]!].sort()).toEqual(
      dirs.map((d) => `s3://${bucket}/old/${d}/x.txt`),
    );
    expect(await listKeys(raw, bucket, 'new/')).toEqual(dirs.map((d) => `new/${d}/x.txt`));
  });

  it('says in one line what is wrong with its input', async () => {
    await seedSource();
    const oneLine = async (args: string[], text: string) => {
      const run = await dg('migrate', ...args);
      expect(run.code).toBe(1);
      expect(run.err.trim().split('\n')).toHaveLength(1);
      expect(run.err).toContain(text);
    };
    await oneLine([`s3://${bucket}/nothing/`, `s3://${bucket}/rel/`], 'Nothing to migrate');
    await oneLine([`s3://${bucket}/old/`, `s3://${bucket}/old/packed/`], 'overlap');
    await oneLine([`s3://${bucket}/old/`, `s3://${bucket}/`], 'overlap');
    await oneLine(['old/', `s3://${bucket}/rel/`], 'is not an s3:// URL');
    expect((await dg('migrate', `s3://${bucket}/old/`, `s3://${bucket}/rel/`)).code).toBe(0);
    await oneLine(
      [`s3://${bucket}/rel/`, `s3://${bucket}/again/`],
      'already holds DeltaGlider objects',
    );
  });
});

describe('rm -r', () => {
  it('removes one DeltaSpace with its references, leaving deeper and sibling spaces', async () => {
    const dir = await localTree();
    expect((await dg('sync', dir, `s3://${bucket}/rel/`)).code).toBe(0);
    expect((await dg('cp', v1, `s3://${bucket}/rel/app2/`)).code).toBe(0);
    // An extra reference as DeltaGlider writes one: its sha256 in its metadata.
    const another = 'another reference';
    await raw.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'rel/app/.dg-refs/0123456789abcdef/reference.bin',
        Body: another,
        Metadata: { 'dg-file-sha256': createHash('sha256').update(another).digest('hex') },
      }),
    );
    const before = await listKeys(raw, bucket);

    const dry = await dg('rm', '-r', '--dryrun', `s3://${bucket}/rel/app/`);
    expect(dry.out).toBe(
      [
        'rel/app/app-1.bin.delta',
        'rel/app/app-2.bin.delta',
        'rel/app/.dg-refs/0123456789abcdef/reference.bin',
        'rel/app/reference.bin',
      ]
        .map((k) => `(dryrun) delete: s3://${bucket}/${k}\n`)
        .join(''),
    );
    expect(await listKeys(raw, bucket)).toEqual(before);

    expect((await dg('rm', '-r', `s3://${bucket}/rel/app/`)).code).toBe(0);
    expect(await listKeys(raw, bucket)).toEqual([
      'rel/app2/reference.bin',
      'rel/app2/v1.bin.delta',
      'rel/lib/x.txt',
      'rel/notes.txt',
    ]);
    const empty = await dg('rm', '-r', `s3://${bucket}/rel/app/`);
    expect(empty.code).toBe(1);
    expect(empty.err).toContain('holds no objects');
  });
});
