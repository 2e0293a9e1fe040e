// Rehydrated copies in the reference CLI's layout: the expiry formats both CLIs write and
// read, the key shape, and a purge that removes exactly the expired copies.
import { describe, expect, it } from '@jest/globals';
import {
  parseExpiresAt,
  purgeExpired,
  rehydratedKey,
  rehydratedMetadata,
} from '../../src/core/rehydrate.js';
import { readField } from '../../src/core/metadata.js';
import { MemoryStorage } from '../helpers/memory-storage.js';

describe('parseExpiresAt', () => {
  it.each([
    // Python's datetime.isoformat() of an aware UTC time (the reference CLI writes these).
    ['2026-11-30T03:00:00.123456+00:00', '2026-11-30T03:00:00.123Z'],
    ['2026-11-30T03:00:00+00:00', '2026-11-30T03:00:00.000Z'],
    ['2026-11-30T03:00:00Z', '2026-11-30T03:00:00.000Z'],
    // A naive time is UTC to the reference CLI's purge, never the machine's local time.
    ['2026-11-30T03:00:00.5', '2026-11-30T03:00:00.500Z'],
    ['2026-11-30T05:00:00+02:00', '2026-11-30T03:00:00.000Z'],
    ['2026-11-30T05:00:00+0200', '2026-11-30T03:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseExpiresAt(text)?.toISOString()).toBe(iso);
  });

  it.each(['', 'tomorrow', '2026-13-45T99:00:00Z', '1700000000'])('refuses %j', (text) => {
    expect(parseExpiresAt(text)).toBeUndefined();
  });

  it('reads back what rehydratedMetadata writes', () => {
    const now = new Date('2026-11-30T02:00:00.250Z');
    const expires = new Date('2026-12-07T02:00:00.250Z');
    const metadata = rehydratedMetadata('p/app.zip.delta', 'app.zip', now, expires);
    expect(metadata).toEqual({
      'dg-expires-at': '2026-12-07T02:00:00.250',
      'dg-original-key': 'p/app.zip.delta',
      'dg-original-filename': 'app.zip',
      'dg-rehydrated': 'true',
      'dg-created-at': '2026-11-30T02:00:00.250',
    });
    expect(parseExpiresAt(metadata['dg-expires-at']!)).toEqual(expires);
  });

  it('encodes a non-ASCII name as every metadata value is encoded, and reads it back', () => {
    const now = new Date('2026-11-30T02:00:00.250Z');
    const key = 'rel/relé-ü-文件.bin.delta';
    const metadata = rehydratedMetadata(key, 'relé-ü-文件.bin', now, now);
    // What S3 metadata (HTTP headers) can carry: the adapter refuses anything else.
    for (const value of Object.values(metadata)) expect(value).toMatch(/^[\x20-\x7e]*$/);
    expect(readField(metadata, 'original-key')).toBe(key);
    expect(readField(metadata, 'original-filename')).toBe('relé-ü-文件.bin');
  });
});

it('names copies .deltaglider/tmp/<32 hex>_<name>, fresh each time', () => {
  const key = rehydratedKey('app 1.zip');
  expect(key).toMatch(/^\.deltaglider\/tmp\/[0-9a-f]{32}_app 1\.zip$/);
  expect(rehydratedKey('app 1.zip')).not.toBe(key);
});

describe('purgeExpired', () => {
  async function seeded(): Promise<MemoryStorage> {
    const storage = new MemoryStorage();
    const put = (key: string, body: string, metadata: Record<string, string>) =>
      storage.objects.set(`b/${key}`, { body: Buffer.from(body), metadata });
    put('.deltaglider/tmp/a_old.zip', 'old!', { 'dg-expires-at': '2026-11-30T01:59:59+00:00' });
    put('.deltaglider/tmp/b_now.zip', 'now', { 'dg-expires-at': '2026-11-30T02:00:00Z' });
    put('.deltaglider/tmp/c_new.zip', 'new', { 'dg-expires-at': '2026-11-30T02:00:01Z' });
    put('.deltaglider/tmp/d_none.zip', 'none', {});
    put('.deltaglider/tmp/e_bad.zip', 'bad', { 'dg-expires-at': 'never' });
    put('space/app.zip', 'app', { 'dg-expires-at': '2000-01-01T00:00:00Z' });
    return storage;
  }
  const now = new Date('2026-11-30T02:00:00Z');

  it('removes the copies whose dg-expires-at has passed, and nothing else', async () => {
    const storage = await seeded();
    const report = await purgeExpired(storage, 'b', now);
    expect(report.expired.map((e) => [e.key, e.size])).toEqual([
      ['.deltaglider/tmp/a_old.zip', 4],
      ['.deltaglider/tmp/b_now.zip', 3],
    ]);
    expect(report.kept).toBe(3);
    expect([...storage.objects.keys()].sort()).toEqual([
      'b/.deltaglider/tmp/c_new.zip',
      'b/.deltaglider/tmp/d_none.zip',
      'b/.deltaglider/tmp/e_bad.zip',
      'b/space/app.zip',
    ]);
  });

  it('removes nothing on a dry run', async () => {
    const storage = await seeded();
    const report = await purgeExpired(storage, 'b', now, { dryRun: true });
    expect(report.expired).toHaveLength(2);
    expect(storage.objects.size).toBe(6);
  });
});
