// The rule of migrate --delete-source (core/lifecycle/source-version.ts) on a store that
// gives no ETag and ignores If-Match (the in-memory port, told to send no ETag): a source
// whose version is unknown is never deleted, and one that changed or went since it was
// examined stays.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteIfUnchanged, readVersion } from '../../src/core/lifecycle/source-version.js';
import { MemoryStorage } from '../helpers/memory-storage.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dg-source-version-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storageWith(body: string): Promise<MemoryStorage> {
  const storage = new MemoryStorage({ noEtags: true });
  const src = join(dir, 'src');
  await writeFile(src, body);
  await storage.upload('b', 'old/a.bin', src, {});
  return storage;
}

describe('deleteIfUnchanged', () => {
  it('never deletes a source whose examined version is unknown', async () => {
    const storage = await storageWith('v1');
    const dest = join(dir, 'read');
    const read = await readVersion(storage, 'b', 'old/a.bin', dest, { size: 2 });
    expect(await readFile(dest, 'utf8')).toBe('v1');
    expect(read.etag).toBeUndefined();
    expect(await deleteIfUnchanged(storage, 'b', 'old/a.bin', read)).toEqual({
      kind: 'skipped',
      reason: 'version-unknown',
    });
    expect(storage.calls.filter((c) => c.startsWith('DELETE'))).toEqual([]);
    expect(storage.body('b', 'old/a.bin')?.toString()).toBe('v1');
  });

  it('keeps a source that no longer matches the version copied, or is gone', async () => {
    const storage = await storageWith('v1');
    // Seen with another ETag than the store reports now (none): changed.
    const copied = { etag: '"abc"', size: 2 };
    expect(await deleteIfUnchanged(storage, 'b', 'old/a.bin', copied)).toEqual({
      kind: 'skipped',
      reason: 'changed',
    });
    expect(storage.body('b', 'old/a.bin')?.toString()).toBe('v1');
    await storage.delete('b', 'old/a.bin');
    expect(await deleteIfUnchanged(storage, 'b', 'old/a.bin', copied)).toEqual({
      kind: 'skipped',
      reason: 'gone',
    });
  });
});
