// The core over the real S3 adapter and a real local S3 server (moto), under the things
// that go wrong in production: objects changed or deleted behind DeltaGlider's back,
// S3 answering 503 SlowDown, connections reset mid-body, and the server going away in
// the middle of an upload. Faults come from a proxy in front of moto
// (helpers/fault-proxy.ts); what is left in the bucket is checked against moto directly.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { S3Storage, type S3StorageOptions } from '../../src/adapters/s3/s3-storage.js';
import { IntegrityError, NotFoundError } from '../../src/core/errors.js';
import type { DeltaSpace } from '../../src/core/models.js';
import type { Metadata, PutOptions, StoragePort } from '../../src/ports.js';
import {
  bodyOf,
  FaultProxy,
  uploadOf,
  uploadPart,
  type SeenRequest,
} from '../helpers/fault-proxy.js';
import {
  s3TestOptions,
  sseUnsupported,
  startS3Server,
  type S3TestServer,
} from '../helpers/s3-server.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';
import { incompleteUploads, keysIn } from '../helpers/bucket.js';
import { writeVersions } from '../helpers/versions.js';
import { skipNote } from '../helpers/skip-note.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;

let server: S3TestServer;
let bucket: string;
let raw: S3Client;
let workDir: string;
const cleanups: (() => Promise<void> | void)[] = [];
let spaceCounter = 0;

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  raw = createS3Client(s3TestOptions(server.endpoint));
  workDir = await mkdtemp(join(tmpdir(), 'dg-reliability-'));
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
  raw?.destroy();
  await server?.stop();
});

function newSpace(): DeltaSpace {
  spaceCounter += 1;
  return { bucket, prefix: `rel/space-${spaceCounter}` };
}

/** An S3Storage on `endpoint` (moto itself unless a proxy is given). */
function s3(options: S3StorageOptions & { endpoint?: string } = {}): S3Storage {
  const { endpoint = server.endpoint, ...rest } = options;
  const storage = new S3Storage({ ...s3TestOptions(endpoint), ...rest });
  cleanups.push(() => storage.close());
  return storage;
}

/** The use cases on real adapters over `storage`, with its own cache and scratch dir. */
async function service(storage: StoragePort): Promise<ServiceFixture> {
  const fixture = await serviceOver(storage);
  cleanups.push(() => fixture.cleanup());
  return fixture;
}

async function proxy(): Promise<FaultProxy> {
  const started = await FaultProxy.start(server.endpoint);
  cleanups.push(() => started.stop());
  return started;
}

let fileCounter = 0;
/** Consecutive versions of an artifact (`size` bytes) under the given names. */
function versions(size: number, ...names: string[]): Promise<string[]> {
  fileCounter += 1;
  return writeVersions(join(workDir, `files-${fileCounter}`), names, size, 100 + fileCounter * 10);
}

async function rawHead(key: string) {
  return raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

/** Replaces an object's bytes behind DeltaGlider's back, keeping its metadata. */
async function replaceBody(key: string, body: Buffer): Promise<void> {
  const head = await rawHead(key);
  await raw.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: head.Metadata }),
  );
}

/**
 * The bucket tells no lies: every delta's reference exists and carries the sha256 the
 * delta was made against, and every reference.bin carries its dg- metadata.
 */
async function expectNoLyingObjects(space: DeltaSpace): Promise<void> {
  for (const name of await keysIn(raw, space)) {
    const head = await rawHead(`${space.prefix}/${name}`);
    const meta = head.Metadata ?? {};
    if (name === 'reference.bin') {
      expect(meta['dg-file-sha256']).toMatch(/^[0-9a-f]{64}$/);
      expect(meta['dg-note']).toBe('reference');
    } else if (name.endsWith('.delta')) {
      const ref = await rawHead(meta['dg-ref-key']!).catch(() => undefined);
      expect({ delta: name, reference: ref?.Metadata?.['dg-file-sha256'] }).toEqual({
        delta: name,
        reference: meta['dg-ref-sha256'],
      });
    }
  }
}

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the operation to fail, it succeeded');
  return outcome;
}

describe('objects corrupted behind our back', () => {
  it('a delta holding other bytes fails with both hashes and leaves the destination empty', async () => {
    const space = newSpace();
    const [v1, v2, v3] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin', 'app-3.bin');
    const writer = await service(s3());
    await writer.service.uploads.upload(v1!, space);
    await writer.service.uploads.upload(v2!, space);
    await writer.service.uploads.upload(v3!, space);
    // app-3's delta replaced by app-2's: a valid delta of the same reference, other bytes
    // (fewer: bytes past dg-file-size would stop the decode before any hash).
    const stolen = await readFile(await downloadRaw(`${space.prefix}/app-2.bin.delta`));
    await replaceBody(`${space.prefix}/app-3.bin.delta`, stolen);

    const reader = await service(s3());
    const out = join(reader.dir, 'out');
    const error = await errorOf(reader.service.downloads.download(space, 'app-3.bin', out));

    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toContain(await sha256File(v3!)); // what the metadata promises
    expect(error.message).toContain(await sha256File(v2!)); // what the bytes rebuild to
    expect(await readdir(out)).toEqual([]);
  });

  it('a delta holding garbage fails as corrupt and leaves the destination empty', async () => {
    const space = newSpace();
    const [v1, v2] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin');
    const writer = await service(s3());
    await writer.service.uploads.upload(v1!, space);
    await writer.service.uploads.upload(v2!, space);
    const key = `${space.prefix}/app-2.bin.delta`;
    const body = await readFile(await downloadRaw(key));
    for (let at = 64; at < body.length; at += 97) body[at] = body[at]! ^ 0x5a;
    await replaceBody(key, body);

    const reader = await service(s3());
    const out = join(reader.dir, 'out');
    const error = await errorOf(reader.service.downloads.download(space, 'app-2.bin', out));

    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toMatch(/could not be decoded|rebuilt to bytes with sha256/);
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
  });

  it('a reference holding other bytes fails with both hashes, before anything is written', async () => {
    const space = newSpace();
    const [v1, v2, other] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin', 'other.bin');
    const writer = await service(s3());
    await writer.service.uploads.upload(v1!, space);
    await writer.service.uploads.upload(v2!, space);
    await replaceBody(`${space.prefix}/reference.bin`, await readFile(other!));

    const reader = await service(s3()); // a fresh cache: the reference must be fetched
    const out = join(reader.dir, 'out');
    const error = await errorOf(reader.service.downloads.download(space, 'app-2.bin', out));

    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toContain(`s3://${bucket}/${space.prefix}/reference.bin`);
    expect(error.message).toContain(await sha256File(v1!)); // expected
    expect(error.message).toContain(await sha256File(other!)); // found
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
    // Nothing of it reached the cache either: the next reader fetches it again.
    expect(existsSync(reader.cacheRoot) ? await readdir(reader.cacheRoot) : []).toEqual([]);
  });

  it('a direct object holding other bytes fails with both hashes', async () => {
    const space = newSpace();
    const [notes] = await versions(64 * 1024, 'notes.txt');
    const writer = await service(s3());
    expect((await writer.service.uploads.upload(notes!, space)).kind).toBe('direct');
    await replaceBody(`${space.prefix}/notes.txt`, Buffer.from('tampered'));

    const out = join(writer.dir, 'out');
    const error = await errorOf(writer.service.downloads.download(space, 'notes.txt', out));

    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toContain(await sha256File(notes!));
    expect(error.message).toMatch(/sha256 [0-9a-f]{64}/);
    expect(await readdir(out)).toEqual([]);
  });

  it('a delta whose reference was deleted names the missing key', async () => {
    const space = newSpace();
    const [v1, v2] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin');
    const writer = await service(s3());
    await writer.service.uploads.upload(v1!, space);
    await writer.service.uploads.upload(v2!, space);
    await raw.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: `${space.prefix}/reference.bin` }),
    );

    const reader = await service(s3());
    const out = join(reader.dir, 'out');
    const error = await errorOf(reader.service.downloads.download(space, 'app-2.bin', out));

    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toContain(`s3://${bucket}/${space.prefix}/reference.bin is missing`);
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
  });
});

describe('transient failures are retried', () => {
  it('503 SlowDown answers are retried and the upload completes', async () => {
    const space = newSpace();
    const [v1, v2] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin');
    const faults = await proxy();
    const refKey = `${space.prefix}/reference.bin`;
    const deltaKey = `${space.prefix}/app-2.bin.delta`;
    faults.failNext(2, { match: bodyOf(refKey) });
    faults.failNext(2, {
      status: 500,
      code: 'InternalError',
      message: 'We encountered an internal error',
      match: bodyOf(deltaKey),
    });
    faults.failNext(1, { match: (r) => r.method === 'HEAD' });
    faults.failNext(1, { match: (r) => r.method === 'POST' && r.key === refKey });
    const fx = await service(s3({ endpoint: faults.endpoint, maxAttempts: 3 }));

    await fx.service.uploads.upload(v1!, space);
    await fx.service.uploads.upload(v2!, space);

    // Each body was sent 3 times (2 failures, then success), and every failed request
    // was sent again.
    expect(faults.count(bodyOf(refKey))).toBe(3);
    expect(faults.count(bodyOf(deltaKey))).toBe(3);
    expect(faults.count((r) => r.outcome === 'failed')).toBe(6);
    expectEachRetried(faults);
    expect(await keysIn(raw, space)).toEqual([
      'app-1.bin.delta',
      'app-2.bin.delta',
      'reference.bin',
    ]);
    await expectRestores(space, { 'app-1.bin': v1!, 'app-2.bin': v2! });
  });

  it('a connection reset in the middle of a body is retried', async () => {
    const space = newSpace();
    const [v1] = await versions(2 * MIB, 'app-1.bin');
    const faults = await proxy();
    const refKey = `${space.prefix}/reference.bin`;
    faults.resetNext(1, { afterBytes: 256 * 1024, match: bodyOf(refKey) });
    const fx = await service(s3({ endpoint: faults.endpoint, maxAttempts: 3 }));

    await fx.service.uploads.upload(v1!, space);

    expect(faults.seen.filter(bodyOf(refKey)).map((r) => r.outcome)).toEqual([
      'reset',
      'forwarded',
    ]);
    expectEachRetried(faults);
    await expectRestores(space, { 'app-1.bin': v1! });
  });

  it('a multipart part reset mid-body is retried and the object is whole', async () => {
    const space = newSpace();
    const [v1] = await versions(12 * MIB, 'big.bin');
    const faults = await proxy();
    const refKey = `${space.prefix}/reference.bin`;
    faults.resetNext(1, {
      afterBytes: MIB,
      match: (r) => uploadPart(refKey)(r) && r.query.get('partNumber') === '2',
    });
    const fx = await service(
      s3({ endpoint: faults.endpoint, maxAttempts: 3, partSizeBytes: PART, queueSize: 2 }),
    );

    await fx.service.uploads.upload(v1!, space);

    expect(faults.count((r) => r.outcome === 'reset')).toBe(1);
    expect(faults.count((r) => uploadPart(refKey)(r) && r.query.get('partNumber') === '2')).toBe(2);
    expect(await incompleteUploads(raw, space)).toBe(0);
    await expectRestores(space, { 'big.bin': v1! });
  });
});

describe('failures that persist fail the upload and leave no lying object', () => {
  it('persistent 503s fail with the cause after max-attempts tries; no delta is left', async () => {
    const space = newSpace();
    const [v1, v2] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin');
    await (await service(s3())).service.uploads.upload(v1!, space);
    const faults = await proxy();
    const deltaKey = `${space.prefix}/app-2.bin.delta`;
    faults.failNext(Infinity, { match: uploadOf(deltaKey) });
    const fx = await service(s3({ endpoint: faults.endpoint, maxAttempts: 2 }));

    const error = await errorOf(fx.service.uploads.upload(v2!, space));

    expect(error.message).toContain(`s3://${bucket}/${deltaKey}`);
    expect(error.message).toMatch(/SlowDown/);
    expect(error.message).toMatch(/HTTP 503\) after 2 attempts/);
    expect(faults.count(uploadOf(deltaKey))).toBe(2);
    expect(await keysIn(raw, space)).toEqual(['app-1.bin.delta', 'reference.bin']);
    await expectNoLyingObjects(space);
  });

  it('the server going away while reference.bin is sent leaves an empty DeltaSpace', async () => {
    const space = newSpace();
    const [v1] = await versions(2 * MIB, 'app-1.bin');
    const faults = await proxy();
    faults.stopDuring({ afterBytes: 512 * 1024, match: bodyOf(`${space.prefix}/reference.bin`) });
    const fx = await service(s3({ endpoint: faults.endpoint, maxAttempts: 2 }));

    const error = await errorOf(fx.service.uploads.upload(v1!, space));

    expect(faults.seen.find((r) => r.outcome === 'stopped')?.query.get('partNumber')).toBe('1');
    expect(error.message).toContain(
      `cannot reach the S3 endpoint ${faults.endpoint} for PutObject s3://${bucket}/${space.prefix}/reference.bin after 2 attempts`,
    );
    expect(await keysIn(raw, space)).toEqual([]);
    // reference.bin goes up as a multipart upload (create-if-absent.ts), and the abort
    // cannot reach a server that is gone: the parts stay, invisible to readers, until an
    // AbortIncompleteMultipartUpload lifecycle rule removes them (README).
    expect(await incompleteUploads(raw, space)).toBe(1);
  });

  it('the server going away while the first delta is sent leaves only a well-formed reference', async () => {
    const space = newSpace();
    const [v1, v2] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin');
    const faults = await proxy();
    faults.stopDuring({ afterBytes: 1, match: bodyOf(`${space.prefix}/app-1.bin.delta`) });
    const fx = await service(s3({ endpoint: faults.endpoint, maxAttempts: 2 }));

    await errorOf(fx.service.uploads.upload(v1!, space));

    expect(await keysIn(raw, space)).toEqual(['reference.bin']);
    await expectNoLyingObjects(space);
    // A re-run finishes the job: the file is stored against its own reference.
    const rerun = await service(s3());
    await rerun.service.uploads.upload(v1!, space);
    await rerun.service.uploads.upload(v2!, space);
    await expectNoLyingObjects(space);
    await expectRestores(space, { 'app-1.bin': v1!, 'app-2.bin': v2! });
  });

  it('the server going away while a delta is sent leaves no delta behind', async () => {
    const space = newSpace();
    const [v1, v2] = await versions(4 * MIB, 'app-1.bin', 'app-2.bin');
    await (await service(s3())).service.uploads.upload(v1!, space);
    const faults = await proxy();
    const deltaKey = `${space.prefix}/app-2.bin.delta`;
    faults.stopDuring({ afterBytes: 1024, match: bodyOf(deltaKey) });
    const fx = await service(s3({ endpoint: faults.endpoint, maxAttempts: 2 }));

    const error = await errorOf(fx.service.uploads.upload(v2!, space));

    expect(error.message).toContain(
      `cannot reach the S3 endpoint ${faults.endpoint} for PutObject s3://${bucket}/${deltaKey}`,
    );
    expect(faults.seen.filter(bodyOf(deltaKey))[0]?.outcome).toBe('stopped');
    expect(await keysIn(raw, space)).toEqual(['app-1.bin.delta', 'reference.bin']);
    await expectNoLyingObjects(space);
  });

  it('a multipart reference whose part keeps failing is aborted, not left incomplete', async () => {
    const space = newSpace();
    const [v1] = await versions(12 * MIB, 'big.bin');
    const faults = await proxy();
    const refKey = `${space.prefix}/reference.bin`;
    faults.resetNext(Infinity, {
      afterBytes: MIB,
      match: (r) => uploadPart(refKey)(r) && r.query.get('partNumber') === '2',
    });
    const fx = await service(
      s3({ endpoint: faults.endpoint, maxAttempts: 2, partSizeBytes: PART, queueSize: 2 }),
    );

    const error = await errorOf(fx.service.uploads.upload(v1!, space));

    expect(error.message).toContain(
      `the connection to the S3 endpoint ${faults.endpoint} broke during PutObject s3://${bucket}/${refKey} after 2 attempts`,
    );
    expect(faults.count((r) => r.method === 'DELETE' && r.query.has('uploadId'))).toBe(1);
    expect(await incompleteUploads(raw, space)).toBe(0);
    expect(await keysIn(raw, space)).toEqual([]);
  });

  it('a multipart upload cut off by the server going away leaves no object', async () => {
    const space = newSpace();
    const [v1] = await versions(12 * MIB, 'big.bin');
    const faults = await proxy();
    const refKey = `${space.prefix}/reference.bin`;
    faults.stopDuring({
      afterBytes: MIB,
      match: (r) => uploadPart(refKey)(r) && r.query.get('partNumber') === '2',
    });
    const fx = await service(
      s3({ endpoint: faults.endpoint, maxAttempts: 2, partSizeBytes: PART, queueSize: 1 }),
    );

    await errorOf(fx.service.uploads.upload(v1!, space));

    expect(await keysIn(raw, space)).toEqual([]);
    expect(await incompleteUploads(raw, space)).toBe(1); // as above: the abort cannot get through
  });
});

describe('reference.bin goes up as a multipart upload, completed only if still absent', () => {
  it('with flexible checksums on (as on AWS): parts carry CRC32 and the object is whole', async () => {
    const space = newSpace();
    const [big] = await versions(12 * MIB, 'big.bin');
    const faults = await proxy();
    const fx = await service(
      s3({ endpoint: faults.endpoint, checksums: 'when-supported', partSizeBytes: PART }),
    );

    expect((await fx.service.uploads.upload(big!, space)).kind).toBe('reference');

    const refKey = `${space.prefix}/reference.bin`;
    const create = faults.seen.find((r) => r.key === refKey && r.query.has('uploads'));
    expect(create?.headers['x-amz-checksum-algorithm']).toBe('CRC32');
    const parts = faults.seen.filter(uploadPart(refKey));
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part.headers['x-amz-checksum-crc32']).toBeDefined();
    // The last look before completing, then the conditional Complete.
    const onRef = faults.seen.filter((r) => r.key === refKey);
    const complete = onRef.findIndex((r) => r.method === 'POST' && r.query.has('uploadId'));
    expect(onRef[complete - 1]?.method).toBe('HEAD');
    expect(onRef[complete]?.headers['if-none-match']).toBe('*');
    await expectRestores(space, { 'big.bin': big! });
  });
});

/** S3Storage that runs `after(key)` once an upload of that key has completed. */
class HookedStorage implements StoragePort {
  constructor(
    private readonly inner: S3Storage,
    private readonly after: (key: string) => Promise<void>,
  ) {}
  head(bucket: string, key: string) {
    return this.inner.head(bucket, key);
  }
  list(bucket: string, prefix: string) {
    return this.inner.list(bucket, prefix);
  }
  download(bucket: string, key: string, dest: string) {
    return this.inner.download(bucket, key, dest);
  }
  delete(bucket: string, key: string) {
    return this.inner.delete(bucket, key);
  }
  deleteMany(bucket: string, keys: readonly string[]) {
    return this.inner.deleteMany(bucket, keys);
  }
  replaceMetadata(bucket: string, key: string, meta: Metadata, ifMatch: string) {
    return this.inner.replaceMetadata(bucket, key, meta, ifMatch);
  }
  async upload(bucket: string, key: string, src: string, meta: Metadata, options?: PutOptions) {
    const outcome = await this.inner.upload(bucket, key, src, meta, options);
    await this.after(key);
    return outcome;
  }
}

describe('a reference replaced behind a writer (what a store ignoring If-None-Match allows)', () => {
  /** Overwrites reference.bin with `file`, as a racer's late unconditional PUT would. */
  async function replaceReference(space: DeltaSpace, file: string): Promise<void> {
    await raw.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${space.prefix}/reference.bin`,
        Body: await readFile(file),
        Metadata: {
          'dg-tool': 'deltaglider/6.1.2',
          'dg-source-name': 'intruder.bin',
          'dg-file-sha256': await sha256File(file),
          'dg-created-at': '2026-11-25T16:26:05.453834Z',
          'dg-note': 'reference',
        },
      }),
    );
  }

  it('a delta whose reference changed right after it was written is made again', async () => {
    const space = newSpace();
    const [v1, v2, intruder] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin', 'intruder.bin');
    await (await service(s3())).service.uploads.upload(v1!, space);
    let replaced = false;
    const writer = await service(
      new HookedStorage(s3(), async (key) => {
        if (key.endsWith('app-2.bin.delta') && !replaced) {
          replaced = true;
          await replaceReference(space, intruder!);
        }
      }),
    );

    const result = await writer.service.uploads.upload(v2!, space);

    expect(replaced).toBe(true);
    expect(result.kind).toBe('delta');
    expect(writer.log.lines.join('\n')).toMatch(
      /app-2\.bin: the reference changed or is retiring since its delta/,
    );
    const meta = (await rawHead(`${space.prefix}/app-2.bin.delta`)).Metadata ?? {};
    expect(meta['dg-ref-sha256']).toBe(await sha256File(intruder!));
    const out = join(writer.dir, 'out');
    await (await service(s3())).service.downloads.download(space, 'app-2.bin', out);
    expect(await sha256File(join(out, 'app-2.bin'))).toBe(await sha256File(v2!));
  });

  it('uploading the same bytes again repairs a delta whose reference was replaced', async () => {
    const space = newSpace();
    const [v1, intruder] = await versions(2 * MIB, 'app-1.bin', 'intruder.bin');
    await (await service(s3())).service.uploads.upload(v1!, space);
    await replaceReference(space, intruder!);
    const broken = await service(s3());
    const error = await errorOf(
      broken.service.downloads.download(space, 'app-1.bin', join(broken.dir, 'o')),
    );
    expect(error).toBeInstanceOf(IntegrityError);

    // The delta under app-1.bin declares the same sha256, but is no longer "unchanged".
    const again = await service(s3());
    const result = await again.service.uploads.upload(v1!, space);

    expect(result.kind).toBe('delta');
    expect(again.log.lines.join('\n')).not.toMatch(/unchanged since the last upload/);
    await expectRestores(space, { 'app-1.bin': v1! });
  });
});

const noSse = sseUnsupported();
if (noSse) skipNote(noSse);
(noSse ? describe.skip : describe)('server-side encryption', () => {
  it('sse AES256 reaches every PutObject and CreateMultipartUpload, and reads back', async () => {
    const space = newSpace();
    const [big, big2] = await versions(12 * MIB, 'big.bin', 'big-2.bin');
    const [notes] = await versions(64 * 1024, 'notes.txt');
    const faults = await proxy();
    const fx = await service(s3({ endpoint: faults.endpoint, sse: 'AES256', partSizeBytes: PART }));

    await fx.service.uploads.upload(big!, space); // multipart reference + zero-diff delta
    await fx.service.uploads.upload(big2!, space); // delta
    await fx.service.uploads.upload(notes!, space); // direct

    const writes = faults.seen.filter(
      (r) =>
        (r.method === 'PUT' && !r.query.has('partNumber')) ||
        (r.method === 'POST' && r.query.has('uploads')),
    );
    expect(writes.length).toBe(4); // CreateMultipartUpload + 2 delta PUTs + 1 direct PUT
    for (const write of writes)
      expect(write.headers['x-amz-server-side-encryption']).toBe('AES256');
    for (const name of await keysIn(raw, space)) {
      expect([name, (await rawHead(`${space.prefix}/${name}`)).ServerSideEncryption]).toEqual([
        name,
        'AES256',
      ]);
    }
    await expectRestores(space, { 'big.bin': big!, 'big-2.bin': big2!, 'notes.txt': notes! });
  });

  it('sse aws:kms with a key id reaches every write', async () => {
    const space = newSpace();
    const [v1, v2] = await versions(2 * MIB, 'app-1.bin', 'app-2.bin');
    const keyId = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const faults = await proxy();
    const fx = await service(s3({ endpoint: faults.endpoint, sse: 'aws:kms', sseKmsKeyId: keyId }));

    await fx.service.uploads.upload(v1!, space);
    await fx.service.uploads.upload(v2!, space);

    // reference.bin goes up as a multipart upload (create-if-absent.ts): SSE is set on
    // its CreateMultipartUpload, and S3 takes no SSE header on UploadPart.
    const writes = faults.seen.filter(
      (r) =>
        (r.method === 'PUT' && !r.query.has('partNumber')) ||
        (r.method === 'POST' && r.query.has('uploads')),
    );
    expect(writes.length).toBe(3); // CreateMultipartUpload + zero-diff delta + delta
    for (const put of writes) {
      expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(keyId);
    }
    for (const name of await keysIn(raw, space)) {
      const head = await rawHead(`${space.prefix}/${name}`);
      expect([name, head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual([name, 'aws:kms', keyId]);
    }
    await expectRestores(space, { 'app-1.bin': v1!, 'app-2.bin': v2! });
  });
});

/** Every request the proxy failed or cut off was sent again afterwards (SDK retries). */
function expectEachRetried(faults: FaultProxy): void {
  const shape = (r: SeenRequest) =>
    `${r.method} ${r.key} ${[...r.query.keys()].sort().join(',')} ${r.query.get('partNumber') ?? ''}`;
  faults.seen.forEach((request, i) => {
    if (request.outcome === 'forwarded') return;
    const retried = faults.seen.slice(i + 1).some((later) => shape(later) === shape(request));
    expect({ request: shape(request), retried }).toEqual({
      request: shape(request),
      retried: true,
    });
  });
}

let downloadCounter = 0;
/** Downloads an object with the raw client into the work dir (to read its stored bytes). */
async function downloadRaw(key: string): Promise<string> {
  downloadCounter += 1;
  const dest = join(workDir, `raw-${downloadCounter}`);
  await new S3Storage(s3TestOptions(server.endpoint), raw).download(bucket, key, dest);
  return dest;
}

/** A fresh reader (empty cache, straight to moto) restores every file byte-exact. */
async function expectRestores(space: DeltaSpace, files: Record<string, string>): Promise<void> {
  const reader = await service(s3());
  const out = join(reader.dir, 'restored');
  try {
    const results = await reader.service.downloads.downloadAll(space, out);
    expect(results.map((r) => r.name).sort()).toEqual(Object.keys(files).sort());
    for (const [name, source] of Object.entries(files)) {
      expect([name, await sha256File(join(out, name))]).toEqual([name, await sha256File(source)]);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}
