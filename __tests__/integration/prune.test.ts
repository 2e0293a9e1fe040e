// prune against a real S3 server: old versions per family go, then the references no
// delta left needs; a writer racing the prune never loses its reference; the CLI's
// refusals and its --shard.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { sha256File, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { Pruner, type PruneDeps } from '../../src/core/lifecycle/prune.js';
import { selectSpaces } from '../../src/core/lifecycle/shard.js';
import type { DeltaSpace } from '../../src/core/models.js';
import { DEFAULT_REFERENCE_POLICY, SINGLE_REFERENCE } from '../../src/core/references/choose.js';
import { copyPrefix, listKeys } from '../helpers/bucket.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { recordingLogger, serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';
import { uploadTwoLines } from '../helpers/two-lines.js';
import { writeVersions } from '../helpers/versions.js';

const MIB = 1024 * 1024;

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let storage: S3Storage;
let work: string;
let bucket: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  storage = new S3Storage(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-prune-'));
}, 60_000);

beforeEach(async () => {
  bucket = await server.createBucket();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

afterAll(async () => {
  storage?.close();
  raw?.destroy();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function service(references = DEFAULT_REFERENCE_POLICY): Promise<ServiceFixture> {
  const fixture = await serviceOver(storage, { references });
  cleanups.push(() => fixture.cleanup());
  return fixture;
}

/**
 * uploadTwoLines (2 MiB files), once per suite into a bucket of its own; each test gets a
 * server-side copy in its bucket. Resolves to the local files by name (read only).
 */
async function twoLines(space: DeltaSpace): Promise<Map<string, string>> {
  twoLinesOnce ??= (async () => {
    const template = { bucket: await server.createBucket(), prefix: 'rel' };
    const rotating = await service({ ...DEFAULT_REFERENCE_POLICY, rotationRatio: 0 });
    const paths = await uploadTwoLines(
      join(work, 'two-lines'),
      template,
      2 * MIB,
      await service(),
      rotating,
    );
    return { bucket: template.bucket, paths };
  })();
  const template = await twoLinesOnce;
  await copyPrefix(raw, template.bucket, space.bucket, `${space.prefix}/`);
  return template.paths;
}
let twoLinesOnce: Promise<{ bucket: string; paths: Map<string, string> }> | undefined;

/**
 * twoLines, plus linux 4.0.0 (an edit of 1.0.0) and a writer with one reference per
 * space: it stores 4.0.0 as a delta against whatever reference.bin holds when it looks.
 */
async function raceFixture(space: DeltaSpace, seed: number) {
  const files = new Map(await twoLines(space));
  await mkdir(join(work, bucket), { recursive: true });
  const next = join(work, bucket, 'tool-4.0.0-linux.bin');
  await writeNextVersion(files.get('tool-1.0.0-linux.bin')!, next, { seed });
  files.set('tool-4.0.0-linux.bin', next);
  const writer = await service(SINGLE_REFERENCE);
  return {
    files,
    next,
    write: () => writer.service.uploads.upload(next, space, 'tool-4.0.0-linux.bin'),
  };
}

/** The sha256 that reference.bin of `rel/` declares now. */
async function rootSha(): Promise<string | undefined> {
  const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'rel/reference.bin' }));
  return head.Metadata?.['dg-file-sha256'];
}

const ALL_LEFT = ['tool-4.0.0-linux.bin', 'tool-3.0.0-linux.bin', 'tool-3.0.0-mac.bin'];

function pruner(extra: Partial<PruneDeps> = {}): Pruner {
  return new Pruner({
    storage,
    log: recordingLogger(),
    concurrency: 4,
    ...extra,
  });
}

/** `storage`, counting its single and batch deletes in `calls`. */
function counting(storage: S3Storage, calls: { delete: number; deleteMany: number }): S3Storage {
  return new Proxy(storage, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'delete' || prop === 'deleteMany') calls[prop]++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function pruneKeepLast(space: DeltaSpace, count: number, p = pruner(), dryRun = false) {
  const spaces = await selectSpaces(storage, [space], { recursive: false });
  const [result] = await p.prune(spaces, {
    rule: { kind: 'keep-last', count },
    dryRun,
    now: new Date(),
    referenceGraceSeconds: 0,
  });
  return result!;
}

/** Downloads with an empty cache (references come from the bucket) and compares sha256s. */
async function expectByteExact(space: DeltaSpace, files: Map<string, string>, names: string[]) {
  const reader = await service();
  const out = join(reader.dir, 'out');
  for (const name of names) {
    await reader.service.downloads.download(space, name, out);
    expect({ name, sha: await sha256File(join(out, name)) }).toEqual({
      name,
      sha: await sha256File(files.get(name)!),
    });
  }
}

async function sizesOf(prefix: string): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const key of await listKeys(raw, bucket, prefix)) {
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    sizes.set(key, head.ContentLength!);
  }
  return sizes;
}

describe('prune --keep-last', () => {
  it('removes old releases per family, then the references no delta left needs', async () => {
    const space = { bucket, prefix: 'rel' };
    const files = await twoLines(space);
    const before = await sizesOf('rel/');
    const refs = [...before.keys()].filter((k) => k.includes('/.dg-refs/'));
    expect(refs).toHaveLength(2);
    expect(before.has('rel/reference.bin')).toBe(true);

    const dry = await pruneKeepLast(space, 1, pruner(), true);
    expect(await sizesOf('rel/')).toEqual(before);
    const gone = [
      'rel/tool-1.0.0-linux.bin.delta',
      'rel/tool-1.0.0-mac.bin.delta',
      'rel/tool-2.0.0-linux.bin.delta',
      'rel/tool-2.0.0-mac.bin.delta',
    ];
    expect(dry.removedFiles.flatMap((f) => f.objects.map((o) => o.key)).sort()).toEqual(gone);
    // linux 1.0.0 made reference.bin; only linux 1.x and 2.x deltas were made against it.
    expect(dry.removedReferences.map((r) => r.key)).toEqual(['rel/reference.bin']);
    const freed = [...gone, 'rel/reference.bin'].reduce((sum, k) => sum + before.get(k)!, 0);
    expect(dry.freedBytes).toBe(freed);

    const calls = { delete: 0, deleteMany: 0 };
    const real = await pruneKeepLast(space, 1, pruner({ storage: counting(storage, calls) }));
    expect(real.freedBytes).toBe(freed);
    expect([real.revivedReferences, real.skippedReferences]).toEqual([[], []]);
    // One batch for the four files, one for the reference: no DELETE per object.
    expect(calls).toEqual({ delete: 0, deleteMany: 2 });
    expect(await listKeys(raw, bucket, 'rel/')).toEqual(
      [...before.keys()].filter((k) => !gone.includes(k) && k !== 'rel/reference.bin').sort(),
    );
    await expectByteExact(space, files, ['tool-3.0.0-linux.bin', 'tool-3.0.0-mac.bin']);

    // Nothing more to do: a second run removes nothing.
    const again = await pruneKeepLast(space, 1);
    expect(again.removedFiles).toEqual([]);
    expect(again.removedReferences).toEqual([]);
  }, 180_000);

  it('a writer that comes once reference.bin is marked stores direct, and it goes', async () => {
    const space = { bucket, prefix: 'rel' };
    const { files, write } = await raceFixture(space, 99);
    let kind = '';
    const racing = pruner({
      raceSeam: async (moment) => {
        if (moment === 'after-mark') kind = (await write()).kind;
      },
    });
    const result = await pruneKeepLast(space, 1, racing);
    expect(kind).toBe('direct');
    expect(result.removedReferences.map((r) => r.key)).toEqual(['rel/reference.bin']);
    expect(await storage.head(bucket, 'rel/reference.bin')).toBeUndefined();
    await expectByteExact(space, files, ALL_LEFT);
  }, 180_000);
});

describe('prune racing a writer, after deleting and before looking again', () => {
  it('leaves the reference a writer made meanwhile, and the old one goes', async () => {
    const space = { bucket, prefix: 'rel' };
    const { files, next, write } = await raceFixture(space, 98);
    // reference.bin is gone when the writer looks: it makes its file the new one.
    const racing = pruner({
      raceSeam: async (moment) => {
        if (moment === 'after-delete') await write();
      },
    });
    const result = await pruneKeepLast(space, 1, racing);
    expect([result.revivedReferences, result.skippedReferences]).toEqual([[], []]);
    expect(result.removedReferences.map((r) => r.key)).toEqual(['rel/reference.bin']);
    expect(await rootSha()).toBe(await sha256File(next));
    await expectByteExact(space, files, ALL_LEFT);
  }, 180_000);
});

describe('prune stopped midway', () => {
  it('after marking, before looking again: every reference is still there, and a re-run finishes', async () => {
    const space = { bucket, prefix: 'rel' };
    const files = await twoLines(space);
    const before = await listKeys(raw, bucket, 'rel/');
    const events: string[] = [];
    const failing = pruner({
      onEvent: (e) => events.push(e.kind === 'marked' ? `marked ${e.key}` : e.kind),
      raceSeam: async (moment) => {
        if (moment === 'after-mark') throw new Error('connection lost');
      },
    });
    await expect(pruneKeepLast(space, 1, failing)).rejects.toThrow('connection lost');
    expect(events).toContain('marked rel/reference.bin');
    expect(events[0]).toBe('space');
    // The old files are gone (they went first); every reference is there, one marked.
    const left = await listKeys(raw, bucket, 'rel/');
    expect(left.filter((k) => k.endsWith('reference.bin'))).toEqual(
      before.filter((k) => k.endsWith('reference.bin')),
    );
    const head = await raw.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'rel/reference.bin' }),
    );
    expect(head.Metadata?.['dg-retiring']).toMatch(/^\d{4}-.+Z [0-9a-f]{16}$/);
    await expectByteExact(space, files, ['tool-3.0.0-linux.bin', 'tool-3.0.0-mac.bin']);
    // A re-run finishes the job.
    const again = await pruneKeepLast(space, 1);
    expect(again.removedReferences.map((r) => r.key)).toEqual(['rel/reference.bin']);
  }, 180_000);
});

describe('the prune command line', () => {
  function dg(...args: string[]): Promise<CliRun> {
    return runCli(args, server.endpoint, join(work, 'cache', bucket));
  }

  it('says in one line what is wrong with its input', async () => {
    const space = `s3://${bucket}/rel/`;
    const files = await service();
    const [first] = await writeVersions(join(work, `${bucket}-cli`), ['a-1.bin'], 4096, 5);
    await files.service.uploads.upload(first!, { bucket, prefix: 'rel' }, 'a-1.bin');
    const cases: [string[], RegExp][] = [
      [['--keep-last', '0', '--yes', space], /--keep-last must be a whole number of at least 1/],
      [['--keep-last', '2', '--older-than', '3d', '--yes', space], /not both/],
      [['--yes', space], /prune needs --keep-last N or --older-than DURATION/],
      [['--older-than', 'soon', '--yes', space], /--older-than must be a duration/],
      [['--keep-last', '2', space], /needs --yes in a non-interactive run/],
      [['--keep-last', '2', '--yes', `s3://${bucket}/nothing-here/`], /holds no objects/],
      [['--keep-last', '2', '--yes', '--shard', '5/4', space], /--shard must be I\/N/],
    ];
    for (const [args, message] of cases) {
      const run = await dg('prune', ...args);
      expect({ args, code: run.code, lines: run.err.trim().split('\n').length }).toEqual({
        args,
        code: 1,
        lines: 1,
      });
      expect(run.err).toMatch(message);
    }
    expect(await listKeys(raw, bucket, 'rel/')).toEqual(['rel/a-1.bin']);
    const help = await dg('prune', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(
      /^Usage: deltaglider prune \(--keep-last N \| --older-than DURATION\)/,
    );
  }, 60_000);

  it('prints what goes, and --shard I/N over N jobs prunes every DeltaSpace exactly once', async () => {
    const writer = await service();
    const spaces = ['a', 'b', 'c', 'd', 'e'].map((p) => ({ bucket, prefix: `rel/${p}` }));
    for (const [i, space] of spaces.entries()) {
      const names = [`x-1.${i}.bin`, `x-2.${i}.bin`];
      const paths = await writeVersions(join(work, `${bucket}-${i}`), names, 64 * 1024, 40 + i);
      for (const [j, name] of names.entries())
        await writer.service.uploads.upload(paths[j]!, space, name);
    }
    const dry = await dg('prune', '--keep-last', '1', '--dryrun', '-r', `s3://${bucket}/rel/`);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`(dryrun) delete: s3://${bucket}/rel/c/x-1.2.bin\n`);
    expect(dry.out).toMatch(
      /\(dryrun\) prune: 5 files and 0 references removed from 5 DeltaSpaces, 5 files kept; would free /,
    );

    const one = await dg('prune', '--keep-last', '1', '--yes', `s3://${bucket}/rel/a/`);
    expect(one).toMatchObject({ code: 0, err: '' });
    expect(one.out).toMatch(
      new RegExp(
        `^delete: s3://${bucket}/rel/a/x-1\\.0\\.bin\n` +
          'prune: 1 file and 0 references removed from 1 DeltaSpace, 1 file kept; freed .+\n$',
      ),
    );

    const pruned: string[] = [];
    for (const shard of [1, 2, 3]) {
      const run = await dg(
        'prune',
        '--keep-last',
        '1',
        '--yes',
        '--json',
        '-r',
        '--shard',
        `${shard}/3`,
        '--reference-grace',
        '0s',
        `s3://${bucket}/rel/`,
      );
      expect(run.code).toBe(0);
      const json = JSON.parse(run.out || '{"results":[]}');
      for (const r of json.results) pruned.push(r['delta-space-url']);
    }
    expect(pruned.sort()).toEqual(spaces.map((s) => `s3://${bucket}/${s.prefix}/`));
    const left = await listKeys(raw, bucket, 'rel/');
    expect(left.filter((k) => !k.endsWith('reference.bin'))).toEqual(
      spaces.map((s, i) => `${s.prefix}/x-2.${i}.bin`).sort(),
    );
  }, 120_000);

  it('verify -r --shard I/N over N jobs checks every file exactly once', async () => {
    const writer = await service();
    const all: string[] = [];
    for (const p of ['a', 'b', 'c', 'd', 'e/f']) {
      const space = { bucket, prefix: `v/${p}` };
      const paths = await writeVersions(
        join(work, `${bucket}-v${all.length}`),
        ['y-1.bin', 'y-2.bin'],
        2048,
        7,
      );
      for (const path of paths) {
        const name = path.slice(path.lastIndexOf('/') + 1);
        await writer.service.uploads.upload(path, space, name);
        all.push(`s3://${bucket}/v/${p}/${name}`);
      }
    }
    const seen: string[] = [];
    for (const shard of [1, 2, 3]) {
      const run = await dg('verify', '--json', '-r', '--shard', `${shard}/3`, `s3://${bucket}/v/`);
      expect({
        code: run.code,
        err: run.err.replace(/^deltaglider: shard \d\/3 holds no .*\n$/, ''),
      }).toEqual({ code: 0, err: '' });
      for (const r of JSON.parse(run.out).results) seen.push(r.url);
    }
    expect(seen.sort()).toEqual(all.sort());
    const refused = await dg('verify', '--shard', '1/2', `s3://${bucket}/v/a/y-1.bin`);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--shard takes DeltaSpace URLs/);
  }, 120_000);
});
