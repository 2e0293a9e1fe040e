// prune on real release names against a real S3 server, through both shells: a final
// release outlives its candidate, builds for other platforms and runtimes are lines of
// their own, and a file whose order the names do not tell stays, with the reason printed.
import { jest } from '@jest/globals';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionInputs } from '../../src/action/inputs.js';
import { runPrune } from '../../src/action/prune.js';
import { writeJobSummary } from '../../src/action/summary.js';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { parseS3Url } from '../../src/core/s3-url.js';
import type { App } from '../../src/app/create-app.js';
import { listKeys } from '../helpers/bucket.js';
import { runCli } from '../helpers/cli.js';
import { appOver } from '../helpers/engine.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { writeVersions } from '../helpers/versions.js';

/** Uploaded in this order, each a small edit of the one before. */
const NAMES = [
  'mypkg-2.0.0rc1.tar.gz',
  'mypkg-2.0.0.tar.gz',
  'tool-2.1.0-ubuntu-20.04-amd64.deb',
  'tool-2.1.0-ubuntu-22.04-amd64.deb',
  'tool-2.1.0-node-18.tgz',
  'tool-2.1.0-node-20.tgz',
  'app-1.1.0-canary.1.zip',
  'app-1.1.0-next.1.zip',
];
/** What --keep-last 1 leaves: all but the release candidate. */
const LEFT = NAMES.filter((n) => n !== 'mypkg-2.0.0rc1.tar.gz').sort();
const WHY =
  '(cannot tell the release order of "app-1.1.0-canary.1.zip" and "app-1.1.0-next.1.zip": the pre-release labels canary and next have no known order)';

const ctx = {} as {
  server: S3TestServer;
  raw: ReturnType<typeof createS3Client>;
  app: App;
  work: string;
  paths: string[];
};

beforeAll(async () => {
  ctx.server = await startS3Server();
  ctx.raw = createS3Client(s3TestOptions(ctx.server.endpoint));
  ctx.work = await mkdtemp(join(tmpdir(), 'dg-prune-names-'));
  ctx.app = appOver(ctx.server.endpoint, ctx.work, join(ctx.work, 'cache'));
  ctx.paths = await writeVersions(join(ctx.work, 'in'), NAMES, 256 * 1024, 7);
}, 60_000);

afterAll(async () => {
  await ctx.app?.close();
  ctx.raw?.destroy();
  await ctx.server?.stop();
  if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
});

/** A bucket holding NAMES in `rel/`, uploaded one at a time in their order. */
async function releases(): Promise<string> {
  const bucket = await ctx.server.createBucket();
  for (const path of ctx.paths)
    await ctx.app.core.uploads.uploadAll([path], { bucket, prefix: 'rel' });
  return bucket;
}

/** The file names left in `rel/`, whichever form holds them. */
async function left(bucket: string): Promise<string[]> {
  const keys = await listKeys(ctx.raw, bucket, 'rel/');
  return keys
    .filter((k) => !k.endsWith('reference.bin'))
    .map((k) => k.slice('rel/'.length).replace(/\.delta$/, ''))
    .sort();
}

describe('prune on release names', () => {
  it('the CLI keeps the final release and every platform, and says what it kept unordered', async () => {
    const bucket = await releases();
    const run = (...args: string[]) =>
      runCli(['prune', '--keep-last', '1', ...args], ctx.server.endpoint, join(ctx.work, 'c'));
    const dry = await run('--dryrun', `s3://${bucket}/rel/`);
    expect(dry).toMatchObject({ code: 0, err: '' });
    expect(dry.out).toContain(`kept: s3://${bucket}/rel/app-1.1.0-canary.1.zip ${WHY}\n`);

    const json = await run('--yes', '--json', `s3://${bucket}/rel/`);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out);
    expect(parsed['files-kept-uncertain']).toBe(1);
    expect(parsed.results[0]['kept-uncertain']).toEqual([
      {
        name: 'app-1.1.0-canary.1.zip',
        'order-unknown-against': 'app-1.1.0-next.1.zip',
        why: 'the pre-release labels canary and next have no known order',
      },
    ]);
    expect(parsed.results[0].removed.map((r: { name: string }) => r.name)).toEqual([
      'mypkg-2.0.0rc1.tar.gz',
    ]);
    expect(await left(bucket)).toEqual(LEFT);

    const again = await run('--yes', `s3://${bucket}/rel/`);
    expect(again.out).toContain(`kept: s3://${bucket}/rel/app-1.1.0-canary.1.zip ${WHY}\n`);
    expect(again.out).toMatch(
      /prune: 0 files and 0 references removed from 1 DeltaSpace, 7 files kept \(1 because their release order is unknown\); freed /,
    );
  }, 120_000);

  it('the action keeps the same files and puts the reason in its summary', async () => {
    const bucket = await releases();
    const { report, summary } = await actionPrune(bucket);
    expect(report.outputs.files).toBe(1);
    expect(report.notes).toContain(`kept: s3://${bucket}/rel/app-1.1.0-canary.1.zip ${WHY}`);
    expect(summary).toContain('cannot tell the release order of');
    expect(await left(bucket)).toEqual(LEFT);
  }, 120_000);

  it('the action names at most 20 such files in its summary, and counts the rest', async () => {
    const bucket = await ctx.server.createBucket();
    // Builds named by commit alone: no name tells which came first.
    const hashes = Array.from({ length: 23 }, (_, i) => `${(0xabc1230 + i).toString(16)}f`);
    for (const hash of hashes)
      await ctx.raw.send(
        new PutObjectCommand({ Bucket: bucket, Key: `rel/build-${hash}.bin`, Body: hash }),
      );
    const { report } = await actionPrune(bucket);
    expect(report.outputs.files).toBe(0);
    const kept = report.notes.filter((n) => n.startsWith('kept: '));
    expect(kept).toHaveLength(20);
    expect(kept[0]).toMatch(/\(cannot tell the release order of .*: neither holds a version\)$/);
    expect(report.notes).toContain('2 more files kept for the same reason are in the step log');
    expect((await listKeys(ctx.raw, bucket, 'rel/')).length).toBe(23);
  }, 60_000);
});

/** The action's `command: prune` with keep-last 1 on `rel/`, its report and summary. */
async function actionPrune(bucket: string) {
  const path = join(ctx.work, 'summary');
  await writeFile(path, '');
  const saved = process.env.GITHUB_STEP_SUMMARY;
  process.env.GITHUB_STEP_SUMMARY = path;
  // The report prints through @actions/core (stdout): a green run stays quiet.
  const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const report = await runPrune(ctx.app, {
      s3Url: parseS3Url(`s3://${bucket}/rel/`),
      ...s3TestOptions(ctx.server.endpoint),
      maxAttempts: 2,
      concurrency: 2,
      dryRun: false,
      keepLast: '1',
    } as ActionInputs);
    await writeJobSummary(report);
    return { report, summary: await readFile(path, 'utf8') };
  } finally {
    quiet.mockRestore();
    process.env.GITHUB_STEP_SUMMARY = saved;
  }
}
