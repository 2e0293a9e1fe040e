// The built bundle with `command: sync` (both ways, filters, delete, dry-run) and
// `command: migrate` (plain objects into a DeltaSpace, a resumed run, delete-source):
// what lands in the bucket and on disk, the outputs, the progress lines, and one error
// line for each bad input.
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { listKeys } from '../helpers/bucket.js';
import { expectOneError, useBundleSuite } from '../helpers/bundle-suite.js';

const suite = useBundleSuite();
const run = suite.run;

async function tree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [path, body] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), body);
  }
}

describe('sync', () => {
  it('uploads what differs, deletes only with delete (dry-run first), and downloads it back', async () => {
    const local = join(suite.job.workspace, 'site');
    const app = randomBytes(256 * 1024);
    await tree(local, {
      'app.bin': app,
      'lib/x.txt': 'x v1\n',
      'lib/y.txt': 'y\n',
      'debug.log': 'noise\n',
    });
    const up = await run({
      command: 'sync',
      path: local,
      's3-url': `s3://${suite.bucket}/site/`,
      filters: 'exclude *.log',
    });
    expect(up.code).toBe(0);
    expect(up.outputs).toMatchObject({ files: '3', deleted: '0', unchanged: '0' });
    expect(up.stdout).toContain('sync: 3 of 3 done (100%)');
    expect(await listKeys(suite.raw, suite.bucket, 'site/')).toEqual(
      expect.arrayContaining(['site/lib/x.txt', 'site/lib/y.txt']),
    );
    expect((await listKeys(suite.raw, suite.bucket, 'site/')).some((k) => k.includes('.log'))).toBe(
      false,
    );

    await writeFile(join(local, 'lib/x.txt'), 'x v2, longer\n');
    await rm(join(local, 'lib/y.txt'));
    const dry = await run({
      command: 'sync',
      path: local,
      's3-url': `s3://${suite.bucket}/site/`,
      filters: 'exclude *.log',
      delete: 'true',
      'dry-run': 'true',
    });
    expect(dry.code).toBe(0);
    expect(dry.outputs).toMatchObject({ files: '1', deleted: '1', unchanged: '1' });
    expect(dry.stdout).toContain(`(dry run) delete: s3://${suite.bucket}/site/lib/y.txt`);
    expect(await listKeys(suite.raw, suite.bucket, 'site/lib/')).toContain('site/lib/y.txt');

    const real = await run({
      command: 'sync',
      path: local,
      's3-url': `s3://${suite.bucket}/site/`,
      filters: 'exclude *.log',
      delete: 'true',
    });
    expect(real.code).toBe(0);
    expect(real.outputs).toMatchObject({ files: '1', deleted: '1', unchanged: '1' });
    expect(real.stdout).toContain('::group::Deleting 1 file');
    expect(await listKeys(suite.raw, suite.bucket, 'site/lib/')).not.toContain('site/lib/y.txt');

    const down = join(suite.job.workspace, 'mirror');
    const back = await run({
      command: 'sync',
      direction: 'download',
      path: down,
      's3-url': `s3://${suite.bucket}/site/`,
    });
    expect(back.code).toBe(0);
    expect(back.outputs).toMatchObject({ files: '2', deleted: '0' });
    expect((await readFile(join(down, 'app.bin'))).equals(app)).toBe(true);
    expect(await readFile(join(down, 'lib/x.txt'), 'utf8')).toBe('x v2, longer\n');
  }, 120_000);

  it('down honours overwrite as download does: a differing local file stops it, nothing written', async () => {
    const local = join(suite.job.workspace, 'checkout');
    const mine = 'registry=https://npm.internal.example/\n';
    await tree(local, { '.npmrc': mine });
    for (const [key, body] of [
      ['cfg/.npmrc', 'registry=https://elsewhere.example/\n//elsewhere.example/:_authToken=x\n'],
      ['cfg/new.txt', 'new\n'],
    ] as const) {
      await suite.raw.send(new PutObjectCommand({ Bucket: suite.bucket, Key: key, Body: body }));
    }
    const inputs = { path: local, 's3-url': `s3://${suite.bucket}/cfg/` };
    const refused = expectOneError(
      await run({ ...inputs, command: 'sync', direction: 'download' }),
    );
    expect(refused).toContain(`A file already exists with other content: ${join(local, '.npmrc')}`);
    // The same inputs with command: download refuse with the same words.
    expect(expectOneError(await run({ ...inputs, command: 'download' }))).toBe(refused);
    expect(await readFile(join(local, '.npmrc'), 'utf8')).toBe(mine);
    await expect(readFile(join(local, 'new.txt'))).rejects.toThrow(/ENOENT/);

    const replaced = await run({
      ...inputs,
      command: 'sync',
      direction: 'download',
      overwrite: 'true',
    });
    expect(replaced.code).toBe(0);
    expect(replaced.outputs).toMatchObject({ files: '2', unchanged: '0' });
    expect(await readFile(join(local, '.npmrc'), 'utf8')).toContain('elsewhere.example');
    expect(await readFile(join(local, 'new.txt'), 'utf8')).toBe('new\n');
  }, 60_000);

  it('refuses a filters line that is neither exclude nor include, with one error line', async () => {
    const error = expectOneError(
      await run({
        command: 'sync',
        path: suite.job.workspace,
        's3-url': `s3://${suite.bucket}/site/`,
        filters: 'skip *.log',
      }),
    );
    expect(error).toContain('Each line of filters is "exclude GLOB" or "include GLOB"');
  });
});

describe('migrate', () => {
  it('stores plain objects in a DeltaSpace, skips them on a re-run, and deletes the source only when asked', async () => {
    const base = randomBytes(1536 * 1024);
    for (const version of ['1.9.0', '1.10.0', '1.2.0']) {
      const body = Buffer.concat([base, Buffer.from(`release ${version}\n`)]);
      await suite.raw.send(
        new PutObjectCommand({
          Bucket: suite.bucket,
          Key: `legacy/app-${version}.bin`,
          Body: body,
        }),
      );
    }
    const inputs = {
      command: 'migrate',
      'source-url': `s3://${suite.bucket}/legacy/`,
      's3-url': `s3://${suite.bucket}/migrated/`,
    };

    const dry = await run({ ...inputs, 'dry-run': 'true' });
    expect(dry.code).toBe(0);
    expect(dry.outputs).toMatchObject({ files: '3', unchanged: '0' });
    expect(await listKeys(suite.raw, suite.bucket, 'migrated/')).toEqual([]);
    const predicted = Number(dry.outputs['predicted-bytes']);
    // sample 0: the same listing, no object downloaded, no prediction.
    const quick = await run({ ...inputs, 'dry-run': 'true', sample: '0', summary: 'true' });
    expect(quick.code).toBe(0);
    expect(quick.outputs).toMatchObject({ files: '3', unchanged: '0' });
    expect(quick.outputs).not.toHaveProperty('predicted-bytes');
    expect(quick.summary).toContain('No prediction of the stored size (sample: 0)');

    const first = await run(inputs);
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({ files: '3', unchanged: '0' });
    // The dry run's prediction (the reference whole, the others really delta-encoded)
    // is within 10% of what the migration stored: about a third of the 4.5 MiB.
    const stored = Number(first.outputs['stored-bytes']);
    expect(stored).toBeLessThan(Number(first.outputs['original-bytes']) / 2);
    expect(Math.abs(predicted - stored) / stored).toBeLessThan(0.1);
    expect(first.stdout).toContain('migrate: 3 of 3 done (100%)');
    const kinds = (JSON.parse(first.outputs.results!) as { name: string; kind: string }[]).map(
      (r) => `${r.name}:${r.kind}`,
    );
    // In the order of release: 1.2.0 is the reference, the others deltas against it.
    expect(kinds).toEqual([
      'app-1.2.0.bin:reference',
      'app-1.9.0.bin:delta',
      'app-1.10.0.bin:delta',
    ]);

    const again = await run({ ...inputs, 'delete-source': 'true' });
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ files: '3', unchanged: '3' });
    expect(await listKeys(suite.raw, suite.bucket, 'legacy/')).toEqual([]);
  }, 120_000);

  it('with delete-source, keeps a source overwritten before its DELETE, warns and counts it', async () => {
    const key = 'changing/app-1.0.bin';
    const put = (body: Buffer) =>
      suite.raw.send(new PutObjectCommand({ Bucket: suite.bucket, Key: key, Body: body }));
    const [before, after] = [randomBytes(64 * 1024), randomBytes(64 * 1024)];
    await put(before);
    const proxy = await FaultProxy.start(suite.server.endpoint);
    try {
      const { arrived, release } = proxy.holdOne((r) => r.method === 'DELETE' && r.key === key);
      const migrating = run({
        command: 'migrate',
        'source-url': `s3://${suite.bucket}/changing/`,
        's3-url': `s3://${suite.bucket}/changed/`,
        'delete-source': 'true',
        'endpoint-url': proxy.endpoint,
        summary: 'true',
      });
      expect(
        await Promise.race([arrived.then(() => 'arrived'), migrating.then(() => 'ended')]),
      ).toBe('arrived');
      await put(after);
      release();
      const result = await migrating;
      const got = await suite.raw.send(new GetObjectCommand({ Bucket: suite.bucket, Key: key }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(after)).toBe(true);
      expect(result.code).toBe(0);
      expect(result.outputs).toMatchObject({ files: '1', 'sources-kept': '1' });
      const kept = `s3://${suite.bucket}/${key}: changed since it was copied (run the step again to move the new version)`;
      expect(result.stdout).toContain(`::warning::delete-source kept ${kept}`);
      expect(result.summary).toContain(`Kept ${kept}`);
    } finally {
      await proxy.stop();
    }
  }, 60_000);

  it('refuses a missing source-url and a destination inside the source, each with one line', async () => {
    const missing = expectOneError(
      await run({ command: 'migrate', 's3-url': `s3://${suite.bucket}/migrated/` }),
    );
    expect(missing).toContain('Input source-url is required for migrate');
    const inside = expectOneError(
      await run({
        command: 'migrate',
        'source-url': `s3://${suite.bucket}/legacy/`,
        's3-url': `s3://${suite.bucket}/legacy/new/`,
      }),
    );
    expect(inside).toContain('overlap');
  });
});
