// src/app is the one composition root: every command of both shells runs on the app's one
// storage and its one scratch folder. A storage wrapper (the CLI's progress line uses the
// same seam) records each call, so a command that built an S3 client or a scratch folder
// of its own, as presign, purge, prune and migrate once did in the action, shows here.
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createApp, type App } from '../../src/app/create-app.js';
import { migrate, planMigrate } from '../../src/app/migrate.js';
import { prune } from '../../src/app/prune.js';
import { purge } from '../../src/app/purge.js';
import { spacesUnder } from '../../src/app/spaces.js';
import { sync } from '../../src/app/sync.js';
import { upload } from '../../src/app/upload.js';
import { REHYDRATED_PREFIX } from '../../src/core/rehydrate.js';
import type { StoragePort } from '../../src/ports.js';
import { recordingLogger } from '../helpers/service-fixture.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { writeVersions } from '../helpers/versions.js';

/** `method bucket key-or-prefix` of every storage call, in order. */
type Calls = string[];

function recording(inner: StoragePort, calls: Calls): StoragePort {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push([String(property), ...args.slice(0, 2).map(String)].join(' '));
        return value.apply(target, args);
      };
    },
  });
}

let server: S3TestServer;
let work: string;
let bucket: string;
let app: App;
let scratchRoot: string;
const calls: Calls = [];
/** The calls a command made: those recorded while it ran. */
async function during(work: () => Promise<unknown>): Promise<Calls> {
  const from = calls.length;
  await work();
  return calls.slice(from);
}

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  work = await mkdtemp(join(tmpdir(), 'dg-app-one-storage-'));
  scratchRoot = join(work, 'scratch-root');
  await mkdir(scratchRoot);
  app = createApp({
    storage: s3TestOptions(server.endpoint),
    wrapStorage: (s3) => recording(s3, calls),
    log: recordingLogger(),
    xdelta3Binary: process.env.XDELTA3 ?? 'xdelta3',
    maxRatio: 0.5,
    concurrency: 2,
    scratchRoot,
    cacheRoot: join(work, 'cache'),
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('every command runs on the app’s one storage and scratch folder', () => {
  it('upload with presign writes the rehydrated copy through it', async () => {
    const paths = await writeVersions(
      join(work, 'v'),
      ['app-1.zip', 'app-2.zip'],
      2 * 1024 * 1024,
      3,
    );
    const space = { bucket, prefix: 'rel/app' };
    let outcome: Awaited<ReturnType<typeof upload>> | undefined;
    const seen = await during(async () => {
      outcome = await upload(app, { files: paths, space, presignSeconds: 600 });
    });
    expect(outcome!.results.map((r) => r.kind)).toEqual(['reference', 'delta']);
    expect(outcome!.results.every((r) => r.downloadUrl?.includes('X-Amz-Signature='))).toBe(true);
    expect(outcome!.presigned?.copies).toBe(2);
    const copies = seen.filter((c) => c.startsWith(`upload ${bucket} ${REHYDRATED_PREFIX}`));
    expect(copies.map((c) => c.replace(/[0-9a-f]{32}_/, ''))).toEqual([
      `upload ${bucket} ${REHYDRATED_PREFIX}app-1.zip`,
      `upload ${bucket} ${REHYDRATED_PREFIX}app-2.zip`,
    ]);
  });

  it('purge, prune, sync and migrate read and write through it', async () => {
    const purged = await during(() => purge(app, bucket, { dryRun: true }));
    expect(purged.some((c) => c.startsWith(`list ${bucket} ${REHYDRATED_PREFIX}`))).toBe(true);

    const root = { bucket, prefix: 'rel/app' };
    const pruned = await during(async () => {
      const spaces = await spacesUnder(app, [root], { recursive: false });
      await prune(app, {
        spaces,
        rule: { kind: 'keep-last', count: 1 },
        dryRun: true,
        now: new Date(),
      });
    });
    expect(pruned.some((c) => c.startsWith(`list ${bucket} rel/app/`))).toBe(true);

    const local = join(work, 'synced');
    const synced = await during(() =>
      sync(app, {
        local,
        direction: 'down',
        root,
        delete: false,
        dryRun: false,
        filters: [],
        concurrency: 2,
      }),
    );
    expect((await readdir(local)).sort()).toEqual(['app-1.zip', 'app-2.zip']);
    expect(synced.some((c) => c.startsWith(`download ${bucket} rel/app/`))).toBe(true);

    // Plain objects, as another tool stored them.
    await app.storage.upload(bucket, 'legacy/app-1.zip', join(local, 'app-1.zip'), {});
    await app.storage.upload(bucket, 'legacy/app-2.zip', join(local, 'app-2.zip'), {});
    const scratchSeen: string[][] = [];
    const migrated = await during(async () => {
      const items = await planMigrate(
        app,
        { bucket, prefix: 'legacy/' },
        { bucket, prefix: 'migrated' },
      );
      expect(items.map((i) => i.name)).toEqual(['app-1.zip', 'app-2.zip']);
      const outcomes = await migrate(app, items, {
        deleteSource: false,
        sourceBucket: bucket,
        onDone: () => scratchSeen.push(readdirSync(scratchRoot)),
      });
      expect(outcomes.map((o) => o.kind)).toEqual(['migrated', 'migrated']);
    });
    expect(migrated).toContain(`download ${bucket} legacy/app-2.zip`);
    expect(migrated.some((c) => c.startsWith(`upload ${bucket} migrated/`))).toBe(true);
    // One scratch folder for the whole run: the migration stages its objects in it.
    expect(scratchSeen).toEqual([[basename(app.scratchDir)], [basename(app.scratchDir)]]);
  });
});
