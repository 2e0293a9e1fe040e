// The action's `command: prune` (src/action/prune.ts) on the real engine against a real S3
// server, its report rendered as main.ts renders it into the runner's files.
import { jest } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { parseRunnerFile } from '../../scripts/lib/run-action.mjs';
import type { ActionInputs } from '../../src/action/inputs.js';
import { setOutputs } from '../../src/action/outputs.js';
import { runPrune } from '../../src/action/prune.js';
import { writeJobSummary } from '../../src/action/summary.js';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { parseS3Url } from '../../src/core/s3-url.js';
import type { App } from '../../src/app/create-app.js';
import { listKeys } from '../helpers/bucket.js';
import { appOver } from '../helpers/engine.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { writeVersions } from '../helpers/versions.js';

/** One server, bucket and engine for the file; the runner's output files per test. */
const ctx = {} as {
  server: S3TestServer;
  raw: ReturnType<typeof createS3Client>;
  app: App;
  work: string;
  bucket: string;
  quiet: { mockRestore(): void };
};
const saved = { output: process.env.GITHUB_OUTPUT, summary: process.env.GITHUB_STEP_SUMMARY };

beforeAll(async () => {
  // The report prints through @actions/core (stdout): a green run stays quiet.
  ctx.quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  ctx.server = await startS3Server();
  ctx.raw = createS3Client(s3TestOptions(ctx.server.endpoint));
  ctx.work = await mkdtemp(join(tmpdir(), 'dg-action-prune-'));
  ctx.bucket = await ctx.server.createBucket();
  ctx.app = appOver(ctx.server.endpoint, ctx.work, join(ctx.work, 'cache'));
  const names = ['app-1.0.zip', 'app-1.1.zip', 'app-1.2.zip'];
  const paths = await writeVersions(join(ctx.work, 'in'), names, 2 * 1024 * 1024, 41);
  await ctx.app.core.uploads.uploadAll(paths, { bucket: ctx.bucket, prefix: 'rel/app' });
  process.env.GITHUB_OUTPUT = join(ctx.work, 'output');
  process.env.GITHUB_STEP_SUMMARY = join(ctx.work, 'summary');
}, 60_000);

beforeEach(async () => {
  await writeFile(process.env.GITHUB_OUTPUT!, '');
  await writeFile(process.env.GITHUB_STEP_SUMMARY!, '');
});

afterAll(async () => {
  ctx.quiet?.mockRestore();
  process.env.GITHUB_OUTPUT = saved.output;
  process.env.GITHUB_STEP_SUMMARY = saved.summary;
  await ctx.app?.close();
  ctx.raw?.destroy();
  await ctx.server?.stop();
  if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
});

function inputs(extra: Partial<ActionInputs>): ActionInputs {
  return {
    s3Url: parseS3Url(`s3://${ctx.bucket}/rel/app/`),
    ...s3TestOptions(ctx.server.endpoint),
    maxAttempts: 2,
    concurrency: 2,
    dryRun: false,
    ...extra,
  } as ActionInputs;
}

async function prune(extra: Partial<ActionInputs>) {
  const report = await runPrune(ctx.app, inputs(extra));
  setOutputs(report.outputs);
  await writeJobSummary(report);
  return {
    out: parseRunnerFile(await readFile(process.env.GITHUB_OUTPUT!, 'utf8')),
    summary: await readFile(process.env.GITHUB_STEP_SUMMARY!, 'utf8'),
  };
}

async function sizeOf(key: string): Promise<number> {
  return (await ctx.raw.send(new HeadObjectCommand({ Bucket: ctx.bucket, Key: key })))
    .ContentLength!;
}

describe('command: prune', () => {
  it('refuses neither or both of keep-last and older-than, naming the inputs', async () => {
    await expect(runPrune(ctx.app, inputs({}))).rejects.toThrow(
      'prune needs input keep-last N or input older-than DURATION',
    );
    await expect(runPrune(ctx.app, inputs({ keepLast: '1', olderThan: '2d' }))).rejects.toThrow(
      'prune takes input keep-last or input older-than, not both',
    );
  });

  it('dry-run says what would go and the bytes; then the real run removes just that', async () => {
    const before = await listKeys(ctx.raw, ctx.bucket, 'rel/app/');
    const gone = ['rel/app/app-1.0.zip.delta', 'rel/app/app-1.1.zip.delta'];
    const bytes = (await sizeOf(gone[0]!)) + (await sizeOf(gone[1]!));

    const dry = await prune({ keepLast: '1', dryRun: true });
    expect(dry.out).toMatchObject({ files: '2', references: '0', 'stored-bytes': `${bytes}` });
    expect(dry.summary).toContain(`s3://${ctx.bucket}/rel/app/app-1.0.zip.delta`);
    expect(await listKeys(ctx.raw, ctx.bucket, 'rel/app/')).toEqual(before);

    const real = await prune({ keepLast: '1' });
    expect(real.out).toMatchObject({ files: '2', references: '0', 'stored-bytes': `${bytes}` });
    // app-1.2.zip's delta still needs reference.bin.
    expect(await listKeys(ctx.raw, ctx.bucket, 'rel/app/')).toEqual([
      'rel/app/app-1.2.zip.delta',
      'rel/app/reference.bin',
    ]);
  });
});
