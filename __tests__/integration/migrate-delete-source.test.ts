// `migrate --delete-source` against a writer that overwrites a source object while it is
// being migrated (CLI in-process, real S3 server, a loopback relay that holds the chosen
// request until the test has overwritten the source): the source is deleted only if it
// is still the version that was copied, else it stays, and the run says so.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { listKeys } from '../helpers/bucket.js';
import { runCli } from '../helpers/cli.js';
import { FaultProxy, type RequestMatch } from '../helpers/fault-proxy.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { skipNote } from '../helpers/skip-note.js';

const MB = 1024 * 1024;

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let work: string;
let bucket: string;
let v1: Buffer;
let v2: Buffer;

beforeAll(async () => {
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-migrate-race-'));
  await writeArtifact(join(work, 'v1.bin'), MB, 51);
  await writeNextVersion(join(work, 'v1.bin'), join(work, 'v2.bin'), { seed: 52 });
  [v1, v2] = await Promise.all([readFile(join(work, 'v1.bin')), readFile(join(work, 'v2.bin'))]);
}, 60_000);

beforeEach(async () => {
  bucket = await server.createBucket();
});

afterAll(async () => {
  raw?.destroy();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function put(key: string, body: Buffer | string): Promise<void> {
  await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function body(key: string): Promise<Buffer> {
  const answer = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

/**
 * Migrates old/ to rel/app/ with --delete-source through a relay; when the request `hold`
 * matches arrives, old/app-1.bin is overwritten with v2, then the request goes on.
 * `setup` adds faults first. Resolves to the run and the relay (stopped, `seen` kept).
 */
async function migrateWhileOverwritten(hold: RequestMatch, setup?: (proxy: FaultProxy) => void) {
  const proxy = await FaultProxy.start(server.endpoint);
  try {
    setup?.(proxy);
    const { arrived, release } = proxy.holdOne(hold);
    const run = runCli(
      [
        'migrate',
        '--delete-source',
        '--concurrency',
        '1',
        `s3://${bucket}/old/`,
        `s3://${bucket}/rel/app/`,
      ],
      proxy.endpoint,
      join(work, 'cache', bucket),
    );
    // Bounded: a run that never sends the request fails here instead of hanging.
    const first = await Promise.race([arrived.then(() => 'arrived'), run.then(() => 'ended')]);
    expect(first).toBe('arrived');
    await put('old/app-1.bin', v2);
    release();
    return { result: await run, proxy };
  } finally {
    await proxy.stop();
  }
}

/** The bytes rel/app/app-1.bin downloads as, through the CLI. */
async function migratedBytes(): Promise<Buffer> {
  const back = join(work, `back-${bucket}-${Date.now()}.bin`);
  const cp = await runCli(
    ['cp', `s3://${bucket}/rel/app/app-1.bin`, back],
    server.endpoint,
    join(work, 'cache', bucket),
  );
  expect(cp.code).toBe(0);
  return readFile(back);
}

/** Whether the server honours If-Match; says why a case is skipped when not. */
function conditional(): boolean {
  if (server.capabilities.conditionalWrites) return true;
  skipNote(`on ${server.kind}: the server ignores If-Match, which the case relies on`);
  return false;
}

const changedLine = () =>
  `migrate: kept s3://${bucket}/old/app-1.bin: changed since it was copied (run migrate again to move the new version)`;

describe('migrate --delete-source against a concurrent overwrite', () => {
  it('keeps a source overwritten before its DELETE arrives (If-Match), says so, and a re-run moves it', async () => {
    if (!conditional()) return;
    await put('old/app-1.bin', v1);
    await put('old/notes.txt', 'notes\n');
    const { result, proxy } = await migrateWhileOverwritten(
      (r) => r.method === 'DELETE' && r.key === 'old/app-1.bin',
    );
    // The new bytes are still there; the untouched object went as asked.
    expect(await listKeys(raw, bucket, 'old/')).toEqual(['old/app-1.bin']);
    expect((await body('old/app-1.bin')).equals(v2)).toBe(true);
    expect(proxy.seen.find((r) => r.method === 'DELETE')?.headers['if-match']).toMatch(/^"\w+"$/);
    expect(result.code).toBe(0);
    expect(result.err).toContain(changedLine());
    expect(result.out).toContain('source kept: changed since it was copied');

    const json = await runCli(
      ['migrate', '--delete-source', '--json', `s3://${bucket}/old/`, `s3://${bucket}/rel/app/`],
      server.endpoint,
      join(work, 'cache', bucket),
    );
    expect(json).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(json.out).results[0]).toMatchObject({
      name: 'app-1.bin',
      status: 'migrated',
      'source-deleted': true,
    });
    expect(await listKeys(raw, bucket, 'old/')).toEqual([]);
    expect((await migratedBytes()).equals(v2)).toBe(true);
  });

  it('keeps it on a store that ignores If-Match on DELETE: the HEAD just before sees the change', async () => {
    await put('old/app-1.bin', v1);
    // Overwritten after it was read, while its copy is being stored.
    const { result, proxy } = await migrateWhileOverwritten(
      (r) => r.method === 'PUT' && r.key.startsWith('rel/app/'),
      (relay) =>
        relay.dropHeaderNext(Number.POSITIVE_INFINITY, {
          header: 'if-match',
          match: (r) => r.method === 'DELETE',
        }),
    );
    expect((await body('old/app-1.bin')).equals(v2)).toBe(true);
    expect(result.code).toBe(0);
    expect(result.err).toContain(changedLine());
    // The HEAD decided: no DELETE was sent.
    expect(proxy.count((r) => r.method === 'DELETE')).toBe(0);
  });

  it('copies the version it read: overwritten before its GET, it is read again, then deleted', async () => {
    if (!conditional()) return;
    await put('old/app-1.bin', v1);
    const { result, proxy } = await migrateWhileOverwritten(
      (r) => r.method === 'GET' && r.key === 'old/app-1.bin',
    );
    expect(result).toMatchObject({ code: 0, err: '' });
    // The listed version's GET was refused (412) and the new version read whole.
    const gets = proxy.seen.filter((r) => r.method === 'GET' && r.key === 'old/app-1.bin');
    expect(gets.map((r) => typeof r.headers['if-match'])).toEqual(['string', 'string']);
    expect(gets[0]!.headers['if-match']).not.toBe(gets[1]!.headers['if-match']);
    expect(await listKeys(raw, bucket, 'old/')).toEqual([]);
    expect((await migratedBytes()).equals(v2)).toBe(true);
  });
});
