// How S3Storage copes with what S3-compatible stores answer differently from AWS, shown
// with the fault proxy in front of the real test server: a store that refuses
// DeleteObjects without Content-MD5 (MinIO 2024, Dell ECS), one without batch delete at
// all, and one that refuses If-None-Match on PUT and CompleteMultipartUpload.
import { afterAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { S3Storage, type S3StorageOptions } from '../../src/adapters/s3/s3-storage.js';
import { mapLimit } from '../../src/core/util/map-limit.js';
import { s3TestOptions, startS3Server } from '../helpers/s3-server.js';
import { FaultProxy, type SeenRequest } from '../helpers/fault-proxy.js';
import { listKeys } from '../helpers/bucket.js';
import { skipNote } from '../helpers/skip-note.js';
import { runCli } from '../helpers/cli.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;

const server = await startS3Server();
const bucket = await server.createBucket();
const raw = createS3Client(s3TestOptions(server.endpoint));
const workDir = await mkdtemp(path.join(tmpdir(), 'dg-s3-compat-'));
const opened: { close(): unknown }[] = [];

afterAll(async () => {
  for (const o of opened) await o.close();
  raw.destroy();
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function relay(): Promise<FaultProxy> {
  const proxy = await FaultProxy.start(server.endpoint);
  opened.push({ close: () => proxy.stop() });
  return proxy;
}

/** A storage through `proxy` that keeps its warnings. */
function storage(proxy: FaultProxy, options: S3StorageOptions = {}) {
  const warnings: string[] = [];
  const s3 = new S3Storage({
    ...s3TestOptions(proxy.endpoint),
    maxAttempts: 1,
    partSizeBytes: PART,
    warn: (message) => warnings.push(message),
    ...options,
  });
  opened.push(s3);
  return { s3, warnings };
}

let files = 0;
async function file(bytes: Buffer): Promise<string> {
  const at = path.join(workDir, `f${++files}`);
  await writeFile(at, bytes);
  return at;
}

async function seed(prefix: string, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}/o${i}`);
  await mapLimit(keys, 8, (Key) =>
    raw.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' })),
  );
  return keys;
}

const isBatchDelete = (r: Pick<SeenRequest, 'method' | 'query'>) =>
  r.method === 'POST' && r.query.has('delete');

describe('DeleteObjects', () => {
  describe.each(['when-supported', 'when-required'] as const)('checksums %s', (checksums) => {
    test('carries a correct Content-MD5, which such stores require', async () => {
      const proxy = await relay();
      // As MinIO and Dell ECS answer a DeleteObjects without it.
      proxy.failNext(Infinity, {
        status: 400,
        code: 'InvalidRequest',
        message: 'Missing required header for this request: Content-Md5.',
        match: (r) => isBatchDelete(r) && !r.headers['content-md5'],
      });
      const keys = await seed(`md5-${checksums}`, 3);
      const { s3, warnings } = storage(proxy, { checksums });

      expect(await s3.deleteMany(bucket, keys)).toEqual([]);

      expect(await listKeys(raw, bucket, `md5-${checksums}/`)).toEqual([]);
      const batches = proxy.seen.filter(isBatchDelete);
      expect(batches).toHaveLength(1);
      expect(batches[0]!.outcome).toBe('forwarded');
      expect(batches[0]!.headers['content-md5']).toBe(batches[0]!.bodyMd5);
      expect(proxy.count((r) => r.method === 'DELETE')).toBe(0);
      expect(warnings).toEqual([]);
    });
  });

  test.each([
    [400, 'MalformedXML', 'The XML you provided was not well-formed'],
    [405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.'],
    [501, 'NotImplemented', 'A header you provided implies functionality that is not implemented'],
  ])(
    'a store answering %i %s falls back to one DELETE per key, with one warning',
    async (status, code, message) => {
      const proxy = await relay();
      proxy.failNext(Infinity, { status, code, message, match: isBatchDelete });
      const prefix = `refused-${status}`;
      const keys = await seed(prefix, 4);
      const { s3, warnings } = storage(proxy);

      expect(await s3.deleteMany(bucket, keys.slice(0, 2))).toEqual([]);
      expect(await s3.deleteMany(bucket, keys.slice(2))).toEqual([]);

      expect(await listKeys(raw, bucket, `${prefix}/`)).toEqual([]);
      expect(proxy.count(isBatchDelete)).toBe(1);
      expect(proxy.count((r) => r.method === 'DELETE')).toBe(4);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`HTTP ${status} ${code}`);
      expect(warnings[0]).toContain(proxy.endpoint);
    },
  );

  test('a refusal that is about permission still fails, with no fallback', async () => {
    const proxy = await relay();
    proxy.failNext(Infinity, { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const { s3, warnings } = storage(proxy);

    await expect(s3.deleteMany(bucket, ['a', 'b'])).rejects.toThrow('s3:DeleteObject');
    expect(proxy.count((r) => r.method === 'DELETE')).toBe(0);
    expect(warnings).toEqual([]);
  });
});

describe('a store that refuses If-None-Match', () => {
  const hasHeader = (r: Pick<SeenRequest, 'headers'>) => r.headers['if-none-match'] !== undefined;
  const conditional = server.capabilities.conditionalWrites ? test : test.skip;
  if (!server.capabilities.conditionalWrites) {
    skipNote(`on ${server.kind}: the server ignores If-None-Match, so a loser would overwrite`);
  }

  describe.each([
    [501, 'NotImplemented', 'A header you provided implies functionality that is not implemented'],
    [400, 'NotImplemented', 'If-None-Match is not supported'],
    [400, 'InvalidArgument', 'Unsupported header If-None-Match received for this API call.'],
  ])('answering %i %s', (status, code, message) => {
    conditional('creates once, finds the key taken the second time, and warns once', async () => {
      const proxy = await relay();
      proxy.failNext(Infinity, { status, code, message, match: hasHeader });
      const { s3, warnings } = storage(proxy);
      const key = `inm-${status}-${code}/reference.bin`;
      const first = randomBytes(6 * MIB + 1); // two parts: multipart + Complete
      const second = randomBytes(1000);

      expect(await s3.upload(bucket, key, await file(first), {}, { ifAbsent: true })).toBe(
        'created',
      );
      expect(await s3.upload(bucket, key, await file(second), {}, { ifAbsent: true })).toBe(
        'exists',
      );
      const empty = `${key}.empty`;
      expect(
        await s3.upload(bucket, empty, await file(Buffer.alloc(0)), {}, { ifAbsent: true }),
      ).toBe('created');
      expect(
        await s3.upload(bucket, empty, await file(Buffer.alloc(0)), {}, { ifAbsent: true }),
      ).toBe('exists');

      expect((await s3.head(bucket, key))?.size).toBe(first.length);
      // The header was tried once; from then on the HEAD-checked write went without it.
      expect(proxy.count(hasHeader)).toBe(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`If-None-Match: * (HTTP ${status} ${code}: ${message})`);
    });
  });

  conditional('the CLI says it once, as a warning line', async () => {
    const proxy = await relay();
    proxy.failNext(Infinity, {
      status: 501,
      code: 'NotImplemented',
      message: 'A header you provided implies functionality that is not implemented',
      match: hasHeader,
    });
    const artifact = await file(randomBytes(6 * MIB));
    const zip = `${artifact}.zip`;
    await rename(artifact, zip);

    const run = await runCli(
      ['cp', zip, `s3://${bucket}/inm-cli/`],
      proxy.endpoint,
      path.join(workDir, 'cache'),
    );

    expect(run.code).toBe(0);
    const warnings = run.err.split('\n').filter((line) => line.includes('If-None-Match'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^deltaglider: warning: the S3 store at .* refused If-None-Match/);
    expect(await listKeys(raw, bucket, 'inm-cli/')).toContain('inm-cli/reference.bin');
  });

  conditional('a 400 about something else is that error, not a fallback', async () => {
    const proxy = await relay();
    proxy.failNext(Infinity, {
      status: 400,
      code: 'InvalidPart',
      message: 'One or more of the specified parts could not be found.',
      match: (r) => r.method === 'POST' && r.query.has('uploadId'),
    });
    const { s3, warnings } = storage(proxy);
    const key = 'inm-other/reference.bin';

    await expect(
      s3.upload(bucket, key, await file(randomBytes(1000)), {}, { ifAbsent: true }),
    ).rejects.toThrow('InvalidPart');
    expect(warnings).toEqual([]);
    expect(await s3.head(bucket, key)).toBeUndefined();
  });
});
