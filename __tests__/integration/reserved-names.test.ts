// The format's reserved path segments (.dg-refs, .deltaglider) through the real commands
// against a real S3 server: uploads refuse them before storing anything, and what an
// older upload stored there is never taken for the format's own objects by rm, prune,
// rm -r, smart references, sync or verify -r.
import { jest } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { upload } from '../../src/action/transfer.js';
import type { ActionInputs } from '../../src/action/inputs.js';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { DeltaGliderError } from '../../src/core/errors.js';
import { parseS3Url } from '../../src/core/s3-url.js';
import { listKeys } from '../helpers/bucket.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { appOver } from '../helpers/engine.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const MB = 1024 * 1024;
const ID = '0123456789abcdef';

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let work: string;
let bucket: string;
let v1: string;
let v2: string;
let v3: string;

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-reserved-'));
  [v1, v2, v3] = ['app-1.0.0.bin', 'app-1.0.1.bin', 'app-1.0.2.bin'].map((n) => join(work, n)) as [
    string,
    string,
    string,
  ];
  await writeArtifact(v1, 2 * MB, 41);
  await writeNextVersion(v1, v2, { seed: 42 });
  await writeNextVersion(v2, v3, { seed: 43 });
  await writeFile(join(work, 'notes.txt'), 'release notes\n');
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

/** One line on stderr naming `path` and the reserved segment, exit 1. */
function expectRefused(run: CliRun, path: string, segment: string): void {
  expect(run.code).toBe(1);
  expect(run.err.trim().split('\n')).toHaveLength(1);
  expect(run.err).toContain(path);
  expect(run.err).toContain(`under "${segment}", a name the DeltaGlider format reserves`);
  expect(run.err).toContain('Nothing was uploaded');
}

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(work, 'tree-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/**
 * The bucket an older release left: `d/` holds app-1.0.0 (reference.bin + zero-diff
 * delta); `cp v2 s3://b/d/.dg-refs/<16 hex>/` made that folder a DeltaSpace of its own
 * (its reference.bin plus app-1.0.1.bin.delta), and a user file sits in `.dg-refs/build/`.
 * Written by today's upload into a neutral folder, then moved there with every metadata
 * value that names the folder rewritten, as the old upload would have written it.
 */
async function seedLegacyBucket(): Promise<void> {
  expect((await dg('cp', v1, `s3://${bucket}/d/`)).code).toBe(0);
  expect((await dg('cp', v2, `s3://${bucket}/d/legacy/${ID}/`)).code).toBe(0);
  expect((await dg('cp', join(work, 'notes.txt'), `s3://${bucket}/d/legacy/build/`)).code).toBe(0);
  const page = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'd/legacy/' }));
  for (const { Key } of page.Contents ?? []) {
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key }));
    const moved = (s: string) => s.replaceAll('d/legacy/', 'd/.dg-refs/');
    const metadata = Object.fromEntries(
      Object.entries(head.Metadata ?? {}).map(([k, v]) => [k, moved(v)]),
    );
    await raw.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: moved(Key!),
        CopySource: `${bucket}/${Key}`,
        Metadata: metadata,
        MetadataDirective: 'REPLACE',
      }),
    );
    await raw.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
  }
  expect(await listKeys(raw, bucket)).toEqual([
    `d/.dg-refs/${ID}/app-1.0.1.bin.delta`,
    `d/.dg-refs/${ID}/reference.bin`,
    'd/.dg-refs/build/notes.txt',
    'd/app-1.0.0.bin.delta',
    'd/reference.bin',
  ]);
}

describe('uploads refuse reserved path segments, storing nothing', () => {
  it('cp FILE to a key under .dg-refs/ or a case variant of .deltaglider/', async () => {
    expectRefused(
      await dg('cp', v2, `s3://${bucket}/d/.dg-refs/${ID}/`),
      `d/.dg-refs/${ID}/app-1.0.1.bin`,
      '.dg-refs',
    );
    // A Windows or macOS checkout makes .DeltaGlider and .deltaglider one folder.
    expectRefused(
      await dg('cp', v2, `s3://${bucket}/d/.DeltaGlider/app.bin`),
      'd/.DeltaGlider/app.bin',
      '.DeltaGlider',
    );
    // A packed directory: the tar's key is what counts.
    const dir = await tree({ 'a.txt': 'first\n' });
    expectRefused(
      await dg('cp', '--pack', 'build.tar', dir, `s3://${bucket}/d/.dg-refs/`),
      'd/.dg-refs/build.tar',
      '.dg-refs',
    );
    expect(await listKeys(raw, bucket)).toEqual([]);
  });

  it('cp -r and sync check the whole tree first', async () => {
    const dir = await tree({
      'a.txt': 'first\n',
      'b/.deltaglider/cache.json': '{}\n',
      'c/.dg-refs/x.txt': 'x\n',
    });
    expectRefused(
      await dg('cp', '-r', dir, `s3://${bucket}/rel/`),
      'rel/b/.deltaglider/cache.json',
      '.deltaglider',
    );
    const sync = await dg('sync', dir, `s3://${bucket}/rel/`);
    expectRefused(sync, 'b/.deltaglider/cache.json', '.deltaglider');
    expect(sync.err).toContain('(and 1 more)');
    expect(await listKeys(raw, bucket)).toEqual([]);
    // Left out with the filters the hint names, the rest goes up.
    const filtered = await dg(
      'sync',
      '--exclude',
      '*.dg-refs/*',
      '--exclude',
      '*.deltaglider/*',
      dir,
      `s3://${bucket}/rel/`,
    );
    expect(filtered).toMatchObject({ code: 0, err: '' });
    expect(await listKeys(raw, bucket)).toEqual(['rel/a.txt']);
  });

  it('migrate refuses a key whose migrated form would be reserved, and skips .deltaglider/', async () => {
    for (const key of ['old/app.txt', 'old/.deltaglider/cache.json', 'old/lib/.DG-Refs/x.txt'])
      await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    const run = await dg('migrate', `s3://${bucket}/old/`, `s3://${bucket}/rel/`);
    expect(run.code).toBe(1);
    expect(run.err.trim().split('\n')).toHaveLength(1);
    expect(run.err).toContain(
      `cannot be file names in a DeltaSpace ("s3://${bucket}/old/lib/.DG-Refs/x.txt")`,
    );
    expect(await listKeys(raw, bucket, 'rel/')).toEqual([]);
  });

  it("the action's upload: an s3-url under .dg-refs/", async () => {
    // The action reports through @actions/core on stdout: keep a green run quiet.
    const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const app = appOver(server.endpoint, work, join(work, 'cache', bucket));
    const inputs = {
      paths: [v1, v2],
      s3Url: parseS3Url(`s3://${bucket}/d/.dg-refs/${ID}/`),
      ifNoFilesFound: 'error',
    } as unknown as ActionInputs;
    try {
      const refused = await upload(app, inputs).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DeltaGliderError);
      expect((refused as DeltaGliderError).code).toBe('reserved-name');
      expect((refused as DeltaGliderError).message).toContain('(and 1 more)');
      expect(await listKeys(raw, bucket)).toEqual([]);
    } finally {
      quiet.mockRestore();
      await app.close();
    }
  });
});

describe('what an older upload stored under .dg-refs/ is never taken for the format', () => {
  it('rm of such a file keeps the folder reference.bin, which a delta of d may use', async () => {
    await seedLegacyBucket();
    const removed = await dg('rm', `s3://${bucket}/d/.dg-refs/${ID}/app-1.0.1.bin`);
    expect(removed).toMatchObject({ code: 0, err: '' });
    expect(await listKeys(raw, bucket, 'd/.dg-refs/')).toEqual([
      `d/.dg-refs/${ID}/reference.bin`,
      'd/.dg-refs/build/notes.txt',
    ]);
  });

  it('prune keeps the reference.bin of a folder under .dg-refs/ that holds files', async () => {
    await seedLegacyBucket();
    const before = await listKeys(raw, bucket);
    const pruned = await dg(
      'prune',
      '--keep-last',
      '5',
      '--reference-grace',
      '0s',
      '--yes',
      `s3://${bucket}/d/`,
    );
    expect(pruned.code).toBe(0);
    expect(await listKeys(raw, bucket)).toEqual(before);
  });

  it('verify -r fails, and counts them, when files under .dg-refs/ do not rebuild', async () => {
    await seedLegacyBucket();
    const healthy = await dg('verify', '-r', `s3://${bucket}/d/`);
    expect(healthy.code).toBe(0);
    expect(healthy.out).toMatch(/\n3 ok, 0 failed\n$/);
    expect(healthy.err).toContain('2 folder(s) under a reserved ".dg-refs/" hold files');
    await raw.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: `d/.dg-refs/${ID}/reference.bin` }),
    );
    const broken = await dg('verify', '-r', `s3://${bucket}/d/`);
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/\n2 ok, 1 failed\n$/);
    expect(broken.out).toContain(`s3://${bucket}/d/.dg-refs/${ID}/app-1.0.1.bin`);
    expect(broken.err).toContain('1 of 3 file(s) failed verification');
  });

  it('ls lists only the files of d: nothing under .dg-refs/, no object named .deltaglider', async () => {
    await seedLegacyBucket();
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'd/.deltaglider', Body: '{}' }));
    const listed = await dg('ls', '--json', `s3://${bucket}/d/`);
    expect(listed.code).toBe(0);
    const names = (JSON.parse(listed.out) as { results: { name: string }[] }).results.map(
      (f) => f.name,
    );
    expect(names).toEqual(['app-1.0.0.bin']);
    expect(listed.out).not.toContain('.dg-refs');
  });

  it('rm -r of d deletes only its files and references', async () => {
    await seedLegacyBucket();
    const dry = await dg('rm', '-r', '--dryrun', `s3://${bucket}/d/`);
    expect(dry.out).toBe(
      ['d/app-1.0.0.bin.delta', 'd/reference.bin']
        .map((k) => `(dryrun) delete: s3://${bucket}/${k}\n`)
        .join(''),
    );
  });

  it('a smart-references upload never makes such a folder its reference', async () => {
    await seedLegacyBucket();
    expect((await dg('cp', v3, `s3://${bucket}/d/`)).code).toBe(0);
    const keys = await listKeys(raw, bucket, 'd/');
    const head = await raw.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'd/app-1.0.2.bin.delta' }),
    );
    expect(head.Metadata?.['dg-ref-key']).not.toContain('.dg-refs/0123');
    expect(keys.filter((k) => k.startsWith(`d/.dg-refs/${ID}/`))).toHaveLength(2);
  });

  it('sync down neither writes nor deletes local paths under reserved segments', async () => {
    await seedLegacyBucket();
    const dir = await tree({
      '.deltaglider/settings.json': 'local\n',
      'x/.dg-refs/keep.bin': 'local\n',
      'stale.txt': 'gone after the sync\n',
    });
    const synced = await dg('sync', '--delete', '--yes', `s3://${bucket}/d/`, dir);
    expect(synced.code).toBe(0);
    expect(synced.out).toMatch(/sync: 1 downloaded, 1 deleted, 0 unchanged\n$/);
    expect((await readFile(join(dir, 'app-1.0.0.bin'))).equals(await readFile(v1))).toBe(true);
    expect(await readFile(join(dir, '.deltaglider/settings.json'), 'utf8')).toBe('local\n');
    expect(await readFile(join(dir, 'x/.dg-refs/keep.bin'), 'utf8')).toBe('local\n');
    await expect(readFile(join(dir, 'stale.txt'))).rejects.toThrow();
    await expect(readFile(join(dir, `.dg-refs/${ID}/app-1.0.1.bin`))).rejects.toThrow();
  });
});
