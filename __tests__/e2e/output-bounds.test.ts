// The built bundle against moto with objects made to explode: a few hundred bytes of
// delta or reference must not become gigabytes on the runner. Each is one `::error::`
// line and nothing written; a hostile archive at upload is stored without expansion,
// with one notice.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash, randomBytes } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { ActionRun } from '../../scripts/lib/run-action.mjs';
import { encodeDelta, encodeReference, type ArchiveFields } from '../../src/core/metadata.js';
import { useBundleSuite } from '../helpers/bundle-suite.js';

const MIB = 1024 * 1024;

const suite = useBundleSuite();

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function put(key: string, body: Buffer, metadata: Record<string, string>) {
  await suite.raw.send(
    new PutObjectCommand({ Bucket: suite.bucket, Key: key, Body: body, Metadata: metadata }),
  );
}

/** reference.bin of a DeltaSpace, as another writer could put it; returns its sha256. */
async function putReference(prefix: string, body: Buffer): Promise<string> {
  const sha = sha256(body);
  await put(
    `${prefix}/reference.bin`,
    body,
    encodeReference({ sourceName: 'r', sha256: sha, createdAt: new Date() }),
  );
  return sha;
}

function deltaMeta(prefix: string, refSha: string, size: number, archive?: ArchiveFields) {
  return encodeDelta({
    originalName: 'app.bin',
    sha256: 'a'.repeat(64),
    size,
    createdAt: new Date(),
    refKey: `${prefix}/reference.bin`,
    refSha256: refSha,
    deltaSize: 1,
    deltaCmd: 'xdelta3',
    archive,
  });
}

/** One `::error::` line matching `message`, exit code 1, no stack trace anywhere. */
function expectCleanFailure(run: ActionRun, message: RegExp): void {
  expect(run.code).toBe(1);
  const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

/** Files under a directory, recursively ([] when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Files in RUNNER_TEMP other than the reference cache: partial outputs, views, deltas. */
async function scratchLeft(): Promise<string[]> {
  return (await filesUnder(suite.job.temp)).filter((f) => !f.includes('/references/'));
}

let dirs = 0;
async function freshDir(name: string): Promise<string> {
  const dir = join(suite.job.dir, `${name}-${++dirs}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('a delta bomb (32 MiB of zeros in a few hundred bytes, dg-file-size 1000)', () => {
  const reference = Buffer.from('a small reference, the bomb needs none\n'.repeat(2000));
  beforeAll(async () => {
    const dir = await freshDir('bomb');
    await writeFile(join(dir, 'ref'), reference);
    await writeFile(join(dir, 'zeros'), Buffer.alloc(32 * MIB));
    execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-s', 'ref', 'zeros', 'delta'], { cwd: dir });
    const refSha = await putReference('bomb', reference);
    await put(
      'bomb/app.bin.delta',
      await readFile(join(dir, 'delta')),
      deltaMeta('bomb', refSha, 1000),
    );
  });

  it('download: stopped at dg-file-size, one error, nothing written', async () => {
    const dest = await freshDir('bomb-dest');
    const run = await suite.run({
      command: 'download',
      path: dest,
      's3-url': `s3://${suite.bucket}/bomb/app.bin`,
    });
    expectCleanFailure(
      run,
      new RegExp(
        `s3://${suite.bucket}/bomb/app\\.bin\\.delta decodes to more than its recorded size ` +
          `\\(dg-file-size: 1000 bytes\\); decoding was stopped\\. The object is corrupt or hostile`,
      ),
    );
    expect(await filesUnder(dest)).toEqual([]);
    expect(await scratchLeft()).toEqual([]);
  });

  it('verify: the file is FAILED for the same reason', async () => {
    const run = await suite.run({ command: 'verify', 's3-url': `s3://${suite.bucket}/bomb/` });
    expect(run.code).toBe(1);
    expect(run.outputs.failed).toBe('1');
    expect(run.stdout).toMatch(
      /::error::app\.bin: .*decodes to more than its recorded size \(dg-file-size: 1000 bytes\)/,
    );
  });
});

it('a delta without dg-file-size is refused', async () => {
  const reference = Buffer.from('reference bytes\n'.repeat(1000));
  const dir = await freshDir('nosize');
  await writeFile(join(dir, 'ref'), reference);
  await writeFile(join(dir, 'next'), Buffer.concat([reference, Buffer.from('v2')]));
  execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-s', 'ref', 'next', 'delta'], { cwd: dir });
  const refSha = await putReference('nosize', reference);
  const meta = deltaMeta('nosize', refSha, reference.length + 2);
  delete meta['dg-file-size'];
  await put('nosize/app.bin.delta', await readFile(join(dir, 'delta')), meta);
  const dest = await freshDir('nosize-dest');

  const run = await suite.run({
    command: 'download',
    path: dest,
    's3-url': `s3://${suite.bucket}/nosize/app.bin`,
  });
  expectCleanFailure(
    run,
    new RegExp(`s3://${suite.bucket}/nosize/app\\.bin\\.delta has no dg-file-size metadata`),
  );
  expect(await filesUnder(dest)).toEqual([]);
});

it('a reference-view bomb stops at the view size the delta records', async () => {
  // 80 KB of gzip, 80 MiB inflated; the delta (never fetched) records a 1000-byte view.
  const refSha = await putReference('viewbomb', gzipSync(Buffer.alloc(80 * MIB), { level: 9 }));
  const archive: ArchiveFields = {
    codec: 'gzip',
    refView: 'view-v1',
    refViewSize: 1000,
    refViewSha256: 'b'.repeat(64),
    expandedSize: 2000,
    expandedSha256: 'c'.repeat(64),
  };
  await put(
    'viewbomb/app.bin.delta',
    Buffer.from('x'),
    deltaMeta('viewbomb', refSha, 1000, archive),
  );
  const dest = await freshDir('viewbomb-dest');

  const run = await suite.run({
    command: 'download',
    path: dest,
    's3-url': `s3://${suite.bucket}/viewbomb/app.bin`,
  });
  expectCleanFailure(
    run,
    /viewbomb\/app\.bin\.delta: The reference's archive-aware view passed 1000 bytes .*building it was stopped/,
  );
  expect(await filesUnder(dest)).toEqual([]);
  expect(await scratchLeft()).toEqual([]);
});

it('a hostile .tgz at upload is stored without expansion, with one notice', async () => {
  const file = join(await freshDir('zeros'), 'zeros.tgz');
  // 16 MiB of zeros and 1.2 MiB of noise (over the 1 MiB a delta needs): past a 4 MiB
  // budget, set small for the test.
  const noise = randomBytes(1.2 * MIB);
  await writeFile(file, gzipSync(Buffer.concat([Buffer.alloc(16 * MIB), noise])));
  // Only a delta expands: the space gets a reference first.
  const seed = join(await freshDir('seed'), 'seed.bin');
  await writeFile(seed, randomBytes(1.2 * MIB));
  expect((await suite.run({ path: seed, 's3-url': `s3://${suite.bucket}/zeros/` })).code).toBe(0);

  const run = await suite.run(
    { path: file, 's3-url': `s3://${suite.bucket}/zeros/` },
    { env: { DELTAGLIDER_ARCHIVE_MAX_BYTES: String(4 * MIB) } },
  );
  expect(run.code).toBe(0);
  const notices = run.stdout.split('\n').filter((l) => l.includes('without archive-aware'));
  expect(notices).toEqual([
    '::notice::zeros.tgz: stored without archive-aware expansion: its expanded content passed 4 MiB, the archive-aware budget for a file of its size',
  ]);
  const listed = await suite.raw.send(
    new ListObjectsV2Command({ Bucket: suite.bucket, Prefix: 'zeros/' }),
  );
  expect((listed.Contents ?? []).map((o) => o.Key)).toEqual([
    'zeros/reference.bin',
    'zeros/seed.bin.delta',
    'zeros/zeros.tgz',
  ]);
});
