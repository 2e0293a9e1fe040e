// prune against concurrent writers, interleaved at each step of the deletion protocol
// (docs/lifecycle.md) through the prune's race seam: whatever runs beside it, every file
// reported stored downloads byte-exact, and the prune's record says what happened.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { Pruner, type PruneDeps } from '../../src/core/lifecycle/prune.js';
import { selectSpaces } from '../../src/core/lifecycle/shard.js';
import type { DeltaSpace } from '../../src/core/models.js';
import type { StoragePort } from '../../src/ports.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { recordingLogger } from '../helpers/service-fixture.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { DestructiveFixture } from './fixture.js';

let server: S3TestServer;
let storage: S3Storage;
let work: string;
let fixture: DestructiveFixture;
let space: DeltaSpace;

beforeAll(async () => {
  server = await startS3Server();
  storage = new S3Storage(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-destructive-'));
}, 60_000);

beforeEach(async () => {
  space = { bucket: await server.createBucket(), prefix: 'rel' };
  fixture = new DestructiveFixture(storage, join(work, space.bucket));
  await fixture.twoLines(space);
});

afterEach(async () => {
  await fixture.cleanup();
});

afterAll(async () => {
  storage?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function prune(extra: Partial<PruneDeps> = {}) {
  const pruner = new Pruner({
    storage,
    log: recordingLogger(),
    concurrency: 4,
    ...extra,
  });
  const spaces = await selectSpaces(storage, [space], { recursive: false });
  const [result] = await pruner.prune(spaces, {
    rule: { kind: 'keep-last', count: 1 },
    dryRun: false,
    now: new Date(),
    referenceGraceSeconds: 0,
  });
  return result!;
}

describe('prune racing two writers', () => {
  it('one stores a delta just before the delete, the other makes a new reference.bin just after', async () => {
    const one = await fixture.writer();
    const two = await fixture.writer();
    const kinds: string[] = [];
    const result = await prune({
      raceSeam: async (moment) => {
        if (moment === 'before-delete')
          kinds.push(await fixture.upload(one, space, await fixture.nextRelease(space, 4)));
        if (moment === 'after-delete')
          kinds.push(await fixture.upload(two, space, await fixture.nextRelease(space, 5)));
      },
    });
    await fixture.expectAllStored(space);
    // reference.bin was marked first: the first writer stored direct; the old one went,
    // and the second writer's file is the new one.
    expect(kinds).toEqual(['direct', 'reference']);
    expect(result.removedReferences.map((r) => r.key)).toEqual(['rel/reference.bin']);
    expect([result.revivedReferences, result.skippedReferences]).toEqual([[], []]);
    const now = await storage.head(space.bucket, 'rel/reference.bin');
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
      const relay = await FaultProxy.start(server.endpoint);
      const slow = new S3Storage(s3TestOptions(relay.endpoint));
      try {
        const writer = await fixture.writer(undefined, slow);
        const file = await fixture.nextRelease(space, 4);
        const held = relay.hold((r) => r.method === 'PUT' && r.key === `rel/${file.name}.delta`);
        const upload = fixture.upload(writer, space, file);
        await held.reached;
        const result = await prune({
          raceSeam: async (at) => {
            if (at !== moment) return;
            held.release();
            await upload;
          },
        });
        expect(await upload).toBe(kind);
        await fixture.expectAllStored(space);
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
    const blind: StoragePort = Object.create(storage, {
      head: {
        value: async (bucket: string, key: string) => {
          const head = await storage.head(bucket, key);
          if (head) delete head.metadata['dg-retiring'];
          return head;
        },
      },
    });
    const old = await fixture.writer(undefined, blind);
    expect(await fixture.upload(old, space, await fixture.nextRelease(space, 4))).toBe('delta');
    const result = await prune();
    expect(result.revivedReferences).toEqual(['rel/reference.bin']);
    // 4.0.0 is now the newest linux release: 3.0.0 and its own reference go.
    fixture.stored.delete('tool-3.0.0-linux.bin');
    expect(result.removedReferences.map((r) => r.key)).not.toContain('rel/reference.bin');
    expect((await storage.head(space.bucket, 'rel/reference.bin'))?.metadata).not.toHaveProperty(
      'dg-retiring',
    );
    await fixture.expectAllStored(space);
  }, 120_000);
});
