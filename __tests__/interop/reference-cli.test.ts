// Interoperability with the reference DeltaGlider CLI (Python, v6.1.2), both ways, on
// one local S3: each file must come back byte-exact, both `ls` must show the same
// logical names (never reference.bin), and both `stats` the same totals. Our side runs
// as users run it: the CLI bundle (dist/cli) and the action bundle (dist/main).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction } from '../../scripts/lib/run-action.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import {
  s3TestOptions,
  sseUnsupported,
  startS3Server,
  type S3TestServer,
} from '../helpers/s3-server.js';
import {
  ok,
  oracleUnavailable,
  ourTotals,
  ROOT,
  runOurs,
  runTheirs,
  theirNames,
  theirTotals,
  type BucketTotals,
} from './oracle.js';
import { skipNote } from '../helpers/skip-note.js';
import { runCli } from '../helpers/cli.js';

const MIB = 1024 * 1024;
const unavailable = oracleUnavailable();
if (unavailable) skipNote(`the reference CLI interop tests: ${unavailable}`);
const noSse = sseUnsupported();
if (noSse && !unavailable) skipNote(`the reference CLI reading SSE objects: ${noSse}`);
const describeOracle = unavailable ? describe.skip : describe;

let server: S3TestServer;
let work: string;
/** Fixtures: two versions of a binary, a checksum, a text file, a non-ASCII name. */
let inDir: string;

beforeAll(async () => {
  if (unavailable) return;
  server = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'dg-interop-'));
  inDir = join(work, 'in');
  await mkdir(inDir);
  await writeArtifact(join(inDir, 'app-1.zip'), 2 * MIB, 31);
  await writeNextVersion(join(inDir, 'app-1.zip'), join(inDir, 'app-2.zip'), { seed: 32 });
  await writeNextVersion(join(inDir, 'app-1.zip'), join(inDir, 'grüße-3.zip'), { seed: 33 });
  const sha = await sha256File(join(inDir, 'app-2.zip'));
  await writeFile(join(inDir, 'app-2.zip.sha256'), `${sha}  app-2.zip\n`);
  await writeFile(join(inDir, 'notes.txt'), 'Release notes: fixed everything.\n'.repeat(40));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The general fixture set, in upload order (the first becomes the reference). */
const GENERAL = ['app-1.zip', 'app-2.zip', 'app-2.zip.sha256', 'notes.txt', 'grüße-3.zip'];
/** The reference CLI cannot upload a non-ASCII name (boto3 refuses it in dg-original-name). */
const ASCII = GENERAL.filter((name) => /^[\x20-\x7e]+$/.test(name));

async function expectSameBytes(dir: string, names: readonly string[], from = inDir) {
  for (const name of names) {
    expect({ name, sha: await sha256File(join(dir, name)) }).toEqual({
      name,
      sha: await sha256File(join(from, name)),
    });
  }
}

/** Both tools list the same logical names for a DeltaSpace, and never reference.bin. */
async function expectSameListing(bucket: string, prefix: string, names: readonly string[]) {
  const url = `s3://${bucket}/${prefix}`;
  const ours = JSON.parse(
    ok(await runOurs(server.endpoint, ['ls', '--json', url]), 'our ls').stdout,
  );
  const ourNames = (ours.results as { name: string }[]).map((r) => r.name).sort();
  const theirs = theirNames(ok(await runTheirs(server.endpoint, ['ls', url]), 'their ls').stdout);
  expect(ourNames).toEqual([...names].sort());
  expect(theirs).toEqual([...names].sort());
}

/** Both `stats` commands agree on a whole bucket (theirs in its exact, --detailed mode). */
async function expectSameStats(bucket: string): Promise<BucketTotals> {
  const ours = ourTotals(
    ok(await runOurs(server.endpoint, ['stats', '--json', `s3://${bucket}/`]), 'our stats').stdout,
  );
  const theirs = theirTotals(
    ok(
      await runTheirs(server.endpoint, ['stats', '--json', '--detailed', '--no-cache', bucket]),
      'their stats',
    ).stdout,
  );
  expect(ours).toEqual(theirs);
  return ours;
}

async function keysOf(bucket: string, prefix: string): Promise<string[]> {
  const raw = createS3Client(s3TestOptions(server.endpoint));
  try {
    const page = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    raw.destroy();
  }
}

async function theyUpload(bucket: string, prefix: string, files: readonly string[], from = inDir) {
  for (const name of files) {
    ok(
      await runTheirs(server.endpoint, ['cp', join(from, name), `s3://${bucket}/${prefix}${name}`]),
      `their cp ${name}`,
    );
  }
}

async function weUpload(bucket: string, prefix: string, files: readonly string[], from = inDir) {
  for (const name of files) {
    ok(
      await runOurs(server.endpoint, ['cp', join(from, name), `s3://${bucket}/${prefix}`]),
      `our cp ${name}`,
    );
  }
}

async function theyDownload(bucket: string, prefix: string, names: readonly string[]) {
  const out = await mkdtemp(join(work, 'theirs-'));
  await Promise.all(
    names.map(async (name) =>
      ok(
        await runTheirs(server.endpoint, [
          'cp',
          `s3://${bucket}/${prefix}${name}`,
          join(out, name),
        ]),
        `their download of ${name}`,
      ),
    ),
  );
  return out;
}

describeOracle('the reference CLI writes, we read', () => {
  it('a reference with its zero-diff first version, a delta and direct objects', async () => {
    const bucket = await server.createBucket();
    await theyUpload(bucket, 'app/', ASCII);
    const nonAscii = await runTheirs(server.endpoint, [
      'cp',
      join(inDir, 'grüße-3.zip'),
      `s3://${bucket}/app/`,
    ]);
    expect(nonAscii).toMatchObject({ status: 1, stderr: expect.stringMatching(/Non ascii/i) });

    const out = join(work, 'ours-general');
    ok(await runOurs(server.endpoint, ['cp', '-r', `s3://${bucket}/app/`, out]), 'our cp -r');
    await expectSameBytes(out, ASCII);
    await expectSameListing(bucket, 'app/', ASCII);
    const totals = await expectSameStats(bucket);
    expect(totals.files).toBe(ASCII.length);
  }, 180_000);

  it('gzip, bzip2 and xz files it delta-encoded through xdelta3’s own decompression', async () => {
    // Its xdelta3 runs without -D: the delta records that the source and target were
    // gzip/bzip2/xz and must be recompressed on decode (app-header.ts).
    const bucket = await server.createBucket();
    const families = await compressedVersions();
    // One after the other: the reference CLI names its scratch file after the input minus
    // its last extension (data-1.bin.encrypted.tmp beside data-1.bin.gz and .xz alike), so
    // side-by-side uploads from one folder race on that file.
    for (const [prefix, names] of families) await theyUpload(bucket, prefix, names);

    const out = join(work, 'ours-compressed');
    ok(await runOurs(server.endpoint, ['cp', '-r', `s3://${bucket}/`, out]), 'our cp -r');
    for (const [prefix, names] of families) await expectSameBytes(join(out, prefix), names);
    const totals = await expectSameStats(bucket);
    expect(totals.files).toBe(8);
  }, 240_000);
});

describeOracle('we write, the reference CLI reads', () => {
  it('a reference with its zero-diff first version, a delta, direct objects and a non-ASCII name', async () => {
    const bucket = await server.createBucket();
    await weUpload(bucket, 'app/', GENERAL);

    const out = await theyDownload(bucket, 'app/', GENERAL);
    await expectSameBytes(out, GENERAL);
    await expectSameListing(bucket, 'app/', GENERAL);
    const totals = await expectSameStats(bucket);
    expect(totals.files).toBe(GENERAL.length);
  }, 180_000);

  (noSse ? it.skip : it)(
    'objects written with server-side encryption (the action bundle, sse: AES256)',
    async () => {
      const bucket = await server.createBucket();
      const job = await newJob(work);
      for (const name of ['app-1.zip', 'app-2.zip']) {
        await writeFile(join(job.workspace, name), await readFile(join(inDir, name)));
        const run = await runAction(
          'main',
          {
            path: name,
            's3-url': `s3://${bucket}/sse/`,
            'endpoint-url': server.endpoint,
            sse: 'AES256',
            cache: 'false',
            summary: 'false',
          },
          { runner: job, env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } },
        );
        expect({ name, code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
      }
      const raw = createS3Client(s3TestOptions(server.endpoint));
      try {
        for (const key of ['sse/reference.bin', 'sse/app-2.zip.delta']) {
          const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
          expect({ key, sse: head.ServerSideEncryption }).toEqual({ key, sse: 'AES256' });
        }
      } finally {
        raw.destroy();
      }
      const out = await theyDownload(bucket, 'sse/', ['app-1.zip', 'app-2.zip']);
      await expectSameBytes(out, ['app-1.zip', 'app-2.zip']);
      await expectSameStats(bucket);
    },
    180_000,
  );

  it('a delta whose moved block lies beyond xdelta3’s default 64 MiB window', async () => {
    // The cheapest case that proves it: a 65 MiB reference, and a next version that starts
    // with its last MiB. Our encoder's window covers the whole reference (window.ts), so
    // the delta is tiny; the reference CLI decodes it with xdelta3's default window.
    const dir = join(work, 'large');
    await mkdir(dir, { recursive: true });
    const v1 = join(dir, 'big-1.bin');
    await writeArtifact(v1, 65 * MIB, 41);
    const body = await readFile(v1);
    await writeFile(
      join(dir, 'big-2.bin'),
      Buffer.concat([body.subarray(64 * MIB), body.subarray(0, 64 * MIB)]),
    );
    const bucket = await server.createBucket();
    await weUpload(bucket, 'big/', ['big-1.bin', 'big-2.bin'], dir);
    const listing = JSON.parse(
      ok(await runOurs(server.endpoint, ['ls', '--json', `s3://${bucket}/big/`]), 'our ls').stdout,
    );
    const moved = (listing.results as { name: string; 'stored-bytes': number }[]).find(
      (r) => r.name === 'big-2.bin',
    );
    expect(moved?.['stored-bytes']).toBeLessThan(64 * 1024);

    const out = await theyDownload(bucket, 'big/', ['big-2.bin']);
    await expectSameBytes(out, ['big-2.bin'], dir);
  }, 300_000);

  it('archive-aware deltas (the action default for .tgz): the reference CLI fails and writes nothing', async () => {
    const bucket = await server.createBucket();
    const job = await newJob(work);
    for (const version of [1, 2]) {
      const file = await tarball(job.workspace, version);
      const run = await runAction(
        'main',
        {
          path: file,
          's3-url': `s3://${bucket}/aa/`,
          'endpoint-url': server.endpoint,
          cache: 'false',
          summary: 'false',
        },
        { runner: job, env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } },
      );
      expect({ version, code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
    }
    const out = await mkdtemp(join(work, 'theirs-aa-'));
    const dest = join(out, 'app-2.0.tgz');
    const refused = await runTheirs(server.endpoint, ['cp', `s3://${bucket}/aa/app-2.0.tgz`, dest]);
    const raw = createS3Client(s3TestOptions(server.endpoint));
    const head = await raw
      .send(new HeadObjectCommand({ Bucket: bucket, Key: 'aa/app-2.0.tgz.delta' }))
      .finally(() => raw.destroy());
    expect(head.Metadata?.['dg-archive-format']).toBe('expanded-v1');
    expect(refused.status).not.toBe(0);
    expect(existsSync(dest)).toBe(false);
    // We read it back, of course.
    const ours = join(work, 'ours-aa');
    ok(await runOurs(server.endpoint, ['cp', `s3://${bucket}/aa/app-2.0.tgz`, `${ours}/`]), 'ours');
    expect(await sha256File(join(ours, 'app-2.0.tgz'))).toBe(
      await sha256File(join(job.workspace, 'app-2.0.tgz')),
    );
  }, 180_000);
});

describeOracle('what sync and migrate write, the reference CLI reads', () => {
  // In-process (src/, not the bundle): the bundle is rebuilt only after merges.
  it('a synced directory and migrated plain objects download byte-exact with it', async () => {
    const bucket = await server.createBucket();
    const ours = (...args: string[]) => runCli(args, server.endpoint, join(work, 'cache-sync'));
    // Only the general files: other cases add their own inputs to inDir.
    const syncDir = join(work, 'sync-in');
    await mkdir(syncDir, { recursive: true });
    for (const name of GENERAL) await copyFile(join(inDir, name), join(syncDir, name));
    expect((await ours('sync', syncDir, `s3://${bucket}/synced/`)).code).toBe(0);
    await expectSameBytes(await theyDownload(bucket, 'synced/', GENERAL), GENERAL);
    await expectSameListing(bucket, 'synced/', GENERAL);

    const client = createS3Client(s3TestOptions(server.endpoint));
    try {
      for (const name of ASCII) {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `legacy/${name}`,
            Body: await readFile(join(inDir, name)),
          }),
        );
      }
    } finally {
      client.destroy();
    }
    const migrated = await ours('migrate', `s3://${bucket}/legacy/`, `s3://${bucket}/migrated/`);
    expect(migrated).toMatchObject({ code: 0, err: '' });
    await expectSameBytes(await theyDownload(bucket, 'migrated/', ASCII), ASCII);
    await expectSameListing(bucket, 'migrated/', ASCII);
  }, 180_000);
});

describeOracle('one name in two forms', () => {
  it('reads the newer: the reference CLI stores app.zip.delta after our direct app.zip', async () => {
    const bucket = await server.createBucket();
    const dir = join(work, 'two-forms');
    await mkdir(join(dir, 'old'), { recursive: true });
    await mkdir(join(dir, 'new'), { recursive: true });
    // Ours: the reference, then an app.zip unlike it, which goes direct (no delta pays;
    // one reference per space, or it would become a reference of its own).
    await weUpload(bucket, 'two/', ['app-1.zip']);
    await writeArtifact(join(dir, 'old', 'app.zip'), 2 * MIB, 51);
    ok(
      await runOurs(server.endpoint, [
        'cp',
        '--references',
        'single',
        join(dir, 'old', 'app.zip'),
        `s3://${bucket}/two/`,
      ]),
      'our cp app.zip',
    );
    // S3 keeps whole seconds: let the second write be visibly newer.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Theirs: the next app.zip, close to the reference: a delta, and our object stays.
    await writeFile(join(dir, 'new', 'app.zip'), await readFile(join(inDir, 'app-2.zip')));
    await theyUpload(bucket, 'two/', ['app.zip'], join(dir, 'new'));
    expect(await keysOf(bucket, 'two/')).toEqual([
      'two/app-1.zip.delta',
      'two/app.zip',
      'two/app.zip.delta',
      'two/reference.bin',
    ]);
    const warning =
      /"app\.zip" is stored twice.*reading s3:\/\/[^ ]+\/two\/app\.zip\.delta, the newer/;

    const out = join(dir, 'out');
    const download = ok(
      await runOurs(server.endpoint, ['cp', `s3://${bucket}/two/app.zip`, `${out}/`]),
      'our cp',
    );
    await expectSameBytes(out, ['app.zip'], join(dir, 'new'));
    expect(download.stderr).toMatch(warning);

    const ls = ok(await runOurs(server.endpoint, ['ls', '--json', `s3://${bucket}/two/`]), 'ls');
    expect(ls.stderr).toMatch(warning);
    expect(JSON.parse(ls.stdout).results).toEqual([
      expect.objectContaining({ name: 'app-1.zip' }),
      expect.objectContaining({
        name: 'app.zip',
        key: 'two/app.zip.delta',
        'stale-key': 'two/app.zip',
      }),
    ]);

    const verify = ok(await runOurs(server.endpoint, ['verify', `s3://${bucket}/two/`]), 'verify');
    expect(verify.stderr).toMatch(warning);
    expect(verify.stdout).toMatch(/app\.zip\s+delta/);

    const stats = ok(
      await runOurs(server.endpoint, ['stats', '--json', `s3://${bucket}/`]),
      'stats',
    );
    expect(stats.stderr).toMatch(warning);
    const sizes = (await readFile(join(inDir, 'app-1.zip'))).length * 2 + 4096;
    expect(ourTotals(stats.stdout)).toMatchObject({ files: 2, originalBytes: sizes });
  }, 180_000);
});

it('the README and docs/format.md say where they make the claim that the reference CLI cannot decode archive-aware deltas', async () => {
  for (const doc of ['README.md', 'docs/format.md']) {
    const text = (await readFile(join(ROOT, doc), 'utf8')).replace(/\s+/g, ' ');
    // The opening paragraph, where "the DeltaGlider CLI reads what this action writes" is said.
    const opening = text.slice(0, 1200);
    const claim = /archive-aware: true`? writes .{0,80}reference DeltaGlider CLI cannot decode/;
    expect({ doc, claim: claim.test(opening) }).toEqual({ doc, claim: true });
    // And the table row for archive-aware deltas.
    expect({
      doc,
      row: /archive-aware: true`[^|]*\|[^|]*\|[^|]*\| \*\*cannot decode\*\*/.test(text),
    }).toEqual({
      doc,
      row: true,
    });
  }
});

describeOracle('smart references: we write several references, the reference CLI reads', () => {
  it('deltas against .dg-refs/<id>/reference.bin download byte-exact, ls shows only the files', async () => {
    // Two artifact lines (platforms) of three versions: the second line gets its own
    // reference under .dg-refs/, and the third linux version (rotation ratio ~0) becomes
    // its line's new reference. Archive-aware is off (the CLI's default).
    const dir = join(work, 'smart');
    await mkdir(dir, { recursive: true });
    const lines = { linux: 51, mac: 52 };
    const names: string[] = [];
    for (const [platform, seed] of Object.entries(lines)) {
      for (const v of [1, 2, 3]) {
        const name = `tool-${v}.0.0-${platform}.bin`;
        const path = join(dir, name);
        if (v === 1) await writeArtifact(path, 2 * MIB, seed);
        else
          await writeNextVersion(join(dir, `tool-${v - 1}.0.0-${platform}.bin`), path, {
            seed: seed + v,
          });
        names.push(name);
      }
    }
    const bucket = await server.createBucket();
    const order = [0, 3, 1, 4, 2, 5].map((i) => names[i]!);
    for (const name of order) {
      const rotate = name === 'tool-3.0.0-linux.bin' ? ['--rotation-ratio', '0'] : [];
      ok(
        await runOurs(server.endpoint, ['cp', join(dir, name), `s3://${bucket}/smart/`, ...rotate]),
        `our cp ${name}`,
      );
    }
    const keys = await keysOf(bucket, 'smart/');
    const extra = keys.filter((k) => /^smart\/\.dg-refs\/[0-9a-f]{16}\/reference\.bin$/.test(k));
    expect(extra).toHaveLength(2);
    expect(keys).toContain('smart/reference.bin');

    const out = await theyDownload(bucket, 'smart/', names);
    await expectSameBytes(out, names, dir);
    await expectSameListing(bucket, 'smart/', names);
    const stats = JSON.parse(
      ok(await runOurs(server.endpoint, ['stats', '--json', `s3://${bucket}/`]), 'our stats')
        .stdout,
    );
    expect(stats).toMatchObject({ files: 6, references: 3, 'delta-spaces': 1 });
  }, 300_000);
});

describeOracle('what prune leaves, the reference CLI reads', () => {
  // In-process (src/, not the bundle): the bundle is rebuilt only after merges.
  it('after prune --keep-last 1 on smart references, the files left download byte-exact with it', async () => {
    const dir = join(work, 'prune');
    await mkdir(dir, { recursive: true });
    const names: string[] = [];
    for (const [platform, seed] of [
      ['linux', 81],
      ['mac', 82],
    ] as const) {
      for (const v of [1, 2, 3]) {
        const name = `kit-${v}.0.0-${platform}.bin`;
        if (v === 1) await writeArtifact(join(dir, name), 2 * MIB, seed);
        else
          await writeNextVersion(join(dir, `kit-${v - 1}.0.0-${platform}.bin`), join(dir, name), {
            seed: seed + v,
          });
        names.push(name);
      }
    }
    const bucket = await server.createBucket();
    const ours = (...args: string[]) => runCli(args, server.endpoint, join(work, 'cache-prune'));
    for (const i of [0, 3, 1, 4, 2, 5]) {
      const name = names[i]!;
      // linux 3.0.0 becomes its line's own reference: reference.bin (linux 1.0.0) is then unneeded.
      const rotate = name === 'kit-3.0.0-linux.bin' ? ['--rotation-ratio', '0'] : [];
      expect((await ours('cp', join(dir, name), `s3://${bucket}/kit/`, ...rotate)).code).toBe(0);
    }
    const pruned = await ours(
      'prune',
      '--keep-last',
      '1',
      '--yes',
      '--reference-grace',
      '0s',
      `s3://${bucket}/kit/`,
    );
    expect(pruned).toMatchObject({ code: 0, err: '' });
    const left = ['kit-3.0.0-linux.bin', 'kit-3.0.0-mac.bin'];
    const keys = await keysOf(bucket, 'kit/');
    expect(keys).not.toContain('kit/reference.bin');
    expect(keys.filter((k) => k.endsWith('/reference.bin'))).toHaveLength(2);
    await expectSameBytes(await theyDownload(bucket, 'kit/', left), left, dir);
    await expectSameListing(bucket, 'kit/', left);
  }, 300_000);
});

/** `tar czf` releases of pseudo-random text: the archive-aware codec reproduces them. */
async function tarball(dir: string, version: number): Promise<string> {
  const tree = join(dir, `src-${version}`, 'app');
  await mkdir(tree, { recursive: true });
  let x = 7;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  // Eight files of pseudo-random words: above the 1 MiB below which files go direct.
  for (let f = 0; f < 8; f++) {
    const lines = Array.from(
      { length: 12000 },
      (_, i) => `${i}: ${next()} ${next() % 977} ${next()}`,
    );
    if (version === 2) lines[500 * f] = 'a change in 2.0';
    await writeFile(join(tree, `part-${f}.txt`), lines.join('\n'));
  }
  const name = `app-${version}.0.tgz`;
  execFileSync('tar', ['czf', join(dir, name), '-C', join(tree, '..'), 'app']);
  return name;
}

/**
 * Two versions of a file in each gzip-family format, one DeltaSpace per format (so each
 * delta's reference is compressed the same way): prefix -> file names.
 */
async function compressedVersions(): Promise<[string, string[]][]> {
  const dir = join(work, 'compressed');
  await mkdir(dir, { recursive: true });
  const families: [string, string[]][] = [];
  for (const [prefix, ext, tool] of [
    ['tgz/', 'tar.gz', 'tar'],
    ['gz/', 'bin.gz', 'gzip'],
    ['bz2/', 'bin.bz2', 'bzip2'],
    ['xz/', 'bin.xz', 'xz'],
  ] as const) {
    const names: string[] = [];
    for (const version of [1, 2]) {
      const name = `data-${version}.${ext}`;
      const plain = join(dir, `${prefix.slice(0, -1)}-${version}`);
      await mkdir(plain, { recursive: true });
      // The first 512 KiB of the two versions: enough to show it, cheap for bzip2 and xz.
      const source = version === 1 ? join(inDir, 'app-1.zip') : join(inDir, 'app-2.zip');
      await writeFile(join(plain, 'payload.bin'), (await readFile(source)).subarray(0, 512 * 1024));
      if (tool === 'tar') {
        execFileSync('tar', ['czf', join(inDir, name), '-C', plain, 'payload.bin']);
      } else {
        // From stdin, as tar pipes it: no file name or time in a gzip header, so the
        // recompression xdelta3 runs on decode can give back the same bytes.
        const compressed = execFileSync(tool, ['-c'], {
          input: await readFile(join(plain, 'payload.bin')),
          maxBuffer: 64 * MIB,
        });
        await writeFile(join(inDir, name), compressed);
      }
      names.push(name);
    }
    families.push([prefix, names]);
  }
  return families;
}
