// rm racing a writer: rm removes a file whose reference no other delta needs, while
// another job stores a delta against that reference. The relay holds rm's first request
// on the reference (its mark, or its DELETE in builds without the protocol) while the
// writer finishes; then it goes through. The writer's file must still download.
import { describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { DEFAULT_REFERENCE_POLICY } from '../../src/core/references/choose.js';
import { runCli } from '../helpers/cli.js';
import { FaultProxy, type RequestMatch } from '../helpers/fault-proxy.js';
import { destructiveSuite } from './fixture.js';

const ctx = destructiveSuite();

describe('rm racing a writer', () => {
  it('keeps the reference a delta written meanwhile needs', async () => {
    const relay = await FaultProxy.start(ctx.server.endpoint);
    try {
      const isBatchDelete: RequestMatch = (r) => r.method === 'POST' && r.query.has('delete');
      const held = relay.hold(
        (r) =>
          (r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined) ||
          (isBatchDelete(r) && relay.count(isBatchDelete) >= 2) ||
          (r.method === 'DELETE' && r.key.endsWith('/reference.bin')),
      );
      const target = `s3://${ctx.space.bucket}/rel/tool-3.0.0-linux.bin`;
      const rm = runCli(['rm', target], relay.endpoint, join(ctx.work, 'rm-cache'));
      await held.reached;
      ctx.fixture.stored.delete('tool-3.0.0-linux.bin');
      // The newest linux reference is 3.0.0's own: 4.0.0 deltas against it.
      const writer = await ctx.fixture.writer(DEFAULT_REFERENCE_POLICY);
      const file = await ctx.fixture.nextRelease(ctx.space, 4);
      expect(await ctx.fixture.upload(writer, ctx.space, file)).toBe('delta');
      held.release();
      expect((await rm).code).toBe(0);
      await ctx.fixture.expectAllStored(ctx.space);
    } finally {
      await relay.stop();
    }
  }, 120_000);
});
