// Totals count what the bucket holds for the files of a run, the references their deltas
// are rebuilt from included, each reference once however many files need it (#30).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { totalsOf, type DeltaSpace } from '../../src/core/models.js';
import { listSpace } from '../../src/core/lister.js';
import { filesJson, fileRecord } from '../../src/core/report.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';
import { writeVersions } from '../helpers/versions.js';

const MIB = 1024 * 1024;
let server: S3TestServer;
let raw: S3Client;
let storage: S3Storage;
let workDir: string;
const fixtures: ServiceFixture[] = [];

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  storage = new S3Storage(s3TestOptions(server.endpoint));
  workDir = await mkdtemp(join(tmpdir(), 'dg-totals-'));
}, 60_000);

afterAll(async () => {
  for (const fixture of fixtures) await fixture.cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  storage?.close();
  raw?.destroy();
  await server?.stop();
});

/** A run of its own: fresh cache, so a download fetches the reference from the bucket. */
async function run(): Promise<ServiceFixture> {
  const fixture = await serviceOver(storage);
  fixtures.push(fixture);
  return fixture;
}

/** Size of every object under the space, by key relative to it, as the server lists them. */
async function held(space: DeltaSpace): Promise<Map<string, number>> {
  const page = await raw.send(
    new ListObjectsV2Command({ Bucket: space.bucket, Prefix: `${space.prefix}/` }),
  );
  return new Map(
    (page.Contents ?? []).map((o) => [o.Key!.slice(space.prefix.length + 1), o.Size ?? 0]),
  );
}

const sum = (sizes: Iterable<number>) => [...sizes].reduce((a, b) => a + b, 0);

it('counts what an upload stored, and the reference downloaded files need, once', async () => {
  const space = { bucket: await server.createBucket(), prefix: 'totals/app' };
  const names = ['v1.bin', 'v2.bin', 'v3.bin'];
  const paths = await writeVersions(join(workDir, 'in'), names, 2 * MIB, 7);

  // The first upload creates the reference: its bytes are what this run stored.
  const uploaded = await (await run()).service.uploads.uploadAll(paths.slice(0, 2), space);
  expect(uploaded.map((r) => r.kind)).toEqual(['reference', 'delta']);
  expect(totalsOf(uploaded).storedBytes).toBe(sum((await held(space)).values()));

  // A later upload counts what it stored: its delta (the reference was counted by the
  // upload that created it; docs/format.md, "What totals count").
  const before = await held(space);
  const later = await (await run()).service.uploads.upload(paths[2]!, space);
  const sizes = await held(space);
  expect(sizes.get('reference.bin')).toBe(2 * MIB);
  expect(later.kind).toBe('delta');
  expect(totalsOf([later]).storedBytes).toBe(sum(sizes.values()) - sum(before.values()));

  // A download of every version (fresh cache: it fetches the reference) counts it once.
  const downloaded = await (await run()).service.downloads.downloadAll(space, join(workDir, 'out'));
  expect(downloaded.map((r) => r.kind)).toEqual(['delta', 'delta', 'delta']);
  const totals = totalsOf(downloaded);
  expect(totals.storedBytes).toBe(sum(sizes.values()));
  expect(totals.originalBytes).toBe(sum([...uploaded, later].map((r) => r.originalBytes)));
  // The JSON and every renderer take the same records.
  const json = filesJson(downloaded.map((r) => fileRecord(space, r)));
  expect(json['stored-bytes']).toBe(totals.storedBytes);

  // A listing's total is what the space holds, the reference it hides included.
  const listed = await listSpace(storage, space);
  expect(listed.map((f) => f.name)).toEqual(names);
  expect(totalsOf(listed).storedBytes).toBe(sum(sizes.values()));
}, 120_000);
