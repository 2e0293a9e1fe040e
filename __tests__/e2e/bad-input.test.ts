// The built bundle against moto with inputs and buckets that are wrong, odd or hostile:
// every failure is one `::error::` line that says what to fix, with no stack trace and
// nothing written; odd but valid names and empty files round-trip byte-exact.
// (Malformed s3-url, unknown command, no matching file, non-numeric max-ratio and a
// missing bucket are covered in action-bundle.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import {
  newJob,
  runAction,
  type ActionRun,
  type SimulatedJob,
} from '../../scripts/lib/run-action.mjs';
import { decodeHeaderValue } from '../../src/core/metadata.js';
import { listKeys } from '../helpers/bucket.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { closeBundleJob, openBundleJob } from '../helpers/bundle-job.js';
import type { S3TestServer } from '../helpers/s3-server.js';

const MIB = 1024 * 1024;

let server: S3TestServer;
let bucket: string;
let raw: S3Client;
let job: SimulatedJob;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  ({ server, bucket, raw, job } = await openBundleJob());
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await closeBundleJob({ server, raw, job });
});

function inputs(extra: Record<string, string>, endpoint = server.endpoint): Record<string, string> {
  return {
    'endpoint-url': endpoint,
    region: 'us-east-1',
    summary: 'false',
    comment: 'never',
    ...extra,
  };
}

/** Every file under `dir`, recursively (relative paths), or [] when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** One `::error::` line matching `message`, exit code 1, no stack trace anywhere. */
function expectCleanFailure(run: ActionRun, message: RegExp): string {
  expect(run.code).toBe(1);
  const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  // Stacks only go to ::debug:: (with newlines escaped); never as plain lines.
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  return errors[0]!;
}

let dirCounter = 0;
async function freshDir(name: string): Promise<string> {
  dirCounter += 1;
  const dir = join(job.dir, `${name}-${dirCounter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('bad input fails clearly and writes nothing', () => {
  it('two files with the same basename', async () => {
    const dir = await freshDir('dupes');
    await mkdir(join(dir, 'linux'));
    await mkdir(join(dir, 'windows'));
    await writeArtifact(join(dir, 'linux', 'app.bin'), MIB, 1);
    await writeArtifact(join(dir, 'windows', 'app.bin'), MIB, 2);

    const run = await runAction(
      'main',
      inputs({ path: `${dir}/*/app.bin`, 's3-url': `s3://${bucket}/dupes/` }),
      { runner: job },
    );

    const error = expectCleanFailure(run, /Two files share the name "app\.bin"/);
    expect(error).toContain(join(dir, 'linux', 'app.bin'));
    expect(error).toContain(join(dir, 'windows', 'app.bin'));
    expect(error).toMatch(/upload them to different s3-url prefixes or rename one/);
    expect(await listKeys(raw, bucket, 'dupes/')).toEqual([]);
  });

  it('an s3-url under a reserved .dg-refs/ folder', async () => {
    const dir = await freshDir('reserved');
    await writeArtifact(join(dir, 'app.bin'), MIB, 4);
    await writeArtifact(join(dir, 'lib.bin'), MIB, 5);
    const run = await runAction(
      'main',
      inputs({
        path: `${dir}/*.bin`,
        's3-url': `s3://${bucket}/reserved/.dg-refs/0123456789abcdef/`,
      }),
      { runner: job },
    );
    const error = expectCleanFailure(
      run,
      /under "\.dg-refs", a name the DeltaGlider format reserves for its own objects \(and 1 more\)/,
    );
    expect(error).toContain(join(dir, 'app.bin'));
    expect(error).toContain('leave it out of the path input');
    expect(await listKeys(raw, bucket, 'reserved/')).toEqual([]);
  });

  it.each(['1.5', '-1', '1e3'])('max-ratio %s, out of range', async (ratio) => {
    const file = join(await freshDir('ratio'), 'app.bin');
    await writeArtifact(file, 1024, 3);
    const run = await runAction(
      'main',
      inputs({ path: file, 's3-url': `s3://${bucket}/ratio/`, 'max-ratio': ratio }),
      { runner: job },
    );
    const error = expectCleanFailure(run, /Input max-ratio must be a number from 0 to 1/);
    expect(error).toContain(`got "${ratio}"`);
    expect(await listKeys(raw, bucket, 'ratio/')).toEqual([]);
  });

  it('a missing object on download names the key', async () => {
    const dest = await freshDir('missing-dest');
    const run = await runAction(
      'main',
      inputs({ command: 'download', path: dest, 's3-url': `s3://${bucket}/releases/nope.zip` }),
      { runner: job },
    );
    expectCleanFailure(
      run,
      new RegExp(`s3://${bucket}/releases/nope\\.zip nor its \\.delta exists`),
    );
    expect(await filesUnder(dest)).toEqual([]);
  });

  it('access denied on upload names the permission to grant', async () => {
    const denying = await FaultProxy.start(server.endpoint);
    cleanups.push(() => denying.stop());
    denying.failNext(Infinity, {
      status: 403,
      code: 'AccessDenied',
      message: 'Access Denied',
      match: (r) => r.method === 'PUT' || r.method === 'POST' || r.method === 'DELETE',
    });
    const file = join(await freshDir('denied'), 'app.bin');
    await writeArtifact(file, 2 * MIB, 4);

    const run = await runAction(
      'main',
      inputs(
        { path: file, 's3-url': `s3://${bucket}/denied/`, 'max-attempts': '1' },
        denying.endpoint,
      ),
      { runner: job },
    );

    expectCleanFailure(
      run,
      new RegExp(
        `access denied: PutObject s3://${bucket}/denied/reference\\.bin needs the s3:PutObject ` +
          `permission on arn:aws:s3:::${bucket}/denied/reference\\.bin; grant it to the role or user`,
      ),
    );
    expect(await listKeys(raw, bucket, 'denied/')).toEqual([]);
  });

  it('access denied on download names the permission and writes nothing', async () => {
    const file = join(await freshDir('denied-src'), 'notes.txt');
    await writeFile(file, 'release notes\n');
    const up = await runAction(
      'main',
      inputs({ path: file, 's3-url': `s3://${bucket}/denied-get/` }),
      {
        runner: job,
      },
    );
    expect(up.code).toBe(0);
    const denying = await FaultProxy.start(server.endpoint);
    cleanups.push(() => denying.stop());
    denying.failNext(Infinity, { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const dest = await freshDir('denied-dest');

    const run = await runAction(
      'main',
      inputs(
        {
          command: 'download',
          path: dest,
          's3-url': `s3://${bucket}/denied-get/notes.txt`,
          'max-attempts': '1',
        },
        denying.endpoint,
      ),
      { runner: job },
    );

    expectCleanFailure(run, /access denied: HeadObject .*needs the s3:GetObject permission/);
    expect(await filesUnder(dest)).toEqual([]);
  });

  it('missing credentials say how to configure them', async () => {
    const empty = join(await freshDir('no-aws'), 'empty');
    await writeFile(empty, '');
    const file = join(await freshDir('creds'), 'app.bin');
    await writeArtifact(file, 1024, 5);
    const started = Date.now();

    const run = await runAction('main', inputs({ path: file, 's3-url': `s3://${bucket}/creds/` }), {
      runner: job,
      env: {
        AWS_ACCESS_KEY_ID: undefined,
        AWS_SECRET_ACCESS_KEY: undefined,
        AWS_SESSION_TOKEN: undefined,
        AWS_PROFILE: undefined,
        AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
        AWS_ROLE_ARN: undefined,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
        AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: empty,
        AWS_SHARED_CREDENTIALS_FILE: empty,
      },
    });

    expectCleanFailure(
      run,
      /no AWS credentials found .*aws-actions\/configure-aws-credentials.*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await listKeys(raw, bucket, 'creds/')).toEqual([]);
  });

  it('objects whose names would escape the destination: refused, nothing written anywhere', async () => {
    // Keys DeltaGlider never writes, put there by another tool.
    const hostile = ['escape/..', 'escape/..\\..\\evil.bin', 'escape/tab\there.bin'];
    for (const key of [...hostile, 'escape/ok.txt', 'escape/../outside.bin']) {
      await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    }
    const parent = await freshDir('escape-parent');
    const dest = join(parent, 'dest');
    await mkdir(dest);

    const run = await runAction(
      'main',
      inputs({ command: 'download', path: dest, 's3-url': `s3://${bucket}/escape/` }),
      { runner: job },
    );

    const error = expectCleanFailure(
      run,
      new RegExp(`s3://${bucket}/escape/ holds objects that cannot be restored as files`),
    );
    expect(error).toContain(`s3://${bucket}/escape/..`);
    expect(error).toContain('evil.bin');
    expect(error).toContain('control character');
    expect(error).toMatch(/Nothing was downloaded/);
    // Not even the harmless file, and nothing beside or above the destination.
    expect(await filesUnder(parent)).toEqual([]);
    expect(await filesUnder(job.workspace)).toEqual([]);
  });
});

describe('odd but valid files round-trip', () => {
  it('an empty file', async () => {
    const file = join(await freshDir('empty'), 'empty.bin');
    await writeFile(file, '');
    const up = await runAction('main', inputs({ path: file, 's3-url': `s3://${bucket}/empty/` }), {
      runner: job,
    });
    expect(up.code).toBe(0);
    expect(JSON.parse(up.outputs.results!)[0]).toMatchObject({
      name: 'empty.bin',
      kind: 'direct',
      'original-bytes': 0,
    });

    const dest = await freshDir('empty-dest');
    const down = await runAction(
      'main',
      inputs({ command: 'download', path: dest, 's3-url': `s3://${bucket}/empty/empty.bin` }),
      { runner: job },
    );
    expect(down.code).toBe(0);
    expect((await stat(join(dest, 'empty.bin'))).size).toBe(0);
  });

  it('names with spaces and non-ASCII characters, in a non-ASCII prefix', async () => {
    const dir = await freshDir('names');
    const v1 = join(dir, 'приложение-1.0.bin');
    const v2 = join(dir, 'my app (1).zip');
    const v3 = join(dir, 'приложение 1.1 (β).bin');
    await writeArtifact(v1, 2 * MIB, 6);
    await writeNextVersion(v1, v2, { seed: 7 });
    await writeNextVersion(v2, v3, { seed: 8 });
    const prefix = 'релизы/app';

    for (const file of [v1, v2, v3]) {
      const run = await runAction(
        'main',
        inputs({ path: file, 's3-url': `s3://${bucket}/${prefix}/` }),
        {
          runner: job,
        },
      );
      expect({ file, code: run.code, stderr: run.stderr }).toEqual({ file, code: 0, stderr: '' });
    }

    expect(await listKeys(raw, bucket, `${prefix}/`)).toEqual(
      [
        `${prefix}/reference.bin`,
        ...[v1, v2, v3].map((f) => `${prefix}/${f.split('/').pop()}.delta`),
      ].sort(),
    );
    const meta = async (key: string) =>
      (await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}` })))
        .Metadata ?? {};
    const reference = await meta('reference.bin');
    // Stored as printable ASCII (RFC 2047 encoded-words), read back as the name.
    expect(reference['dg-source-name']).toMatch(
      /^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=( =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=)*$/,
    );
    expect(decodeHeaderValue(reference['dg-source-name']!)).toBe('приложение-1.0.bin');
    expect((await meta('my app (1).zip.delta'))['dg-original-name']).toBe('my app (1).zip');
    const third = await meta('приложение 1.1 (β).bin.delta');
    expect(decodeHeaderValue(third['dg-original-name']!)).toBe('приложение 1.1 (β).bin');
    expect(decodeHeaderValue(third['dg-ref-key']!)).toBe(`${prefix}/reference.bin`);
    expect(Number(third['dg-delta-size'])).toBeLessThan(MIB / 10);

    const fresh = await newJob();
    cleanups.push(() => rm(fresh.dir, { recursive: true, force: true }));
    const dest = join(fresh.workspace, 'out');
    const down = await runAction(
      'main',
      inputs({ command: 'download', path: dest, 's3-url': `s3://${bucket}/${prefix}/` }),
      { runner: fresh },
    );
    expect(down.code).toBe(0);
    expect(await filesUnder(dest)).toEqual([
      'my app (1).zip',
      'приложение 1.1 (β).bin',
      'приложение-1.0.bin',
    ]);
    for (const file of [v1, v2, v3]) {
      const name = file.split('/').pop()!;
      expect([name, await sha256File(join(dest, name))]).toEqual([name, await sha256File(file)]);
    }
  }, 120_000);
});
