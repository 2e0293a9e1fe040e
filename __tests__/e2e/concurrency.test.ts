// Concurrent first uploads into one empty DeltaSpace, as matrix builds do them: separate
// processes running the built bundle against moto (which honours If-None-Match), and
// the core against fauxqs (which ignores it), including a racer whose reference upload
// reaches the server only after another racer has finished. Whatever the interleaving,
// the space ends with one reference and every racer's file reads back byte-exact.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type S3Client } from '@aws-sdk/client-s3';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction } from '../../scripts/lib/run-action.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import type { DeltaSpace, FileResult } from '../../src/core/models.js';
import { DEFAULT_REFERENCE_POLICY } from '../../src/core/references/choose.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';
import { incompleteUploads, keysIn } from '../helpers/bucket.js';
import { writeVersions } from '../helpers/versions.js';

const MIB = 1024 * 1024;
const RACERS = 4;
const bundle = new URL('../../dist/main/index.js', import.meta.url);

let moto: S3TestServer;
let fauxqs: S3TestServer;
let workDir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  moto = await startS3Server();
  fauxqs = await startS3Server({
    env: { ...process.env, S3_TEST_SERVER: 'fauxqs' },
    warn: () => {},
  });
  expect(fauxqs.capabilities.conditionalWrites).toBe(false); // the point of using it
  workDir = await mkdtemp(join(tmpdir(), 'dg-race-'));
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await moto?.stop();
  await fauxqs?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

let fileCounter = 0;
/** `count` consecutive versions of a `size`-byte artifact, named app-1.bin, app-2.bin, … */
function versions(count: number, size: number): Promise<string[]> {
  fileCounter += 1;
  const names = Array.from({ length: count }, (_, i) => `app-${i + 1}.bin`);
  return writeVersions(join(workDir, `v${fileCounter}`), names, size, fileCounter * 31);
}

function client(server: S3TestServer): S3Client {
  const created = createS3Client(s3TestOptions(server.endpoint));
  cleanups.push(() => created.destroy());
  return created;
}

/** Use cases of their own (own S3 client, cache and scratch dir): one racer. */
async function racer(endpoint: string): Promise<ServiceFixture> {
  const storage = new S3Storage({ ...s3TestOptions(endpoint), maxAttempts: 3 });
  const fixture = await serviceOver(storage);
  cleanups.push(async () => {
    await fixture.cleanup();
    storage.close();
  });
  return fixture;
}

/** A fresh reader (empty cache) restores every file of the space byte-exact. */
async function expectAllRestore(
  server: S3TestServer,
  space: DeltaSpace,
  files: string[],
): Promise<void> {
  const reader = await racer(server.endpoint);
  const out = join(reader.dir, 'restored');
  const results = await reader.service.downloads.downloadAll(space, out);
  expect(results.map((r) => r.name).sort()).toEqual(files.map((f) => f.split('/').pop()).sort());
  for (const file of files) {
    const name = file.split('/').pop()!;
    expect([name, await sha256File(join(out, name))]).toEqual([name, await sha256File(file)]);
  }
}

function expectOneReference(keys: string[], files: string[]): void {
  expect(keys).toEqual(
    ['reference.bin', ...files.map((f) => `${f.split('/').pop()}.delta`)].sort(),
  );
}

describe.each([
  ['moto (honours If-None-Match)', () => moto],
  ['fauxqs (ignores If-None-Match)', () => fauxqs],
])('separate processes running the bundle on %s', (_label, server) => {
  it(`${RACERS} jobs uploading into one empty DeltaSpace: one reference, every file intact`, async () => {
    if (!existsSync(bundle))
      throw new Error('dist/main/index.js is missing: run `npm run build` first');
    const bucket = await server().createBucket();
    const space = { bucket, prefix: 'releases/app' };
    const files = await versions(RACERS, 3 * MIB);

    const runs = await Promise.all(
      files.map((file) =>
        runAction('main', {
          path: file,
          's3-url': `s3://${bucket}/releases/app/`,
          'endpoint-url': server().endpoint,
          region: 'us-east-1',
          summary: 'false',
          comment: 'never',
        }),
      ),
    );
    cleanups.push(() =>
      Promise.all(runs.map((r) => rm(r.job.dir, { recursive: true, force: true }))).then(
        () => undefined,
      ),
    );

    for (const run of runs)
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const kinds = runs
      .map((run) => (JSON.parse(run.outputs.results!) as FileResult[])[0]!.kind)
      .sort();
    expect(kinds).toEqual(['delta', 'delta', 'delta', 'reference']);
    expectOneReference(await keysIn(client(server()), space), files);
    expect(await incompleteUploads(client(server()), space)).toBe(0); // losers aborted theirs

    // A fresh job restores the whole space through the bundle too.
    const restore = await newJob();
    cleanups.push(() => rm(restore.dir, { recursive: true, force: true }));
    const out = join(restore.workspace, 'out');
    const download = await runAction(
      'main',
      {
        command: 'download',
        path: out,
        's3-url': `s3://${bucket}/releases/app/`,
        'endpoint-url': server().endpoint,
        region: 'us-east-1',
        summary: 'false',
      },
      { runner: restore },
    );
    expect(download.code).toBe(0);
    for (const file of files) {
      const name = file.split('/').pop()!;
      expect([name, await sha256File(join(out, name))]).toEqual([name, await sha256File(file)]);
    }
  }, 180_000);
});

describe.each([
  ['fauxqs (ignores If-None-Match)', () => fauxqs],
  ['moto (honours If-None-Match)', () => moto],
])('the core racing on %s', (_label, server) => {
  it(`${RACERS} racers started together, over 3 rounds: every file intact`, async () => {
    for (let round = 0; round < 3; round++) {
      const bucket = await server().createBucket();
      const space = { bucket, prefix: 'releases/app' };
      const files = await versions(RACERS, 2 * MIB);
      const racers = await Promise.all(files.map(() => racer(server().endpoint)));

      const results = await Promise.all(
        files.map((file, i) => racers[i]!.service.uploads.upload(file, space)),
      );

      expect(results.filter((r) => r.kind === 'reference').length).toBeLessThanOrEqual(1);
      expectOneReference(await keysIn(client(server()), space), files);
      expect(await incompleteUploads(client(server()), space)).toBe(0);
      await expectAllRestore(server(), space, files);
    }
  }, 120_000);

  it('a racer whose reference reaches the server after the other racer finished', async () => {
    const bucket = await server().createBucket();
    const space = { bucket, prefix: 'releases/app' };
    const [fast, slow] = await versions(2, 2 * MIB);
    // The slow racer's reference body is held by the network until the fast racer is
    // done: it saw an empty space, and its bytes arrive after the race was decided.
    const network = await FaultProxy.start(server().endpoint);
    cleanups.push(() => network.stop());
    let fastDone!: () => void;
    const fastFinished = new Promise<void>((resolve) => (fastDone = resolve));
    network.holdNext(Infinity, {
      until: fastFinished,
      match: (r) => r.method === 'PUT' && r.key === `${space.prefix}/reference.bin`,
    });
    const [a, b] = [await racer(server().endpoint), await racer(network.endpoint)];

    const slowUpload = b.service.uploads.upload(slow!, space);
    // Let the slow racer see the empty space and start sending before the fast one starts.
    while (
      network.count((r) => r.key === `${space.prefix}/reference.bin` && r.method === 'PUT') === 0
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const fastResult = await a.service.uploads.upload(fast!, space).finally(fastDone);
    const slowResult = await slowUpload;

    expect([fastResult.kind, slowResult.kind]).toEqual(['reference', 'delta']);
    expectOneReference(await keysIn(client(server()), space), [fast!, slow!]);
    expect(await incompleteUploads(client(server()), space)).toBe(0);
    await expectAllRestore(server(), space, [fast!, slow!]);
  }, 60_000);
});

describe.each([
  ['fauxqs (ignores If-None-Match)', () => fauxqs],
  ['moto (honours If-None-Match)', () => moto],
])('smart references racing on %s', (_label, server) => {
  it(`${RACERS} racers storing versions of one new artifact line: every file intact`, async () => {
    const bucket = await server().createBucket();
    const space = { bucket, prefix: 'releases/app' };
    // The space's first reference is another line (unrelated bytes), so each racer finds
    // no reference for its file and makes new ones under .dg-refs/ at the same moment.
    const [other] = await versions(1, 2 * MIB);
    const first = await racer(server().endpoint);
    await first.service.uploads.upload(other!, space, 'other-1.0.bin');
    const files = await versions(RACERS, 2 * MIB);
    const racers = await Promise.all(
      files.map(async () => {
        const storage = new S3Storage({ ...s3TestOptions(server().endpoint), maxAttempts: 3 });
        const fixture = await serviceOver(storage, { references: DEFAULT_REFERENCE_POLICY });
        cleanups.push(async () => {
          await fixture.cleanup();
          storage.close();
        });
        return fixture;
      }),
    );
    await Promise.all(files.map((file, i) => racers[i]!.service.uploads.upload(file, space)));

    const keys = await keysIn(client(server()), space);
    const extras = keys.filter((k) => k.startsWith('.dg-refs/'));
    expect(extras.length).toBeGreaterThanOrEqual(1);
    expect(extras.every((k) => /^\.dg-refs\/[0-9a-f]{16}\/reference\.bin$/.test(k))).toBe(true);
    expect(await incompleteUploads(client(server()), space)).toBe(0);
    const otherPath = join(workDir, 'other-1.0.bin');
    await copyFile(other!, otherPath);
    await expectAllRestore(server(), space, [otherPath, ...files]);
  }, 120_000);
});
