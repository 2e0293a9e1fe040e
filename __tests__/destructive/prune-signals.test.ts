// prune killed at each step of the deletion protocol (docs/lifecycle.md): the CLI bundle
// runs as a child process through a relay that holds the step's request; a writer
// uploads meanwhile; the prune gets SIGTERM or SIGKILL while the request is held, which
// is then let through (S3 applies a request already sent). Every file reported stored
// must still download byte-exact, and a prune run afterwards finishes the job.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FaultProxy, type RequestMatch } from '../helpers/fault-proxy.js';
import { destructiveSuite, pruneKeepLast } from './fixture.js';

const ROOT = new URL('../..', import.meta.url).pathname;
/** The CLI bundle under test (DG_CLI_BUNDLE: another build, e.g. main's, to compare). */
const BUNDLE = process.env.DG_CLI_BUNDLE ?? join(ROOT, 'dist', 'cli', 'index.js');

const ctx = destructiveSuite();

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
});

const isCopy: RequestMatch = (r) =>
  r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined;
const isBatchDelete: RequestMatch = (r) => r.method === 'POST' && r.query.has('delete');

/** The request each step of the protocol starts with. */
function stepRequest(step: 'mark' | 'look' | 'delete', relay: FaultProxy): RequestMatch {
  if (step === 'mark') return isCopy;
  // The listing taken once marked; the second batch delete (the first is the files').
  if (step === 'look')
    return (r) => r.method === 'GET' && r.query.has('list-type') && relay.count(isCopy) > 0;
  return (r) => isBatchDelete(r) && relay.count(isBatchDelete) >= 2;
}

describe('prune killed during the protocol, a writer uploading meanwhile', () => {
  it.each([
    ['mark', 'SIGTERM'],
    ['look', 'SIGKILL'],
    ['delete', 'SIGTERM'],
    ['delete', 'SIGKILL'],
  ] as const)(
    'at %s, by %s: every stored file downloads',
    async (step, signal) => {
      const relay = await FaultProxy.start(ctx.server.endpoint);
      try {
        const held = relay.hold(stepRequest(step, relay));
        const child = spawn(
          process.execPath,
          [
            BUNDLE,
            'prune',
            '--keep-last',
            '1',
            '--yes',
            '--reference-grace',
            '0s',
            `s3://${ctx.space.bucket}/rel/`,
            '--endpoint-url',
            relay.endpoint,
            '--cache-dir',
            join(ctx.work, `${ctx.space.bucket}-cache`),
          ],
          {
            env: {
              ...process.env,
              AWS_ACCESS_KEY_ID: 'test',
              AWS_SECRET_ACCESS_KEY: 'test',
              AWS_REGION: 'us-east-1',
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
        const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
          child.on('close', (code, sig) => resolve({ code, signal: sig })),
        );
        await Promise.race([held.reached, exited.then(() => Promise.reject(new Error(out)))]);
        await ctx.fixture.upload(
          await ctx.fixture.writer(),
          ctx.space,
          await ctx.fixture.nextRelease(ctx.space, 4),
        );
        child.kill(signal);
        const exit = await exited;
        expect(exit).toEqual(
          signal === 'SIGKILL' ? { code: null, signal: 'SIGKILL' } : { code: 143, signal: null },
        );
        // The request the prune had sent reaches the server after all.
        held.release();
        await held.answered;
        await ctx.fixture.expectAllStored(ctx.space);
        // Another prune finishes the job and breaks nothing (4.0.0 is linux's newest now).
        await pruneKeepLast(ctx);
        ctx.fixture.stored.delete('tool-3.0.0-linux.bin');
        await ctx.fixture.expectAllStored(ctx.space);
      } finally {
        await relay.stop();
      }
    },
    120_000,
  );
});
