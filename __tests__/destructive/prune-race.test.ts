// prune against concurrent writers, interleaved at each step of the deletion protocol
// (docs/lifecycle.md) through the prune's race seam and a relay that holds a writer's
// request: whatever runs beside it, every file reported stored downloads byte-exact, and
// the prune's record says what happened.
import { describe, expect, it } from '@jest/globals';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import type { PruneDeps } from '../../src/core/lifecycle/prune.js';
import type { StoragePort } from '../../src/ports.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { s3TestOptions } from '../helpers/s3-server.js';
import { destructiveSuite, pruneKeepLast } from './fixture.js';

const ctx = destructiveSuite();
const prune = (extra: Partial<PruneDeps> = {}) => pruneKeepLast(ctx, extra);

describe('prune racing two writers', () => {
  it('one stores a delta just before the delete, the other makes a new reference.bin just after', async () => {
    const one = await ctx.fixture.writer();
    const two = await ctx.fixture.writer();
    const kinds: string[] = [];
    const result = await prune({
      raceSeam: async (moment) => {
        if (moment === 'before-delete')
          kinds.push(
            await ctx.fixture.upload(one, ctx.space, await ctx.fixture.nextRelease(ctx.space, 4)),
          );
        if (moment === 'after-delete')
          kinds.push(
            await ctx.fixture.upload(two, ctx.space, await ctx.fixture.nextRelease(ctx.space, 5)),
          );
      },
    });
    await ctx.fixture.expectAllStored(ctx.space);
    // reference.bin was marked first: the first writer stored direct; the old one went,
    // and the second writer's file is the new one.
    expect(kinds).toEqual(['direct', 'reference']);
    expect(result.removedReferences.map((r) => r.key)).toEqual(['rel/reference.bin']);
    expect([result.revivedReferences, result.skippedReferences]).toEqual([[], []]);
    const now = await ctx.storage.head(ctx.space.bucket, 'rel/reference.bin');
    expect(now?.metadata['dg-source-name']).toBe('tool-5.0.0-linux.bin');
  }, 120_000);
});

describe('a writer that chose reference.bin before the mark, its delta landing later', () => {
  // Its delta's PUT is held at a relay in front of the server until the prune reaches
  // `moment`; there the writer finishes. Its check after writing sees the mark (or the
  // deletion) and it stores the file again: direct while reference.bin is retiring, as the
  // new reference.bin once it is gone.
  it.each([
    ['after-mark', 'direct'],
    ['before-delete', 'direct'],
    ['after-delete', 'reference'],
  ] as const)(
    'landing %s, it is stored %s and downloads',
    async (moment, kind) => {
      const relay = await FaultProxy.start(ctx.server.endpoint);
      const slow = new S3Storage(s3TestOptions(relay.endpoint));
      try {
        const writer = await ctx.fixture.writer(undefined, slow);
        const file = await ctx.fixture.nextRelease(ctx.space, 4);
        const held = relay.hold((r) => r.method === 'PUT' && r.key === `rel/${file.name}.delta`);
        const upload = ctx.fixture.upload(writer, ctx.space, file);
        await held.reached;
        const result = await prune({
          raceSeam: async (at) => {
            if (at !== moment) return;
            held.release();
            await upload;
          },
        });
        expect(await upload).toBe(kind);
        await ctx.fixture.expectAllStored(ctx.space);
        expect(result.removedReferences.map((r) => r.key)).toEqual(['rel/reference.bin']);
      } finally {
        slow.close();
        await relay.stop();
      }
    },
    120_000,
  );
});

describe('a writer that does not read the mark (an older release)', () => {
  it('stores a delta against a retiring reference.bin: the next prune sees it and revives it', async () => {
    // The first prune stops once reference.bin is marked.
    await expect(
      prune({
        raceSeam: async () => {
          throw new Error('cancelled');
        },
      }),
    ).rejects.toThrow('cancelled');
    const blind: StoragePort = Object.create(ctx.storage, {
      head: {
        value: async (bucket: string, key: string) => {
          const head = await ctx.storage.head(bucket, key);
          if (head) delete head.metadata['dg-retiring'];
          return head;
        },
      },
    });
    const old = await ctx.fixture.writer(undefined, blind);
    expect(
      await ctx.fixture.upload(old, ctx.space, await ctx.fixture.nextRelease(ctx.space, 4)),
    ).toBe('delta');
    const result = await prune();
    expect(result.revivedReferences).toEqual(['rel/reference.bin']);
    // 4.0.0 is now the newest linux release: 3.0.0 and its own reference go.
    ctx.fixture.stored.delete('tool-3.0.0-linux.bin');
    expect(result.removedReferences.map((r) => r.key)).not.toContain('rel/reference.bin');
    expect(
      (await ctx.storage.head(ctx.space.bucket, 'rel/reference.bin'))?.metadata,
    ).not.toHaveProperty('dg-retiring');
    await ctx.fixture.expectAllStored(ctx.space);
  }, 120_000);
});
