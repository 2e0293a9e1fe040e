import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { IntegrityError, InputError, NotFoundError } from '../../src/core/errors.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';

// The core on real local adapters (xdelta3, sha256, files) over an in-memory bucket:
// the S3 adapter has its own integration tests against a real server.

const BUCKET = 'bucket';
const space = { bucket: BUCKET, prefix: 'releases/app' };
const MB = 1024 * 1024;

let storage: MemoryStorage;
let fx: ServiceFixture;

beforeEach(async () => {
  storage = new MemoryStorage();
  fx = await serviceOver(storage);
});
afterEach(() => fx.cleanup());

async function twoVersions(name = 'app.zip') {
  const v1 = join(fx.dir, 'v1', name);
  const v2 = join(fx.dir, 'v2', name);
  await import('node:fs/promises').then((fs) =>
    Promise.all([fs.mkdir(join(fx.dir, 'v1')), fs.mkdir(join(fx.dir, 'v2'))]),
  );
  await writeArtifact(v1, 3 * MB, 7);
  await writeNextVersion(v1, v2, { seed: 9 });
  return { v1, v2 };
}

describe('upload', () => {
  it('makes the first file the reference plus a zero-diff delta, the next a small delta', async () => {
    const { v1, v2 } = await twoVersions();
    const first = await fx.service.uploads.upload(v1, space);
    expect(first.kind).toBe('reference');
    const ref = storage.objects.get(`${BUCKET}/releases/app/reference.bin`);
    expect(ref?.body.equals(await readFile(v1))).toBe(true);
    expect(ref?.metadata).toMatchObject({
      'dg-source-name': 'app.zip',
      'dg-file-sha256': await sha256File(v1),
      'dg-note': 'reference',
      'dg-created-at': '2026-11-25T16:26:05.453000Z',
    });
    const zero = storage.objects.get(`${BUCKET}/releases/app/app.zip.delta`);
    expect(zero?.metadata['dg-note']).toBe('zero-diff (reference identical)');
    expect(zero!.body.length).toBeLessThan(1000);

    await fx.service.uploads.upload(v2, { ...space }, 'app-2.zip');
    const delta = storage.objects.get(`${BUCKET}/releases/app/app-2.zip.delta`);
    expect(delta).toBeDefined();
    expect(delta!.body.length).toBeLessThan((3 * MB) / 20);
    expect(delta!.metadata).toMatchObject({
      'dg-original-name': 'app-2.zip',
      'dg-file-sha256': await sha256File(v2),
      'dg-file-size': String((await readFile(v2)).length),
      'dg-ref-key': 'releases/app/reference.bin',
      'dg-ref-sha256': await sha256File(v1),
      'dg-delta-size': String(delta!.body.length),
    });
    expect(delta!.metadata['dg-note']).toBeUndefined();
  });

  it('round-trips both versions byte-exact through download', async () => {
    const { v1, v2 } = await twoVersions();
    await fx.service.uploads.upload(v1, space, 'app-1.zip');
    await fx.service.uploads.upload(v2, space, 'app-2.zip');
    const out = join(fx.dir, 'out');
    const results = await fx.service.downloads.downloadAll(space, out);
    expect(results.map((r) => r.name)).toEqual(['app-1.zip', 'app-2.zip']);
    expect((await readFile(join(out, 'app-1.zip'))).equals(await readFile(v1))).toBe(true);
    expect((await readFile(join(out, 'app-2.zip'))).equals(await readFile(v2))).toBe(true);
    expect(await readdir(out)).toEqual(['app-1.zip', 'app-2.zip']);
  });

  it('stores small, text and gzip files direct with dg-compression none', async () => {
    const small = join(fx.dir, 'small.bin');
    await writeFile(small, Buffer.alloc(1000, 1));
    const gz = join(fx.dir, 'big.tgz');
    const body = Buffer.alloc(2 * MB, 7);
    body[0] = 0x1f;
    body[1] = 0x8b;
    await writeFile(gz, body);
    const text = join(fx.dir, 'notes.weird');
    await writeFile(text, 'hello world\n'.repeat(200000));
    for (const file of [small, gz, text]) {
      expect((await fx.service.uploads.upload(file, space)).kind).toBe('direct');
    }
    expect(storage.objects.has(`${BUCKET}/releases/app/reference.bin`)).toBe(false);
    expect(storage.objects.get(`${BUCKET}/releases/app/big.tgz`)?.metadata['dg-compression']).toBe(
      'none',
    );
  });

  it('stores direct when the delta exceeds max-ratio, and says so', async () => {
    const { v1 } = await twoVersions();
    await fx.service.uploads.upload(v1, space);
    const unrelated = join(fx.dir, 'other.bin');
    await writeArtifact(unrelated, 2 * MB, 12345);
    const result = await fx.service.uploads.upload(unrelated, space);
    expect(result.kind).toBe('direct');
    expect(storage.objects.has(`${BUCKET}/releases/app/other.bin.delta`)).toBe(false);
    expect(fx.log.lines.join('\n')).toMatch(/other\.bin: delta is .*max-ratio 0\.5/);
  });

  it('writes nothing when the same bytes are uploaded again under the same name', async () => {
    const { v1 } = await twoVersions();
    await fx.service.uploads.upload(v1, space);
    const puts = () => storage.calls.filter((c) => c.startsWith('PUT')).length;
    const before = puts();
    const again = await fx.service.uploads.upload(v1, space);
    expect(puts()).toBe(before);
    expect(again.kind).toBe('delta');
  });

  it('replaces a stale direct object when a name becomes a delta', async () => {
    const { v1, v2 } = await twoVersions();
    await fx.service.uploads.upload(v1, space, 'ref.zip');
    storage.objects.set(`${BUCKET}/releases/app/app.zip`, {
      body: Buffer.from('old'),
      metadata: {},
    });
    await fx.service.uploads.upload(v2, space, 'app.zip');
    expect(storage.objects.has(`${BUCKET}/releases/app/app.zip`)).toBe(false);
    const out = join(fx.dir, 'out');
    await fx.service.downloads.download(space, 'app.zip', out);
    expect((await readFile(join(out, 'app.zip'))).equals(await readFile(v2))).toBe(true);
  });

  it('rejects two files with the same basename before writing anything', async () => {
    const { v1, v2 } = await twoVersions();
    await expect(fx.service.uploads.uploadAll([v1, v2], space)).rejects.toThrow(InputError);
    expect(storage.objects.size).toBe(0);
  });

  it('makes the first listed file the reference when uploading several at once', async () => {
    const { v1, v2 } = await twoVersions();
    const v2copy = join(fx.dir, 'app-2.zip');
    await copyFile(v2, v2copy);
    const results = await fx.service.uploads.uploadAll([v1, v2copy], space);
    expect(results.map((r) => r.kind)).toEqual(['reference', 'delta']);
  });
});

describe('concurrent first uploads', () => {
  it.each([
    ['honours If-None-Match', false],
    ['ignores If-None-Match', true],
  ])('into a store that %s: every racer reads back intact', async (_label, ignore) => {
    const shared = new MemoryStorage({ ignoreIfNoneMatch: ignore });
    const a = await serviceOver(shared);
    const b = await serviceOver(shared);
    try {
      const { v1, v2 } = await twoVersions();
      const v2b = join(fx.dir, 'b.zip');
      await copyFile(v2, v2b);
      const results = await Promise.all([
        a.service.uploads.upload(v1, space),
        b.service.uploads.upload(v2b, space),
      ]);
      expect(results.filter((r) => r.kind === 'reference').length).toBeLessThanOrEqual(1);
      const out = join(fx.dir, 'race-out');
      const reader = await serviceOver(shared);
      await reader.service.downloads.downloadAll(space, out);
      await reader.cleanup();
      expect(await sha256File(join(out, 'app.zip'))).toBe(await sha256File(v1));
      expect(await sha256File(join(out, 'b.zip'))).toBe(await sha256File(v2));
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });
});

describe('download integrity', () => {
  it('fails on a tampered delta and leaves nothing at the destination', async () => {
    const { v1, v2 } = await twoVersions();
    await fx.service.uploads.upload(v1, space, 'app-1.zip');
    await fx.service.uploads.upload(v2, space, 'app-2.zip');
    const key = 'releases/app/app-2.zip.delta';
    const body = Buffer.from(storage.body(BUCKET, key)!);
    const at = body.length - 10;
    body.writeUInt8(body.readUInt8(at) ^ 0xff, at);
    await storage.tamper(BUCKET, key, body);
    const out = join(fx.dir, 'out');
    await expect(fx.service.downloads.download(space, 'app-2.zip', out)).rejects.toThrow(
      IntegrityError,
    );
    expect(await readdir(out)).toEqual([]);
  });

  it('fails on a tampered reference with both hashes in the message', async () => {
    const { v1, v2 } = await twoVersions();
    await fx.service.uploads.upload(v1, space, 'app-1.zip');
    await fx.service.uploads.upload(v2, space, 'app-2.zip');
    await storage.tamper(BUCKET, 'releases/app/reference.bin', Buffer.from('not the reference'));
    const reader = await serviceOver(storage); // a fresh cache: the reference must be fetched
    try {
      const out = join(reader.dir, 'out');
      const error = await reader.service.downloads
        .download(space, 'app-2.zip', out)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IntegrityError);
      expect(String((error as Error).message)).toContain(await sha256File(v1));
      expect(String((error as Error).message)).toMatch(/sha256 is [0-9a-f]{64}/);
    } finally {
      await reader.cleanup();
    }
  });

  it('names the missing reference key when a delta has lost it', async () => {
    const { v1, v2 } = await twoVersions();
    await fx.service.uploads.upload(v1, space, 'app-1.zip');
    await fx.service.uploads.upload(v2, space, 'app-2.zip');
    storage.objects.delete(`${BUCKET}/releases/app/reference.bin`);
    const reader = await serviceOver(storage);
    try {
      await expect(
        reader.service.downloads.download(space, 'app-2.zip', join(reader.dir, 'o')),
      ).rejects.toThrow(/releases\/app\/reference\.bin is missing/);
    } finally {
      await reader.cleanup();
    }
  });

  it('uses the local cache instead of fetching the reference again', async () => {
    const { v1, v2 } = await twoVersions();
    await fx.service.uploads.upload(v1, space, 'app-1.zip');
    await fx.service.uploads.upload(v2, space, 'app-2.zip');
    const reader = await serviceOver(storage, { cacheRoot: fx.cacheRoot });
    try {
      await reader.service.downloads.download(space, 'app-2.zip', join(reader.dir, 'o'));
      expect(storage.calls).not.toContain('GET releases/app/reference.bin');
      expect(reader.log.lines).toContainEqual(
        expect.stringMatching(/^debug: reference [0-9a-f]{12} found in the local cache$/),
      );
    } finally {
      await reader.cleanup();
    }
  });

  it('reports a missing file by name', async () => {
    await expect(
      fx.service.downloads.download(space, 'nope.zip', join(fx.dir, 'o')),
    ).rejects.toThrow(NotFoundError);
  });

  it('passes plain objects through untouched', async () => {
    storage.objects.set(`${BUCKET}/releases/app/readme.txt`, {
      body: Buffer.from('plain'),
      metadata: {},
    });
    const out = join(fx.dir, 'o');
    const result = await fx.service.downloads.download(space, 'readme.txt', out);
    expect(await readFile(join(out, 'readme.txt'), 'utf8')).toBe('plain');
    expect(result.kind).toBe('direct');
  });
});

describe('list', () => {
  it('hides the reference, strips .delta and reports original sizes', async () => {
    const { v1, v2 } = await twoVersions();
    await fx.service.uploads.upload(v1, space, 'app-1.zip');
    await fx.service.uploads.upload(v2, space, 'app-2.zip');
    storage.objects.set(`${BUCKET}/releases/app/nested/x.zip`, {
      body: Buffer.from('x'),
      metadata: {},
    });
    const listing = await fx.service.inspection.list(space);
    expect(listing.map((f) => [f.name, f.kind])).toEqual([
      ['app-1.zip', 'delta'],
      ['app-2.zip', 'delta'],
    ]);
    expect(listing[1]!.originalBytes).toBe((await readFile(v2)).length);
    expect(listing[1]!.storedBytes).toBe(
      storage.body(BUCKET, 'releases/app/app-2.zip.delta')!.length,
    );
  });
});
