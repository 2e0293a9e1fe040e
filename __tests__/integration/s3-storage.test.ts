// S3Storage against a real S3 server on loopback (moto_server, else fauxqs, or
// S3_ENDPOINT), plus two tiny HTTP servers for failures no real server produces on
// demand (a 403 for everything, a body cut off mid-transfer).
import { afterAll, describe, expect, test } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { StorageError } from '../../src/adapters/s3/errors.js';
import {
  decodeListedKey,
  S3Storage,
  type S3StorageOptions,
} from '../../src/adapters/s3/s3-storage.js';
import { ACTION_HINTS } from '../../src/action/hints.js';
import { describeError } from '../../src/core/errors.js';
import type { Metadata } from '../../src/ports.js';
import { s3TestOptions, startS3Server } from '../helpers/s3-server.js';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { skipNote } from '../helpers/skip-note.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { mapLimit } from '../../src/core/util/map-limit.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;

// Started at load time so capability-dependent tests can be skipped (with the reason
// printed) while Jest collects them.
const server = await startS3Server();
const bucket = await server.createBucket();
const workDir = await mkdtemp(path.join(tmpdir(), 'dg-s3-test-'));
const raw = createS3Client(s3TestOptions(server.endpoint));
const storages: S3Storage[] = [];

function storage(options: S3StorageOptions = {}): S3Storage {
  const created = new S3Storage({ ...s3TestOptions(server.endpoint), ...options });
  storages.push(created);
  return created;
}

afterAll(async () => {
  for (const s of storages) s.close();
  raw.destroy();
  await server.stop();
  await rm(workDir, { recursive: true, force: true });
});

let fileCounter = 0;
function tempPath(hint: string): string {
  fileCounter += 1;
  return path.join(workDir, `${fileCounter}-${hint}`);
}

/** Writes `size` random bytes in 1 MiB chunks; returns the path and its sha256. */
async function randomFile(size: number): Promise<{ path: string; sha256: string }> {
  const file = tempPath(`random-${size}`);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = size; left > 0; left -= MIB) {
    const chunk = randomBytes(Math.min(MIB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { path: file, sha256: hash.digest('hex') };
}

function skipUnless(condition: boolean, reason: string): typeof test.skip {
  if (condition) return test;
  skipNote(`on ${server.kind}: ${reason}`);
  return test.skip;
}

const dgMetadata = (sha256: string): Metadata => ({
  'dg-tool': 'deltaglider/6.1.2',
  'dg-original-name': 'app.zip',
  'dg-file-sha256': sha256,
  'dg-file-size': '3145735',
  'dg-created-at': '2026-11-25T16:26:05.453834Z',
  'dg-note': 'zero-diff (reference identical)',
});

describe.each(['when-supported', 'when-required'] as const)('with checksums %s', (checksums) => {
  const s3 = () => storage({ checksums, partSizeBytes: PART });

  test('upload then head returns the stored size and the dg- metadata', async () => {
    const file = await randomFile(3 * MIB + 7);
    const key = `${checksums}/small/app.zip.delta`;
    const metadata = dgMetadata(file.sha256);

    await expect(s3().upload(bucket, key, file.path, metadata)).resolves.toBe('created');

    const head = await s3().head(bucket, key);
    expect(head).toEqual({
      key,
      size: 3 * MIB + 7,
      metadata,
      lastModified: expect.any(Date),
      etag: expect.any(String),
    });
  });

  test('download is byte-exact and truncates an existing longer file', async () => {
    const file = await randomFile(3 * MIB + 7);
    const key = `${checksums}/download/app.bin`;
    await s3().upload(bucket, key, file.path, {});
    const dest = tempPath('download');
    await writeFile(dest, randomBytes(4 * MIB));

    await s3().download(bucket, key, dest);

    expect((await stat(dest)).size).toBe(3 * MIB + 7);
    expect(await sha256File(dest)).toBe(file.sha256);
  });

  skipUnless(
    server.capabilities.maxBodyBytes > PART,
    `it rejects ${PART}-byte parts (maxBodyBytes ${server.capabilities.maxBodyBytes})`,
  )('a file above the part size goes multipart and round-trips byte-exact', async () => {
    const file = await randomFile(12 * MIB + 5);
    const key = `${checksums}/multipart/big.bin`;
    const metadata = { 'dg-file-sha256': file.sha256 };

    await expect(s3().upload(bucket, key, file.path, metadata)).resolves.toBe('created');

    // A multipart object's ETag ends in -<parts>: 12 MiB + 5 in 5 MiB parts is 3.
    const rawHead = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(rawHead.ETag).toMatch(/-3"?$/);
    expect(await s3().head(bucket, key)).toEqual({
      key,
      size: 12 * MIB + 5,
      metadata,
      lastModified: expect.any(Date),
      etag: rawHead.ETag,
    });
    const dest = tempPath('multipart-download');
    await s3().download(bucket, key, dest);
    expect(await sha256File(dest)).toBe(file.sha256);
  });
});

test('an empty file round-trips', async () => {
  const src = tempPath('empty');
  await writeFile(src, '');
  const s3 = storage();
  await s3.upload(bucket, 'empty/file', src, { 'dg-file-size': '0' });

  expect(await s3.head(bucket, 'empty/file')).toEqual({
    key: 'empty/file',
    size: 0,
    metadata: { 'dg-file-size': '0' },
    lastModified: expect.any(Date),
    etag: expect.any(String),
  });
  const dest = tempPath('empty-download');
  await s3.download(bucket, 'empty/file', dest);
  expect((await stat(dest)).size).toBe(0);
});

test('head of a missing key is undefined', async () => {
  await expect(storage().head(bucket, 'no/such/key')).resolves.toBeUndefined();
});

test('delete removes the object', async () => {
  const file = await randomFile(1000);
  const s3 = storage();
  await s3.upload(bucket, 'delete/me', file.path, {});
  expect(await s3.head(bucket, 'delete/me')).toBeDefined();

  await s3.delete(bucket, 'delete/me');

  expect(await s3.head(bucket, 'delete/me')).toBeUndefined();
});

describe('deleteMany', () => {
  /** Puts `count` small objects under `prefix` straight through the SDK, a few at a time. */
  async function seed(prefix: string, count: number): Promise<string[]> {
    const keys = Array.from({ length: count }, (_, i) => `${prefix}/o${i}`);
    await mapLimit(keys, 16, (Key) =>
      raw.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' })),
    );
    return keys;
  }

  async function remaining(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const object of storage().list(bucket, `${prefix}/`)) keys.push(object.key);
    return keys;
  }

  test('removes every key, 1000 a request, and counts a missing key as gone', async () => {
    const proxy = await FaultProxy.start(server.endpoint);
    try {
      const keys = await seed('batch-delete', 1001);
      const s3 = storage({ endpointUrl: proxy.endpoint });

      const failures = await s3.deleteMany(bucket, [...keys, 'batch-delete/never-there']);

      expect(failures).toEqual([]);
      expect(await remaining('batch-delete')).toEqual([]);
      expect(proxy.count((r) => r.method === 'POST' && r.query.has('delete'))).toBe(2);
      expect(proxy.count((r) => r.method === 'DELETE')).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  test('falls back to one DELETE per key when the store answers NotImplemented', async () => {
    const proxy = await FaultProxy.start(server.endpoint);
    try {
      proxy.failNext(Infinity, {
        status: 501,
        code: 'NotImplemented',
        message: 'A header you provided implies functionality that is not implemented',
        match: (r) => r.method === 'POST' && r.query.has('delete'),
      });
      const keys = await seed('batch-fallback', 5);
      const s3 = storage({ endpointUrl: proxy.endpoint, maxAttempts: 1 });

      expect(await s3.deleteMany(bucket, keys.slice(0, 3))).toEqual([]);
      expect(await s3.deleteMany(bucket, keys.slice(3))).toEqual([]);

      expect(await remaining('batch-fallback')).toEqual([]);
      // Asked once; the second call knew better.
      expect(proxy.count((r) => r.method === 'POST' && r.query.has('delete'))).toBe(1);
      expect(proxy.count((r) => r.method === 'DELETE')).toBe(5);
    } finally {
      await proxy.stop();
    }
  });

  test('reports the keys the store refused, with its reasons', async () => {
    const fake = await fakeS3((request, response) => {
      if (request.method !== 'POST') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/xml' });
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?><DeleteResult>' +
          '<Error><Key>locked.bin</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' +
          '</DeleteResult>',
      );
    });
    try {
      const s3 = storage({ endpointUrl: fake.endpoint, maxAttempts: 1 });

      const failures = await s3.deleteMany('bucket', ['gone.bin', 'locked.bin']);

      expect(failures).toEqual([
        { key: 'locked.bin', code: 'AccessDenied', message: 'Access Denied' },
      ]);
    } finally {
      await fake.close();
    }
  });

  test('a request refused as a whole rejects, naming the permission', async () => {
    const fake = await fakeS3((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    });
    try {
      const s3 = storage({ endpointUrl: fake.endpoint, maxAttempts: 1 });

      const error = await s3.deleteMany('bucket', ['a', 'b']).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toContain('s3:DeleteObject');
    } finally {
      await fake.close();
    }
  });
});

test('list follows continuation tokens through every page, prefix as given', async () => {
  const s3 = storage({ listPageSize: 4 });
  const expected: { key: string; size: number }[] = [];
  for (let i = 0; i < 10; i++) {
    const key = `listing/app/v${String(i).padStart(2, '0')}.bin`;
    const src = tempPath(`list-${i}`);
    await writeFile(src, randomBytes(100 + i));
    await s3.upload(bucket, key, src, {});
    expected.push({ key, size: 100 + i });
  }
  // Outside the prefix: must not be listed.
  const other = tempPath('list-other');
  await writeFile(other, 'x');
  await s3.upload(bucket, 'listing/application.bin', other, {});
  await s3.upload(bucket, 'listingx/app/v00.bin', other, {});

  // The server honours MaxKeys, so 10 keys in pages of 4 need 3 requests.
  const firstPage = await raw.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: 'listing/app/', MaxKeys: 4 }),
  );
  expect(firstPage.IsTruncated).toBe(true);
  expect(firstPage.Contents).toHaveLength(4);

  const listed = [];
  for await (const object of s3.list(bucket, 'listing/app/')) listed.push(object);

  // With the time each was written: a name stored in two forms reads the newer.
  expect(listed).toEqual(
    expected.map((o) => ({ ...o, lastModified: expect.any(Date), etag: expect.any(String) })),
  );
});

describe('conditional read and delete (ifMatch)', () => {
  const conditionalTest = skipUnless(
    server.capabilities.conditionalWrites,
    'the server ignores If-Match, so a stale version would be read or deleted',
  );

  conditionalTest(
    'act on the version named only: another answers changed, none missing',
    async () => {
      const s3 = storage();
      const key = 'if-match/source.bin';
      const [first, second] = [await randomFile(1024), await randomFile(1024)];
      await s3.upload(bucket, key, first.path, {});
      const examined = (await s3.head(bucket, key))!.etag!;
      const listed = [];
      for await (const object of s3.list(bucket, 'if-match/')) listed.push(object.etag);
      expect(listed).toEqual([examined]);
      await s3.upload(bucket, key, second.path, {});

      const dest = tempPath('if-match-read');
      await expect(s3.download(bucket, key, dest, { ifMatch: examined })).resolves.toBe('changed');
      expect(existsSync(dest)).toBe(false);
      await expect(s3.delete(bucket, key, { ifMatch: examined })).resolves.toBe('changed');
      const now = (await s3.head(bucket, key))!.etag!;
      await expect(s3.download(bucket, key, dest, { ifMatch: now })).resolves.toBeUndefined();
      expect(await sha256File(dest)).toBe(second.sha256);

      await expect(s3.delete(bucket, key, { ifMatch: now })).resolves.toBeUndefined();
      expect(await s3.head(bucket, key)).toBeUndefined();
      await expect(s3.delete(bucket, key, { ifMatch: now })).resolves.toBe('missing');
      // Without a condition, deleting nothing is still a success.
      await expect(s3.delete(bucket, key)).resolves.toBeUndefined();
    },
  );
});

describe('conditional upload (ifAbsent)', () => {
  const conditionalTest = skipUnless(
    server.capabilities.conditionalWrites,
    'the server ignores If-None-Match, so a second conditional put would overwrite',
  );

  conditionalTest('first is created, second is exists and the body stays', async () => {
    const first = await randomFile(2 * MIB);
    const second = await randomFile(2 * MIB);
    const s3 = storage();
    const key = 'conditional/single/reference.bin';

    await expect(
      s3.upload(bucket, key, first.path, { 'dg-file-sha256': first.sha256 }, { ifAbsent: true }),
    ).resolves.toBe('created');
    await expect(
      s3.upload(bucket, key, second.path, { 'dg-file-sha256': second.sha256 }, { ifAbsent: true }),
    ).resolves.toBe('exists');

    expect((await s3.head(bucket, key))?.metadata['dg-file-sha256']).toBe(first.sha256);
    const dest = tempPath('conditional-download');
    await s3.download(bucket, key, dest);
    expect(await sha256File(dest)).toBe(first.sha256);
  });

  skipUnless(
    server.capabilities.conditionalWrites && server.capabilities.maxBodyBytes > PART,
    server.capabilities.conditionalWrites
      ? `it rejects ${PART}-byte parts`
      : 'the server ignores If-None-Match on CompleteMultipartUpload',
  )('a multipart loser (If-None-Match on CompleteMultipartUpload) gets exists', async () => {
    const first = await randomFile(1 * MIB);
    const second = await randomFile(11 * MIB);
    const s3 = storage({ partSizeBytes: PART });
    const key = 'conditional/multipart/reference.bin';

    await expect(s3.upload(bucket, key, first.path, {}, { ifAbsent: true })).resolves.toBe(
      'created',
    );
    await expect(s3.upload(bucket, key, second.path, {}, { ifAbsent: true })).resolves.toBe(
      'exists',
    );

    expect((await s3.head(bucket, key))?.size).toBe(1 * MIB);
  });
});

skipUnless(server.kind === 'moto', 'only moto is known to report server-side encryption')(
  'server-side encryption applies to single and multipart puts',
  async () => {
    const s3 = storage({ sse: 'AES256', partSizeBytes: PART });
    const small = await randomFile(1000);
    const big = await randomFile(11 * MIB);
    await s3.upload(bucket, 'sse/small', small.path, {});
    await s3.upload(bucket, 'sse/big', big.path, {});

    for (const key of ['sse/small', 'sse/big']) {
      const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(head.ServerSideEncryption).toBe('AES256');
    }
  },
);

describe('errors', () => {
  test('a missing bucket is named in the error of every operation', async () => {
    const s3 = storage();
    const missing = `dg-missing-${randomBytes(4).toString('hex')}`;
    const src = tempPath('missing-bucket-src');
    await writeFile(src, 'data');
    const attempts: (() => Promise<unknown>)[] = [
      () => s3.head(missing, 'k'),
      () => drain(s3.list(missing, 'p/')),
      () => s3.download(missing, 'k', tempPath('missing-bucket-dest')),
      () => s3.upload(missing, 'k', src, {}),
    ];
    for (const attempt of attempts) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toContain(`bucket ${missing} does not exist`);
    }
  });

  test('downloading a missing key fails, naming it, and creates no file', async () => {
    const dest = tempPath('missing-key');
    await expect(storage().download(bucket, 'no/such/object', dest)).rejects.toThrow(
      `object s3://${bucket}/no/such/object does not exist`,
    );
    expect(existsSync(dest)).toBe(false);
  });

  test('an unreachable endpoint is named, and fails fast with maxAttempts 1', async () => {
    const port = await closedPort();
    const s3 = new S3Storage({ ...s3TestOptions(`http://127.0.0.1:${port}`), maxAttempts: 1 });
    storages.push(s3);
    const started = Date.now();

    const error = await s3.head(bucket, 'k').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain(
      `cannot reach the S3 endpoint http://127.0.0.1:${port}`,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('a body cut off mid-transfer leaves no partial file', async () => {
    const fake = await fakeS3((request, response) => {
      if (request.method !== 'GET') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-length': String(2 * MIB) });
      response.write(randomBytes(256 * 1024), () => response.destroy());
    });
    try {
      const s3 = storage({ endpointUrl: fake.endpoint, maxAttempts: 1 });
      const dest = tempPath('cut-off');

      const error = await s3.download('bucket', 'key', dest).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toContain('download of s3://bucket/key');
      expect(existsSync(dest)).toBe(false);
    } finally {
      await fake.close();
    }
  });

  test('access denied names the s3: permission each operation needs', async () => {
    const fake = await fakeS3((_request, response) => {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>' +
          '<Message>Access Denied</Message></Error>',
      );
    });
    try {
      const s3 = storage({ endpointUrl: fake.endpoint, maxAttempts: 1 });
      const src = tempPath('denied-src');
      await writeFile(src, 'data');
      const cases: [() => Promise<unknown>, string][] = [
        [() => s3.upload('b', 'k', src, {}), 's3:PutObject permission on arn:aws:s3:::b/k'],
        [() => s3.head('b', 'k'), 's3:GetObject permission on arn:aws:s3:::b/k'],
        [() => s3.download('b', 'k', tempPath('denied')), 's3:GetObject permission'],
        [() => s3.delete('b', 'k'), 's3:DeleteObject permission on arn:aws:s3:::b/k'],
        [() => drain(s3.list('b', 'p/')), 's3:ListBucket permission on arn:aws:s3:::b;'],
      ];
      for (const [attempt, needs] of cases) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageError);
        expect((error as Error).message).toMatch(/^access denied: /);
        expect((error as Error).message).toContain(`needs the ${needs}`);
      }
    } finally {
      await fake.close();
    }
  });

  test('missing credentials say how to configure them', async () => {
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('AWS_')) delete process.env[name];
    }
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: path.join(workDir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'no-credentials'),
    });
    try {
      const s3 = storage({ maxAttempts: 1 });
      const error = await s3.head(bucket, 'k').catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toContain('no AWS credentials found');
      expect(error).toMatchObject({ code: 'storage-no-credentials', fields: { bucket, key: 'k' } });
      // Without a shell, the neutral hint names the variables; the action adds its step.
      expect((error as StorageError).describe()).toContain('AWS_ACCESS_KEY_ID');
      expect(describeError(error, ACTION_HINTS)).toContain('aws-actions/configure-aws-credentials');
    } finally {
      for (const name of Object.keys(process.env)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  test('metadata S3 cannot carry is refused before anything is sent', async () => {
    const src = tempPath('bad-metadata');
    await writeFile(src, 'data');
    const s3 = storage();
    await expect(s3.upload(bucket, 'bad/upper', src, { 'DG-Tool': 'x' })).rejects.toThrow(
      "metadata key 'DG-Tool'",
    );
    await expect(
      s3.upload(bucket, 'bad/ascii', src, { 'dg-original-name': 'café.zip' }),
    ).rejects.toThrow('printable ASCII only');
    expect(await s3.head(bucket, 'bad/upper')).toBeUndefined();
    expect(await s3.head(bucket, 'bad/ascii')).toBeUndefined();
  });

  test('a missing source file is named', async () => {
    const missing = path.join(workDir, 'does-not-exist.bin');
    await expect(storage().upload(bucket, 'k', missing, {})).rejects.toThrow(
      `cannot read ${missing}`,
    );
  });
});

async function drain(objects: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of objects) void _;
}

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

/** An HTTP server on loopback answering every request with `handler`. */
async function fakeS3(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const fake = http.createServer((request, response) => {
    // Drain the request body first, as a real server would.
    request.resume();
    request.on('end', () => handler(request, response));
  });
  fake.listen(0, '127.0.0.1');
  await once(fake, 'listening');
  const { port } = fake.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      fake.closeAllConnections();
      fake.close();
      await once(fake, 'close');
    },
  };
}

test('list returns keys exactly as stored, whatever characters they hold', async () => {
  const s3 = storage();
  // A CR reaches a raw XML listing as LF; "+" and "%2F" must not be decoded twice.
  const names = ['a b+c%2F.bin', 'cr\r.bin', 'é ü.bin', 'x&y<z>.bin'];
  const src = tempPath('odd-keys');
  await writeFile(src, 'x');
  for (const name of names) await s3.upload(bucket, `odd-keys/${name}`, src, {});

  const listed = [];
  for await (const object of s3.list(bucket, 'odd-keys/')) listed.push(object.key);

  expect(listed.sort()).toEqual(names.map((n) => `odd-keys/${n}`).sort());
  // Each listed key names its object: a HEAD with it finds the object.
  for (const key of listed) expect(await s3.head(bucket, key)).toBeDefined();
});

test('a listed key that is not valid URL encoding fails with the key quoted', () => {
  expect(decodeListedKey('a+b%20c')).toBe('a b c');
  expect(() => decodeListedKey('bad%E0\r')).toThrow(/not URL-encoded: "bad%E0\\r"/);
});
