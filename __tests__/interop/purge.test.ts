// Rehydrated copies with the reference DeltaGlider CLI: its `purge` selects the expired
// copies our presign writes (and not live ones), so the two tools can share a bucket's
// .deltaglider/tmp/. (Our purge reading its format: unit and e2e tests.)
import { afterAll, beforeAll, expect } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { rehydratedKey, rehydratedMetadata } from '../../src/core/rehydrate.js';
import { runReferenceCli } from '../helpers/reference-cli.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { testUnless } from '../helpers/skip-note.js';
import { oracleUnavailable } from './oracle.js';

const unavailable = oracleUnavailable();
const itOracle = testUnless(unavailable);

let server: S3TestServer;
let work: string;

beforeAll(async () => {
  if (unavailable) return;
  server = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'dg-purge-interop-'));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

itOracle(
  "the reference CLI's purge selects our expired copy and not the live one",
  async () => {
    const bucket = await server.createBucket();
    const client = createS3Client(s3TestOptions(server.endpoint));
    const storage = new S3Storage(s3TestOptions(server.endpoint), client);
    const file = join(work, 'app.zip');
    await writeFile(file, 'whole bytes');
    const now = new Date();
    const hour = 3600_000;
    const expired = rehydratedKey('app.zip');
    const live = rehydratedKey('app.zip');
    await storage.upload(
      bucket,
      expired,
      file,
      rehydratedMetadata(
        'p/app.zip.delta',
        'app.zip',
        new Date(now.getTime() - 2 * hour),
        new Date(now.getTime() - hour),
      ),
    );
    await storage.upload(
      bucket,
      live,
      file,
      rehydratedMetadata('p/app.zip.delta', 'app.zip', now, new Date(now.getTime() + hour)),
    );
    // Its purge without --dry-run deletes nothing at all, its own copies included (v6.1.2
    // compares its naive clock with the aware expiry it parses: "can't compare
    // offset-naive and offset-aware datetimes"); --dry-run selects with an aware clock.
    const dry = await runReferenceCli(server.endpoint, ['purge', bucket, '--dry-run', '--json']);
    expect(dry.status).toBe(0);
    const report = JSON.parse(dry.stdout) as {
      would_delete_count: number;
      expired_files: { key: string }[];
    };
    expect(report.would_delete_count).toBe(1);
    expect(report.expired_files.map((f) => f.key)).toEqual([expired]);
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((page.Contents ?? []).map((o) => o.Key).sort()).toEqual([expired, live].sort());
    client.destroy();
  },
  120_000,
);
