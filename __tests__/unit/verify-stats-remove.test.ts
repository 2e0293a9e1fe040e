import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { InputError, NotFoundError } from '../../src/core/errors.js';
import { removeFiles } from '../../src/core/remover.js';
import { childPrefixes } from '../../src/core/tree.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';

// verify, stats, remove and the tree walk: the core on real local adapters (xdelta3,
// sha256, files) over an in-memory bucket.

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

/** Two versions of a binary: the first becomes the reference (+ zero-diff), the second a delta. */
async function uploadTwoVersions(target = space) {
  await mkdir(join(fx.dir, 'in'), { recursive: true });
  const v1 = join(fx.dir, 'in', 'app-1.zip');
  const v2 = join(fx.dir, 'in', 'app-2.zip');
  await writeArtifact(v1, 3 * MB, 7);
  await writeNextVersion(v1, v2, { seed: 9 });
  await fx.service.uploads.upload(v1, target);
  await fx.service.uploads.upload(v2, target);
  return { v1, v2 };
}

function put(key: string, body: string | Buffer, metadata: Record<string, string> = {}) {
  storage.objects.set(`${BUCKET}/${key}`, { body: Buffer.from(body), metadata });
}

/** Files left in the fixture's scratch directory (verify must leave none behind). */
async function scratchFiles(): Promise<string[]> {
  const root = join(fx.dir, 'scratch');
  const dirs = await readdir(root);
  const nested = await Promise.all(dirs.map((d) => readdir(join(root, d))));
  // The references a verify fetched stay in scratch space until the app is closed.
  return nested.flat().filter((f) => !/^[0-9a-f]+-reference-[0-9a-f]{16}\.bin$/.test(f));
}

describe('verify', () => {
  it('rebuilds every file, matches its sha256 and keeps nothing', async () => {
    const { v1, v2 } = await uploadTwoVersions();
    put('releases/app/notes.txt', 'plain, no metadata');
    const results = await fx.service.verifier.verifyAll(space);
    expect(results.map((r) => [r.name, r.kind, r.status])).toEqual([
      ['app-1.zip', 'delta', 'ok'],
      ['app-2.zip', 'delta', 'ok'],
      ['notes.txt', 'plain', 'unchecked'],
    ]);
    expect(results[0]!.sha256).toBe(await sha256File(v1));
    expect(results[1]!.sha256).toBe(await sha256File(v2));
    expect(results[1]!.originalBytes).toBe((await readFile(v2)).length);
    expect(await scratchFiles()).toEqual([]);
  });

  it('fetches the reference from the bucket even when the local cache holds it', async () => {
    await uploadTwoVersions(); // the upload put the reference in the fixture's cache
    await storage.tamper(
      BUCKET,
      'releases/app/reference.bin',
      Buffer.from('damaged in the bucket'),
    );
    const results = await fx.service.verifier.verifyAll(space);
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(results[0]!.problem).toMatch(/reference .*reference\.bin is corrupt/);
    // The same service still downloads from its trusted cache: verify changed nothing.
    const out = join(fx.dir, 'out');
    await fx.service.downloads.download(space, 'app-2.zip', out);
    expect(await readdir(out)).toEqual(['app-2.zip']);
  });

  it('keeps the references a verify fetched out of the local cache', async () => {
    await uploadTwoVersions();
    const reader = await serviceOver(storage); // an empty cache of its own
    try {
      const results = await reader.service.verifier.verifyAll(space);
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
      storage.calls.length = 0;
      // A download afterwards finds nothing cached, so it fetches the reference itself.
      await reader.service.downloads.download(space, 'app-2.zip', join(reader.dir, 'out'));
      expect(storage.calls).toContain('GET releases/app/reference.bin');
    } finally {
      await reader.cleanup();
    }
  });

  it('fetches a reference once for all the files of a run', async () => {
    await uploadTwoVersions();
    storage.calls.length = 0;
    await fx.service.verifier.verifyAll(space);
    await fx.service.verifier.verify(space, 'app-2.zip');
    expect(storage.calls.filter((c) => c === 'GET releases/app/reference.bin')).toHaveLength(1);
  });

  it('reports a tampered delta and a tampered direct file as failed, with the cause', async () => {
    await uploadTwoVersions();
    const direct = join(fx.dir, 'small.bin');
    await writeFile(direct, 'small direct file');
    await fx.service.uploads.upload(direct, space);
    const delta = Buffer.from(storage.body(BUCKET, 'releases/app/app-2.zip.delta')!);
    delta.writeUInt8(delta.readUInt8(delta.length - 10) ^ 0xff, delta.length - 10);
    await storage.tamper(BUCKET, 'releases/app/app-2.zip.delta', delta);
    await storage.tamper(BUCKET, 'releases/app/small.bin', Buffer.from('other bytes'));

    const results = await fx.service.verifier.verifyAll(space);
    expect(results.map((r) => [r.name, r.kind, r.status])).toEqual([
      ['app-1.zip', 'delta', 'ok'],
      ['app-2.zip', 'delta', 'failed'],
      ['small.bin', 'direct', 'failed'],
    ]);
    expect(results[2]).toMatchObject({
      key: 'releases/app/small.bin',
      problem: expect.stringContaining('releases/app/small.bin rebuilt to bytes with sha256'),
    });
    expect(await scratchFiles()).toEqual([]);
  });

  it('reports a missing name as a failed verdict', async () => {
    await uploadTwoVersions();
    const result = await fx.service.verifier.verify(space, 'nope.zip');
    expect(result).toMatchObject({ name: 'nope.zip', kind: 'missing', status: 'failed' });
    expect(result.problem).toMatch(
      /Neither s3:\/\/bucket\/releases\/app\/nope\.zip nor its \.delta/,
    );
  });

  it('reports a delta whose reference is gone', async () => {
    await uploadTwoVersions();
    storage.objects.delete(`${BUCKET}/releases/app/reference.bin`);
    const result = await fx.service.verifier.verify(space, 'app-2.zip');
    expect(result).toMatchObject({ kind: 'delta', status: 'failed' });
    expect(result.problem).toMatch(/reference\.bin is missing/);
  });

  it('refuses an empty DeltaSpace', async () => {
    await expect(fx.service.verifier.verifyAll(space)).rejects.toThrow(InputError);
  });

  it('lets failures that are not about the file abort the run', async () => {
    await uploadTwoVersions();
    storage.download = async () => {
      throw new Error('connection reset');
    };
    await expect(fx.service.verifier.verifyAll(space)).rejects.toThrow('connection reset');
  });
});

describe('stats', () => {
  it('totals logical and stored bytes and counts each kind of object', async () => {
    const { v1, v2 } = await uploadTwoVersions();
    const other = { bucket: BUCKET, prefix: 'releases/lib' };
    const direct = join(fx.dir, 'lib.txt');
    await writeFile(direct, 'a text file, stored direct');
    await fx.service.uploads.upload(direct, other);
    put('releases/readme.md', 'plain object at the parent level');
    put('.deltaglider/stats_quick.json', '{"the":"python tool cache"}');
    put('releases/app/.deltaglider/tmp', 'internal');

    const stats = await fx.service.inspection.stats(BUCKET, '');
    const sizes = (key: string) => storage.body(BUCKET, key)!.length;
    const v1Bytes = (await readFile(v1)).length;
    const v2Bytes = (await readFile(v2)).length;
    const stored =
      sizes('releases/app/reference.bin') +
      sizes('releases/app/app-1.zip.delta') +
      sizes('releases/app/app-2.zip.delta') +
      sizes('releases/lib/lib.txt') +
      sizes('releases/readme.md');
    const logical = v1Bytes + v2Bytes + sizes('releases/lib/lib.txt') + sizes('releases/readme.md');
    expect(stats).toMatchObject({
      bucket: BUCKET,
      prefix: '',
      files: 4,
      originalBytes: logical,
      storedBytes: stored,
      savedBytes: logical - stored,
      deltaSpaces: 1,
      references: 1,
      deltas: 2,
      direct: 1,
      plain: 1,
    });
    expect(stats.savingsPercent).toBe(Math.round(((logical - stored) / logical) * 1000) / 10);
    expect(stats.spaces.map((s) => [s.prefix, s.files, s.deltas])).toEqual([
      ['releases/app', 2, 2],
    ]);
  });

  it('walks a prefix only, never a sibling that shares its first characters', async () => {
    await uploadTwoVersions();
    await uploadTwoVersions({ bucket: BUCKET, prefix: 'releases/app2' });
    const stats = await fx.service.inspection.stats(BUCKET, 'releases/app');
    expect(stats).toMatchObject({ prefix: 'releases/app/', deltaSpaces: 1, deltas: 2, files: 2 });
  });

  it('counts a delta shadowed by a direct object of the same name as stored, not as a file', async () => {
    await uploadTwoVersions();
    put('releases/app/app-2.zip', 'newer direct bytes', {
      'dg-file-sha256': 'a'.repeat(64),
      'dg-compression': 'none',
    });
    const stats = await fx.service.inspection.stats(BUCKET, 'releases/app/');
    expect(stats).toMatchObject({ files: 2, deltas: 2, direct: 1 });
  });
});

describe('remove', () => {
  it('removes a file, and the reference with the last delta', async () => {
    await uploadTwoVersions();
    const first = await fx.service.inspection.remove(space, 'app-1.zip');
    expect(first).toEqual({
      name: 'app-1.zip',
      deleted: ['releases/app/app-1.zip.delta'],
      referenceRemoved: false,
    });
    expect(storage.objects.has(`${BUCKET}/releases/app/reference.bin`)).toBe(true);
    // The remaining delta still rebuilds against the reference.
    expect((await fx.service.verifier.verify(space, 'app-2.zip')).status).toBe('ok');

    const last = await fx.service.inspection.remove(space, 'app-2.zip');
    expect(last.deleted).toEqual(['releases/app/app-2.zip.delta', 'releases/app/reference.bin']);
    expect(last.referenceRemoved).toBe(true);
    expect([...storage.objects.keys()]).toEqual([]);
  });

  it('looks at this DeltaSpace level only, not deeper or sibling prefixes', async () => {
    await uploadTwoVersions();
    await uploadTwoVersions({ bucket: BUCKET, prefix: 'releases/app2' });
    await uploadTwoVersions({ bucket: BUCKET, prefix: 'releases/app/nested' });
    await fx.service.inspection.remove(space, 'app-1.zip');
    const result = await fx.service.inspection.remove(space, 'app-2.zip');
    expect(result.referenceRemoved).toBe(true);
    expect(storage.objects.has(`${BUCKET}/releases/app2/reference.bin`)).toBe(true);
    expect(storage.objects.has(`${BUCKET}/releases/app/nested/reference.bin`)).toBe(true);
  });

  it('keeps the reference while a direct file is removed and deltas remain', async () => {
    await uploadTwoVersions();
    put('releases/app/notes.txt', 'plain');
    const result = await fx.service.inspection.remove(space, 'notes.txt');
    expect(result).toEqual({
      name: 'notes.txt',
      deleted: ['releases/app/notes.txt'],
      referenceRemoved: false,
    });
  });

  it('deletes both forms of a name', async () => {
    await uploadTwoVersions();
    put('releases/app/app-2.zip', 'direct twin');
    const result = await fx.service.inspection.remove(space, 'app-2.zip');
    expect(result.deleted).toEqual(['releases/app/app-2.zip', 'releases/app/app-2.zip.delta']);
  });

  it('deletes nothing in a dry run but says what it would delete', async () => {
    await uploadTwoVersions();
    await fx.service.inspection.remove(space, 'app-1.zip');
    const before = [...storage.objects.keys()];
    const result = await fx.service.inspection.remove(space, 'app-2.zip', { dryRun: true });
    expect(result.deleted).toEqual(['releases/app/app-2.zip.delta', 'releases/app/reference.bin']);
    expect([...storage.objects.keys()]).toEqual(before);
    expect(storage.calls.filter((c) => c.startsWith('DELETE'))).toHaveLength(1);
  });

  it('fails on a name that is not there, and refuses the reference itself', async () => {
    await uploadTwoVersions();
    await expect(fx.service.inspection.remove(space, 'nope.zip')).rejects.toThrow(NotFoundError);
    await expect(fx.service.inspection.remove(space, 'reference.bin')).rejects.toThrow(InputError);
    expect(storage.calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);
  });
});

describe('removeFiles (many names of one space)', () => {
  it('lists once, deletes the files in one batch and the reference after them', async () => {
    await uploadTwoVersions();
    for (let i = 0; i < 50; i++) put(`releases/app/notes-${i}.txt`, `plain ${i}`);
    storage.calls.length = 0;

    const names = [
      'app-1.zip',
      'app-2.zip',
      ...Array.from({ length: 50 }, (_, i) => `notes-${i}.txt`),
    ];
    const result = await removeFiles(storage, fx.log, space, names);

    expect(result.references).toEqual(['releases/app/reference.bin']);
    expect(result.referenceRemoved).toBe(true);
    expect(result.files[0]).toEqual({
      name: 'app-1.zip',
      deleted: ['releases/app/app-1.zip.delta'],
    });
    expect([...storage.objects.keys()]).toEqual([]);
    // One listing of the level and one of its extra references, whatever the count, and
    // the deletion protocol's look once the reference is marked (docs/lifecycle.md);
    // files first, then references, each in one request.
    expect(storage.calls.filter((c) => c.startsWith('LIST'))).toHaveLength(3);
    expect(storage.calls.filter((c) => c.startsWith('COPY'))).toEqual([
      'COPY releases/app/reference.bin',
    ]);
    expect(storage.calls.filter((c) => c.startsWith('DELETE'))).toEqual([
      'DELETE-MANY 52',
      'DELETE-MANY 1',
    ]);
  });

  it('keeps the reference while a delta remains, and deletes nothing for a missing name', async () => {
    await uploadTwoVersions();
    put('releases/app/notes.txt', 'plain');
    const result = await removeFiles(storage, fx.log, space, ['app-1.zip', 'notes.txt']);
    expect(result.references).toEqual([]);
    expect(storage.objects.has(`${BUCKET}/releases/app/reference.bin`)).toBe(true);
    expect((await fx.service.verifier.verify(space, 'app-2.zip')).status).toBe('ok');

    storage.calls.length = 0;
    await expect(removeFiles(storage, fx.log, space, ['app-2.zip', 'nope.zip'])).rejects.toThrow(
      NotFoundError,
    );
    expect(storage.calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);
  });
});

describe('walk', () => {
  it('groups objects by directory and names the child prefixes of a level', async () => {
    put('releases/app/reference.bin', 'r');
    put('releases/app/a.zip.delta', 'd');
    put('releases/app/nested/b.bin', 'b');
    put('releases/lib/c.txt', 'c');
    put('releases/folder-marker/', '');
    put('top.txt', 't');
    put('.deltaglider/cache.json', '{}');
    const tree = await fx.service.inspection.walk(BUCKET, '');
    expect(tree.map((d) => [d.prefix, d.reference?.key, d.objects.map((o) => o.key)])).toEqual([
      ['', undefined, ['top.txt']],
      ['releases/app', 'releases/app/reference.bin', ['releases/app/a.zip.delta']],
      ['releases/app/nested', undefined, ['releases/app/nested/b.bin']],
      ['releases/lib', undefined, ['releases/lib/c.txt']],
    ]);
    expect(childPrefixes(tree, '')).toEqual(['releases']);
    expect(childPrefixes(tree, 'releases')).toEqual(['releases/app', 'releases/lib']);
    expect(childPrefixes(tree, 'releases/app')).toEqual(['releases/app/nested']);
  });
});
