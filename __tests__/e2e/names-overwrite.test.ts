// The built bundle with names near the file system's limit, names beyond it, and
// destinations that already hold files: long names round-trip (temporary names never
// lengthen them), a name the disk cannot hold fails before anything is written, and a
// download never silently replaces a file with other bytes.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { newJob } from '../../scripts/lib/run-action.mjs';
import { expectOneError, useBundleSuite } from '../helpers/bundle-suite.js';

const MIB = 1024 * 1024;

const suite = useBundleSuite();

const oneError = expectOneError;

let counter = 0;
async function freshDir(name: string): Promise<string> {
  const dir = join(suite.job.dir, `${name}-${++counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function upload(files: string[], prefix: string): Promise<void> {
  for (const file of files) {
    const run = await suite.run({ path: file, 's3-url': `s3://${suite.bucket}/${prefix}/` });
    expect({ file, code: run.code, stdout: run.code === 0 ? '' : run.stdout }).toEqual({
      file,
      code: 0,
      stdout: '',
    });
  }
}

describe('long names', () => {
  it('a 250-byte name uploads as a delta and downloads byte-exact', async () => {
    const dir = await freshDir('long');
    const v1 = join(dir, 'app.bin');
    const long = join(dir, `${'n'.repeat(246)}.bin`);
    await writeArtifact(v1, 2 * MIB, 31);
    await writeNextVersion(v1, long, { seed: 32 });
    await upload([v1, long], 'long');

    const dest = await freshDir('long-dest');
    const down = await suite.run({
      command: 'download',
      path: dest,
      's3-url': `s3://${suite.bucket}/long/`,
    });
    expect(down.code).toBe(0);
    // Both are deltas: app.bin against itself (it became the reference), the long one too.
    expect(JSON.parse(down.outputs.results!).map((r: { kind: string }) => r.kind)).toEqual([
      'delta',
      'delta',
    ]);
    expect(await sha256File(join(dest, `${'n'.repeat(246)}.bin`))).toBe(await sha256File(long));
  }, 120_000);

  it('a name the file system cannot hold fails before anything is written', async () => {
    const tooLong = `${'x'.repeat(300)}.bin`;
    for (const name of ['a.txt', tooLong]) {
      await suite.raw.send(
        new PutObjectCommand({ Bucket: suite.bucket, Key: `toolong/${name}`, Body: 'x' }),
      );
    }
    const dest = await freshDir('toolong-dest');
    for (const url of [
      `s3://${suite.bucket}/toolong/`,
      `s3://${suite.bucket}/toolong/${tooLong}`,
    ]) {
      const run = await suite.run({ command: 'download', path: dest, 's3-url': url });
      expect(oneError(run)).toMatch(
        new RegExp(
          `^::error::Cannot write ${dest}/x{300}\\.bin: file name too long for this file system ` +
            '\\(ENAMETOOLONG\\)\\. .*shorten the name',
        ),
      );
      expect(await readdir(dest)).toEqual([]);
    }
  });
});

describe('overwrite', () => {
  let source: string;

  beforeAll(async () => {
    source = await freshDir('ow-src');
    await writeFile(join(source, '.npmrc'), 'registry=https://registry.example/\n');
    await writeArtifact(join(source, 'app.bin'), MIB, 41);
    await upload([join(source, '.npmrc'), join(source, 'app.bin')], 'ow');
  }, 60_000);

  it('is off by default: a different file in the workspace is an error and nothing is written', async () => {
    const fresh = await newJob(suite.job.dir);
    await writeFile(join(fresh.workspace, '.npmrc'), 'mine\n');
    // The default path: the workspace.
    const run = await suite.run(
      { command: 'download', 's3-url': `s3://${suite.bucket}/ow/` },
      { runner: fresh },
    );
    expect(oneError(run)).toBe(
      `::error::A file already exists with other content: ${fresh.workspace}/.npmrc. Nothing was ` +
        'downloaded. Allow replacing them (overwrite: true), or download into another directory',
    );
    expect(await readdir(fresh.workspace)).toEqual(['.npmrc']);
    expect(await readFile(join(fresh.workspace, '.npmrc'), 'utf8')).toBe('mine\n');

    const single = await suite.run(
      { command: 'download', 's3-url': `s3://${suite.bucket}/ow/.npmrc` },
      { runner: fresh },
    );
    expect(oneError(single)).toMatch(/A file already exists with other content: .*\/\.npmrc\./);
    expect(await readFile(join(fresh.workspace, '.npmrc'), 'utf8')).toBe('mine\n');
  });

  it('a file already identical counts as downloaded', async () => {
    const dest = await freshDir('ow-same');
    await writeFile(join(dest, '.npmrc'), 'registry=https://registry.example/\n');
    const run = await suite.run({
      command: 'download',
      path: dest,
      's3-url': `s3://${suite.bucket}/ow/`,
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.outputs.results!).map((r: { name: string }) => r.name)).toEqual([
      '.npmrc',
      'app.bin',
    ]);
    expect(await sha256File(join(dest, 'app.bin'))).toBe(await sha256File(join(source, 'app.bin')));
  });

  it('overwrite: true replaces it', async () => {
    const dest = await freshDir('ow-true');
    await writeFile(join(dest, '.npmrc'), 'mine\n');
    const run = await suite.run({
      command: 'download',
      path: dest,
      's3-url': `s3://${suite.bucket}/ow/`,
      overwrite: 'true',
    });
    expect(run.code).toBe(0);
    expect(await readFile(join(dest, '.npmrc'), 'utf8')).toBe(
      'registry=https://registry.example/\n',
    );
  });
});
