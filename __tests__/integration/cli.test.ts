// The `deltaglider` CLI against a real S3 server on loopback, in-process through
// `main(argv, io)`. Its ncc bundle, and a DeltaSpace the action bundle wrote, are in
// cli-bundle.slow.test.ts.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256File, writeArtifact } from '../../scripts/lib/artifacts.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { listKeys } from '../helpers/bucket.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';
import { closeCliWork, openCliWork, runCli, type CliRun } from '../helpers/cli.js';
import { s3TestOptions, type S3TestServer } from '../helpers/s3-server.js';

const run = promisify(execFile);
const MB = 1024 * 1024;

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let work: string;
let bucket: string;
/** v1 and v2 of a 3 MiB binary: reference + zero-diff, then a small delta. */
let v1: string;
let v2: string;

beforeAll(async () => {
  ({ server, work, v1, v2 } = await openCliWork('dg-cli-test-'));
  raw = createS3Client(s3TestOptions(server.endpoint));
}, 60_000);

beforeEach(async () => {
  bucket = await server.createBucket();
});

afterAll(async () => {
  raw?.destroy();
  await closeCliWork({ server, work });
});

/** Runs the CLI in-process against the test server, with a cache directory of the test's own. */
function dg(command: string, ...args: string[]): Promise<CliRun> {
  return runCli([command, ...args], server.endpoint, join(work, 'cache', bucket));
}

async function objectSize(key: string): Promise<number> {
  return (await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength!;
}

async function sameBytes(a: string, b: string): Promise<boolean> {
  return (await readFile(a)).equals(await readFile(b));
}

/** Uploads v1 and v2 into `prefix` with the CLI and expects both to succeed. */
async function uploadBoth(prefix = 'releases/app') {
  const first = await dg('cp', v1, `s3://${bucket}/${prefix}/`);
  expect(first).toMatchObject({ code: 0, err: '' });
  const second = await dg('cp', v2, `s3://${bucket}/${prefix}/`);
  expect(second).toMatchObject({ code: 0, err: '' });
}

describe('cp', () => {
  it('uploads as reference and delta, and downloads byte-exact into a directory or a new name', async () => {
    const first = await dg('cp', '--json', v1, `s3://${bucket}/releases/app/`);
    expect(first.code).toBe(0);
    const uploaded = JSON.parse(first.out);
    expect(uploaded['delta-space-url']).toBe(`s3://${bucket}/releases/app/`);
    expect(uploaded.results[0]).toMatchObject({
      name: 'app-1.zip',
      key: 'releases/app/app-1.zip.delta',
      url: `s3://${bucket}/releases/app/app-1.zip`,
      kind: 'reference',
      path: v1,
    });
    const second = await dg('cp', v2, `s3://${bucket}/releases/app/`);
    expect(second.out).toMatch(
      /^upload: .*app-2\.zip -> s3:\/\/.*\/releases\/app\/app-2\.zip \(delta: /,
    );
    expect(await listKeys(raw, bucket)).toEqual([
      'releases/app/app-1.zip.delta',
      'releases/app/app-2.zip.delta',
      'releases/app/reference.bin',
    ]);

    const out = join(work, `out-${bucket}`);
    const intoDir = await dg('cp', `s3://${bucket}/releases/app/app-2.zip`, `${out}/`);
    expect(intoDir).toMatchObject({ code: 0, err: '' });
    expect(await sameBytes(join(out, 'app-2.zip'), v2)).toBe(true);
    // The stored `.delta` name works too, as with the DeltaGlider CLI.
    const renamed = await dg(
      'cp',
      `s3://${bucket}/releases/app/app-1.zip.delta`,
      join(out, 'first.zip'),
    );
    expect(renamed.code).toBe(0);
    expect(await sameBytes(join(out, 'first.zip'), v1)).toBe(true);
    expect((await readdir(out)).sort()).toEqual(['app-2.zip', 'first.zip']);
  });

  it('stores a file under the name the destination gives it', async () => {
    const result = await dg('cp', v1, `s3://${bucket}/releases/app/renamed-1.0.zip`);
    expect(result.code).toBe(0);
    expect(await listKeys(raw, bucket)).toEqual([
      'releases/app/reference.bin',
      'releases/app/renamed-1.0.zip.delta',
    ]);
    const head = await raw.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'releases/app/renamed-1.0.zip.delta' }),
    );
    expect(head.Metadata?.['dg-original-name']).toBe('renamed-1.0.zip');
  });

  it('copies a directory tree up and down, one DeltaSpace per directory', async () => {
    const tree = join(work, `tree-${bucket}`);
    await mkdir(join(tree, 'lib', 'deep'), { recursive: true });
    await writeFile(join(tree, 'notes.txt'), 'release notes\n');
    await writeArtifact(join(tree, 'lib', 'core.bin'), 2 * MB, 5);
    await writeFile(join(tree, 'lib', 'deep', 'x.txt'), 'deep file');

    const up = await dg('cp', '-r', tree, `s3://${bucket}/mirror/`);
    expect(up.code).toBe(0);
    expect(await listKeys(raw, bucket)).toEqual([
      'mirror/lib/core.bin.delta',
      'mirror/lib/deep/x.txt',
      'mirror/lib/reference.bin',
      'mirror/notes.txt',
    ]);
    const down = join(work, `tree-down-${bucket}`);
    const result = await dg('cp', '-r', `s3://${bucket}/mirror/`, down);
    expect(result.code).toBe(0);
    for (const file of ['notes.txt', 'lib/core.bin', 'lib/deep/x.txt']) {
      expect(await sameBytes(join(down, file), join(tree, file))).toBe(true);
    }
    expect((await readdir(down)).sort()).toEqual(['lib', 'notes.txt']);
  });

  it('refuses unclear copies with a one-line reason', async () => {
    const cases: [string[], RegExp][] = [
      [[work, `s3://${bucket}/p/`], /is a directory\. Add -r/],
      [[`s3://${bucket}/p/`, work], /names a DeltaSpace, not a file\. Add -r/],
      [[v1, join(work, 'x')], /is an s3:\/\/ URL/],
      [[`s3://${bucket}/a`, `s3://${bucket}/b`], /S3 to S3 are not supported/],
      [[v1], /takes a SOURCE and a DEST/],
      [[join(work, 'missing.zip'), `s3://${bucket}/p/`], /missing\.zip does not exist/],
    ];
    for (const [args, message] of cases) {
      const result = await dg('cp', ...args);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/^deltaglider: /);
      expect(result.err).toMatch(message);
      expect(result.err.trim().split('\n')).toHaveLength(1);
    }
    expect(await listKeys(raw, bucket)).toEqual([]);
  });

  it('words its hints with arguments and flags, never with the action inputs', async () => {
    const inAction = /s3-url|xdelta3-path input|endpoint-url and|re-run the step|\binput\b/i;
    await uploadBoth();
    const missing = await dg('cp', `s3://${bucket}/releases/app/nope.zip`, work);
    expect(missing.err).toMatch(
      /nope\.zip nor its \.delta exists\. Check the S3 URL, or list the DeltaSpace with "deltaglider ls"\n$/,
    );

    const noXdelta3 = await dg(
      'cp',
      v1,
      `s3://${bucket}/no-xdelta3/`,
      '--xdelta3-path',
      '/nonexistent/xdelta3',
    );
    expect(noXdelta3.err).toMatch(
      /xdelta3 was not found \(tried "\/nonexistent\/xdelta3"\)\. Install xdelta3 .*, or give its location with --xdelta3-path\n$/,
    );

    let err = '';
    const io: Io = { out: () => {}, err: (t) => void (err += t), isTty: false, env: process.env };
    // A port nothing listens on (the discard port on loopback is closed here).
    const args = ['ls', `s3://${bucket}/`, '--endpoint-url', 'http://127.0.0.1:9'];
    expect(await main(args, io)).toBe(1);
    expect(err).toMatch(
      /cannot reach the S3 endpoint .*\. Check --endpoint-url \(or AWS_ENDPOINT_URL\)/,
    );

    for (const text of [missing.err, noXdelta3.err, err]) expect(text).not.toMatch(inAction);
  }, 30_000);
});

describe('ls', () => {
  it('shows logical files with original and stored sizes, and the prefixes below', async () => {
    await uploadBoth();
    await dg('cp', v1, `s3://${bucket}/releases/app/nested/`);
    const human = await dg('ls', `s3://${bucket}/releases/app/`);
    expect(human.code).toBe(0);
    const lines = human.out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+KIND\s+ORIGINAL\s+STORED\s+SAVED$/);
    expect(lines[1]).toMatch(/^nested\/\s+PRE/);
    expect(lines[2]).toMatch(/^app-1\.zip\s+delta\s+3\.0 MiB\s+\d+ B\s+100\.0%$/);
    expect(lines[3]).toMatch(/^app-2\.zip\s+delta\s+3\.0 MiB\s+[\d.]+ KiB\s+9\d\.\d%$/);
    // The reference is counted in the total (3.0 MiB of it), and the line after says so.
    expect(lines[4]).toMatch(/^Total \(2 files\)\s+6\.0 MiB\s+3\.0 MiB\s+(49\.\d|50\.0)%$/);
    expect(lines[5]).toBe(
      'The total includes 3.0 MiB of references the deltas need, each counted once: what the bucket holds for these files.',
    );
    expect(human.out).not.toContain('reference.bin');

    const json = JSON.parse((await dg('ls', '--json', `s3://${bucket}/releases/app/`)).out);
    expect(json.location).toBe(`s3://${bucket}/releases/app/`);
    expect(json['delta-space-url']).toBe(`s3://${bucket}/releases/app/`);
    expect(json.prefixes).toEqual([`s3://${bucket}/releases/app/nested/`]);
    expect(json.results).toEqual([
      {
        name: 'app-1.zip',
        key: 'releases/app/app-1.zip.delta',
        kind: 'delta',
        'original-bytes': (await readFile(v1)).length,
        'stored-bytes': await objectSize('releases/app/app-1.zip.delta'),
        sha256: await sha256File(v1),
        url: `s3://${bucket}/releases/app/app-1.zip`,
      },
      {
        name: 'app-2.zip',
        key: 'releases/app/app-2.zip.delta',
        kind: 'delta',
        'original-bytes': (await readFile(v2)).length,
        'stored-bytes': await objectSize('releases/app/app-2.zip.delta'),
        sha256: await sha256File(v2),
        url: `s3://${bucket}/releases/app/app-2.zip`,
      },
    ]);
    expect(json.files).toBe(2);
    // The total counts the reference the deltas need, once (docs/format.md).
    expect(json['stored-bytes']).toBe(
      json.results[0]['stored-bytes'] +
        json.results[1]['stored-bytes'] +
        (await objectSize('releases/app/reference.bin')),
    );

    const recursive = JSON.parse((await dg('ls', '-r', '--json', `s3://${bucket}/releases/`)).out);
    // Files of two DeltaSpaces: no one DeltaSpace URL.
    expect(recursive).not.toHaveProperty('delta-space-url');
    expect(recursive.results.map((r: { url: string }) => r.url)).toEqual([
      `s3://${bucket}/releases/app/app-1.zip`,
      `s3://${bucket}/releases/app/app-2.zip`,
      `s3://${bucket}/releases/app/nested/app-1.zip`,
    ]);
  });

  it('shows one file by its URL, and fails on a URL that holds nothing', async () => {
    await uploadBoth();
    const one = await dg('ls', `s3://${bucket}/releases/app/app-2.zip`);
    expect(one.code).toBe(0);
    expect(one.out.trim().split('\n')).toHaveLength(2);
    expect(one.out).toMatch(/app-2\.zip\s+delta/);
    const none = await dg('ls', `s3://${bucket}/nothing/here/`);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/Nothing found at s3:\/\/.*\/nothing\/here\//);
  });
});

describe('archive-aware', () => {
  it('writes archive-aware deltas only with --archive-aware, and ls marks them', async () => {
    // The 3 MiB artifacts as .tgz releases (gzip -6 through tar, as `tar czf` writes them).
    const t1 = join(work, 'in', 'app-1.tgz');
    const t2 = join(work, 'in', 'app-2.tgz');
    await run('tar', ['czf', t1, '-C', join(work, 'in'), 'app-1.zip']);
    await run('tar', ['czf', t2, '-C', join(work, 'in'), 'app-2.zip']);
    for (const t of [t1, t2]) {
      expect(await dg('cp', '--archive-aware', t, `s3://${bucket}/aware/`)).toMatchObject({
        code: 0,
        err: '',
      });
    }
    const head = await raw.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'aware/app-2.tgz.delta' }),
    );
    expect(head.Metadata).toMatchObject({ 'dg-archive-codec': 'gzip' });
    // Without the flag the CLI stays readable by the DeltaGlider CLI: gzip content goes direct.
    expect((await dg('cp', t2, `s3://${bucket}/plain/`)).code).toBe(0);
    expect(await listKeys(raw, bucket, 'plain/')).toEqual(['plain/app-2.tgz']);

    const listed = (await dg('ls', `s3://${bucket}/aware/`)).out.trim().split('\n');
    expect(listed[1]).toMatch(/^app-1\.tgz\s+delta\s+\d/);
    expect(listed[2]).toMatch(/^app-2\.tgz\s+delta \(archive-aware\)\s+\d/);
    const json = JSON.parse((await dg('ls', '--json', `s3://${bucket}/aware/`)).out);
    expect(json.results.map((r: { 'archive-aware'?: boolean }) => r['archive-aware'])).toEqual([
      undefined,
      true,
    ]);

    const out = join(work, `aware-${bucket}`);
    expect((await dg('cp', `s3://${bucket}/aware/app-2.tgz`, `${out}/`)).code).toBe(0);
    expect(await sameBytes(join(out, 'app-2.tgz'), t2)).toBe(true);
  });
});

describe('rm', () => {
  it('removes files, and reference.bin with the last delta of the space only', async () => {
    await uploadBoth();
    await uploadBoth('releases/app2');
    const first = await dg('rm', `s3://${bucket}/releases/app/app-1.zip`);
    expect(first).toEqual({
      code: 0,
      out: `delete: s3://${bucket}/releases/app/app-1.zip.delta\n`,
      err: '',
    });
    expect(await listKeys(raw, bucket, 'releases/app/')).toEqual([
      'releases/app/app-2.zip.delta',
      'releases/app/reference.bin',
    ]);

    const dry = await dg('rm', '--dryrun', `s3://${bucket}/releases/app/app-2.zip`);
    expect(dry.out).toBe(
      `(dryrun) delete: s3://${bucket}/releases/app/app-2.zip.delta\n` +
        `(dryrun) delete: s3://${bucket}/releases/app/reference.bin\n`,
    );
    expect(await listKeys(raw, bucket, 'releases/app/')).toHaveLength(2);

    const last = await dg('rm', '--json', `s3://${bucket}/releases/app/app-2.zip`);
    expect(JSON.parse(last.out).results).toEqual([
      {
        name: 'app-2.zip',
        deleted: [
          `s3://${bucket}/releases/app/app-2.zip.delta`,
          `s3://${bucket}/releases/app/reference.bin`,
        ],
        'reference-removed': true,
      },
    ]);
    expect(await listKeys(raw, bucket, 'releases/app/')).toEqual([]);
    // The sibling prefix, which shares the first characters, is another DeltaSpace.
    expect(await listKeys(raw, bucket, 'releases/app2/')).toHaveLength(3);
  });

  it('fails on a missing file or a DeltaSpace URL, deleting nothing', async () => {
    await uploadBoth();
    const missing = await dg('rm', `s3://${bucket}/releases/app/nope.zip`);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/Neither s3:\/\/.*nope\.zip nor its \.delta exists/);
    const space = await dg('rm', `s3://${bucket}/releases/app/`);
    expect(space.code).toBe(1);
    expect(space.err).toMatch(/names a DeltaSpace/);
    expect(await listKeys(raw, bucket)).toHaveLength(3);
  });
});

describe('verify', () => {
  it('passes on intact files and fails with exit 1 on an object changed behind its metadata', async () => {
    await uploadBoth();
    const ok = await dg('verify', `s3://${bucket}/releases/app/`);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/app-1\.zip\s+delta\s+3\.0 MiB\s+[0-9a-f]{16}\s+OK/);
    expect(ok.out).toContain('2 ok, 0 failed');

    // Corrupt the delta the way a bad copy would: same metadata, other bytes.
    const key = 'releases/app/app-2.zip.delta';
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(
      await (
        await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      ).Body!.transformToByteArray(),
    );
    body.writeUInt8(body.readUInt8(body.length - 20) ^ 0xff, body.length - 20);
    await raw.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: head.Metadata }),
    );

    const bad = await dg('verify', '--json', `s3://${bucket}/releases/app/`);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('deltaglider: 1 of 2 file(s) failed verification\n');
    const report = JSON.parse(bad.out);
    // The field names of the action's verify outputs.
    expect(report).toMatchObject({
      'delta-space-url': `s3://${bucket}/releases/app/`,
      files: 2,
      verified: 1,
      failed: 1,
      unchecked: 0,
    });
    expect(report.results[1]).toMatchObject({ name: 'app-2.zip', kind: 'delta', status: 'failed' });
    expect(report.results[1].problem).toMatch(/could not be decoded|rebuilt to bytes with sha256/);

    const one = await dg('verify', `s3://${bucket}/releases/app/app-1.zip`);
    expect(one.code).toBe(0);
  });

  it('judges the reference in the bucket, not the copy in the local cache', async () => {
    await uploadBoth(); // the upload left the reference in this bucket's cache directory
    const key = 'releases/app/reference.bin';
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await raw.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: Buffer.alloc(1000, 1),
        Metadata: head.Metadata,
      }),
    );
    const result = await dg('verify', `s3://${bucket}/releases/app/`);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/app-1\.zip\s+delta.*FAILED/);
    expect(result.out).toMatch(/reference s3:\/\/.*reference\.bin is corrupt/);
  });
});

describe('stats', () => {
  it('totals original and stored bytes and counts objects, in text and JSON', async () => {
    await uploadBoth();
    await writeFile(join(work, 'notes.txt'), 'some notes');
    await dg('cp', join(work, 'notes.txt'), `s3://${bucket}/releases/docs/`);
    await raw.send(
      new PutObjectCommand({ Bucket: bucket, Key: '.deltaglider/stats_quick.json', Body: '{}' }),
    );

    const stored = (
      await Promise.all((await listKeys(raw, bucket, 'releases/')).map((key) => objectSize(key)))
    ).reduce((a, b) => a + b, 0);
    const original =
      (await readFile(v1)).length + (await readFile(v2)).length + 'some notes'.length;
    const json = JSON.parse((await dg('stats', '--json', `s3://${bucket}/`)).out);
    expect(json).toMatchObject({
      location: `s3://${bucket}/`,
      files: 3,
      'original-bytes': original,
      'stored-bytes': stored,
      'saved-bytes': original - stored,
      'delta-spaces': 1,
      references: 1,
      deltas: 2,
      direct: 1,
      plain: 0,
    });
    expect(json.spaces.map((s: { location: string }) => s.location)).toEqual([
      `s3://${bucket}/releases/app/`,
    ]);

    const text = await dg('stats', `s3://${bucket}/releases/app/`);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/Files:\s+2, 6\.0 MiB/);
    expect(text.out).toMatch(/Objects:\s+1 references, 2 deltas, 0 direct, 0 plain/);
  });
});

describe('doctor', () => {
  it('reports xdelta3, the bucket and the cache, one line each', async () => {
    const result = await dg('doctor', `s3://${bucket}/releases/`);
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ok\s+xdelta3: 3\.\d+\.\d+ at \/.*xdelta3, encodes and decodes$/);
    expect(lines[1]).toMatch(new RegExp(`^ok\\s+bucket: s3://${bucket}/releases/ is readable`));
    expect(lines[2]).toMatch(/^ok\s+cache: .* \d+ MiB free$/);
  });

  it('fails when the endpoint is wrong or the bucket is missing, or xdelta3 is not there', async () => {
    let out = '';
    const io: Io = { out: (t) => void (out += t), err: () => {}, isTty: false, env: process.env };
    // A port nothing listens on (the discard port on loopback is closed here).
    const code = await main(
      [
        'doctor',
        's3://some-bucket/',
        '--endpoint-url',
        'http://127.0.0.1:9',
        '--xdelta3-path',
        '/nonexistent/xdelta3',
      ],
      io,
    );
    expect(code).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^FAIL\s+xdelta3: /);
    expect(lines[1]).toMatch(
      /^FAIL\s+bucket: cannot reach the S3 endpoint http:\/\/127\.0\.0\.1:9/,
    );
    // The hint in the CLI's words: the flag, not the action's input.
    expect(lines[1]).toMatch(/\. Check --endpoint-url \(or AWS_ENDPOINT_URL\)/);
    expect(lines[2]).toMatch(/^ok\s+cache: /);

    const missing = await dg('doctor', '--json', 's3://no-such-bucket-dg-cli/');
    expect(missing.code).toBe(1);
    const report = JSON.parse(missing.out);
    expect(report.ok).toBe(false);
    expect(report.checks[1]).toMatchObject({ name: 'bucket', ok: false });
    expect(report.checks[1].detail).toMatch(/no-such-bucket-dg-cli does not exist/);
  }, 30_000);
});

describe('buckets written by others', () => {
  /** The DeltaGlider CLI 6.x as it writes a DeltaSpace: plain xdelta3, dg- metadata. */
  async function writeLegacySpace(prefix: string) {
    const dir = await mkdtemp(join(work, 'legacy-'));
    const zero = join(dir, 'zero.delta');
    const delta = join(dir, 'v2.delta');
    await run('xdelta3', ['-e', '-f', '-9', '-s', v1, v1, zero]);
    await run('xdelta3', ['-e', '-f', '-9', '-s', v1, v2, delta]);
    const [sha1, sha2] = [await sha256File(v1), await sha256File(v2)];
    const size = async (p: string) => String((await readFile(p)).length);
    const put = (key: string, body: Buffer | string, metadata: Record<string, string>) =>
      raw.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}/${key}`,
          Body: body,
          Metadata: metadata,
        }),
      );
    const created = '2026-11-25T16:26:05.453834Z';
    await put('reference.bin', await readFile(v1), {
      'dg-tool': 'deltaglider/6.1.2',
      'dg-source-name': 'app-1.zip',
      'dg-file-sha256': sha1,
      'dg-created-at': created,
      'dg-note': 'reference',
    });
    await put('app-1.zip.delta', await readFile(zero), {
      'dg-tool': 'deltaglider/6.1.2',
      'dg-original-name': 'app-1.zip',
      'dg-file-sha256': sha1,
      'dg-file-size': await size(v1),
      'dg-created-at': created,
      'dg-ref-key': `${prefix}/reference.bin`,
      'dg-ref-sha256': sha1,
      'dg-delta-size': await size(zero),
      'dg-delta-cmd': 'xdelta3 -e -9 -s reference.bin app-1.zip app-1.zip.delta',
      'dg-note': 'zero-diff (reference identical)',
    });
    // No dg-ref-sha256: older releases left it out; the reference's own sha256 stands in.
    await put('app-2.zip.delta', await readFile(delta), {
      'dg-tool': 'deltaglider/6.1.2',
      'dg-original-name': 'app-2.zip',
      'dg-file-sha256': sha2,
      'dg-file-size': await size(v2),
      'dg-created-at': created,
      'dg-ref-key': `${prefix}/reference.bin`,
      'dg-delta-size': await size(delta),
      'dg-delta-cmd': 'xdelta3 -e -9 -s reference.bin app-2.zip app-2.zip.delta',
    });
    const readme = 'read me\n';
    const { createHash } = await import('node:crypto');
    await put('readme.txt', readme, {
      'dg-file-sha256': createHash('sha256').update(readme).digest('hex'),
      'dg-compression': 'none',
    });
    // Only a compression marker and no sha256: a plain object, passed through unchecked.
    await put('blob.bin', 'no checksum', { 'dg-compression': 'none' });
    await rm(dir, { recursive: true, force: true });
  }

  it('reads a DeltaSpace written the way the DeltaGlider CLI writes it', async () => {
    await writeLegacySpace('legacy/app');
    const listing = JSON.parse((await dg('ls', '--json', `s3://${bucket}/legacy/app/`)).out);
    expect(listing.results.map((r: { name: string; kind: string }) => [r.name, r.kind])).toEqual([
      ['app-1.zip', 'delta'],
      ['app-2.zip', 'delta'],
      ['blob.bin', 'plain'],
      ['readme.txt', 'direct'],
    ]);
    expect(listing.results[1]['original-bytes']).toBe((await readFile(v2)).length);

    const verified = JSON.parse((await dg('verify', '--json', `s3://${bucket}/legacy/app/`)).out);
    expect(verified.results.map((r: { status: string }) => r.status)).toEqual([
      'ok',
      'ok',
      'unchecked',
      'ok',
    ]);

    const out = join(work, `legacy-out-${bucket}`);
    expect((await dg('cp', '-r', `s3://${bucket}/legacy/app/`, out)).code).toBe(0);
    expect(await sameBytes(join(out, 'app-1.zip'), v1)).toBe(true);
    expect(await sameBytes(join(out, 'app-2.zip'), v2)).toBe(true);
    expect(await readFile(join(out, 'readme.txt'), 'utf8')).toBe('read me\n');
    expect(await readFile(join(out, 'blob.bin'), 'utf8')).toBe('no checksum');
  });
});

describe('usage', () => {
  it('answers --help for every command, and refuses unknown commands and options', async () => {
    for (const command of [
      'cp',
      'ls',
      'rm',
      'verify',
      'stats',
      'doctor',
      'sync',
      'migrate',
      'purge',
    ]) {
      const help = await dg(command, '--help');
      expect(help.code).toBe(0);
      expect(help.out).toMatch(new RegExp(`^Usage: deltaglider ${command} `));
      expect(help.out).toContain('--endpoint-url');
    }
    const unknown = await dg('mirror', 'a', 'b');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^deltaglider: unknown command "mirror"/);
    const option = await dg('ls', '--bogus', 's3://bkt/');
    expect(option).toMatchObject({ code: 1, out: '' });
    expect(option.err).toBe(
      `deltaglider: Unknown option '--bogus'. Run "deltaglider ls --help" for the options it takes\n`,
    );
    const ratio = await dg('cp', '--max-ratio', '2', v1, 's3://bkt/p/');
    expect(ratio.err).toMatch(/--max-ratio must be a number from 0 to 1, got "2"/);
  });

  it('draws progress on stderr only when it is a terminal', async () => {
    const runWith = async (isTty: boolean) => {
      let err = '';
      const io: Io = { out: () => {}, err: (t) => void (err += t), isTty, env: process.env };
      const code = await main(
        [
          'cp',
          v1,
          `s3://${bucket}/p/`,
          '--endpoint-url',
          server.endpoint,
          '--cache-dir',
          join(work, 'c'),
        ],
        io,
      );
      expect(code).toBe(0);
      return err;
    };
    const tty = await runWith(true);
    const erase = '\r\u001b[K';
    expect(tty.startsWith(erase)).toBe(true);
    expect(tty.slice(erase.length)).toMatch(/^\[\d+s\] /);
    expect(tty).toContain('transferred');
    expect(tty.endsWith(erase)).toBe(true); // erased at the end
    expect(await runWith(false)).toBe('');
  });
});
