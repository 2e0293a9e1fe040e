// The action's list, verify and stats commands (src/action/commands.ts) on the real
// engine against a real S3 server; their reports are rendered as main.ts renders them,
// into the runner's output and summary files.
import { jest } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { parseRunnerFile } from '../../scripts/lib/run-action.mjs';
import { runList, runStats, runVerify } from '../../src/action/commands.js';
import type { CommandReport } from '../../src/action/report.js';
import { setOutputs } from '../../src/action/outputs.js';
import { writeJobSummary } from '../../src/action/summary.js';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { IntegrityError, InputError } from '../../src/core/errors.js';
import { parseS3Url } from '../../src/core/s3-url.js';
import type { App } from '../../src/app/create-app.js';
import { appOver } from '../helpers/engine.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const MB = 1024 * 1024;

let server: S3TestServer;
let raw: ReturnType<typeof createS3Client>;
let app: App;
let work: string;
let bucket: string;
let v1: string;
let v2: string;
const saved = { output: process.env.GITHUB_OUTPUT, summary: process.env.GITHUB_STEP_SUMMARY };

// The commands print their report through @actions/core (stdout); the assertions read the
// runner files, so keep a green run quiet.
let quiet: ReturnType<typeof jest.spyOn> | undefined;

beforeAll(async () => {
  quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  server = await startS3Server();
  raw = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-action-commands-'));
  await mkdir(join(work, 'in'));
  v1 = join(work, 'in', 'app-1.zip');
  v2 = join(work, 'in', 'app-2.zip');
  await writeArtifact(v1, 2 * MB, 31);
  await writeNextVersion(v1, v2, { seed: 32 });
}, 60_000);

beforeEach(async () => {
  bucket = await server.createBucket();
  app = appOver(server.endpoint, work, join(work, 'cache', bucket));
  // Fixed paths, emptied per test: @actions/core keeps the summary path it first read.
  process.env.GITHUB_OUTPUT = join(work, 'output');
  process.env.GITHUB_STEP_SUMMARY = join(work, 'summary');
  await writeFile(process.env.GITHUB_OUTPUT, '');
  await writeFile(process.env.GITHUB_STEP_SUMMARY, '');
  await app.core.uploads.uploadAll([v1, v2], { bucket, prefix: 'rel/app' });
});

afterEach(async () => {
  await app.close();
});

afterAll(async () => {
  quiet?.mockRestore();
  process.env.GITHUB_OUTPUT = saved.output;
  process.env.GITHUB_STEP_SUMMARY = saved.summary;
  raw?.destroy();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function outputs(): Promise<Record<string, string>> {
  return parseRunnerFile(await readFile(process.env.GITHUB_OUTPUT!, 'utf8'));
}

async function summary(): Promise<string> {
  return readFile(process.env.GITHUB_STEP_SUMMARY!, 'utf8');
}

function inputs(url: string, paths: string[] = []) {
  return { s3Url: parseS3Url(url), paths };
}

/** A command's report as the step publishes it: outputs, then the job summary. */
async function publish(report: CommandReport): Promise<CommandReport> {
  setOutputs(report.outputs);
  await writeJobSummary(report);
  return report;
}

function results(out: Record<string, string>): { name: string; status?: string }[] {
  return JSON.parse(out.results!);
}

describe('list', () => {
  it('sets results as an upload does and writes the summary table', async () => {
    const { location } = await publish(await runList(app, inputs(`s3://${bucket}/rel/app/`)));
    expect(location).toEqual({ label: 'DeltaSpace', url: `s3://${bucket}/rel/app/` });
    const out = await outputs();
    expect(out.files).toBe('2');
    expect(out['delta-space-url']).toBe(`s3://${bucket}/rel/app/`);
    const listed = JSON.parse(out.results!);
    expect(listed[1]).toEqual({
      name: 'app-2.zip',
      key: 'rel/app/app-2.zip.delta',
      url: `s3://${bucket}/rel/app/app-2.zip`,
      kind: 'delta',
      'original-bytes': (await readFile(v2)).length,
      'stored-bytes': (
        await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'rel/app/app-2.zip.delta' }))
      ).ContentLength,
      sha256: await sha256File(v2),
    });
    expect(Number(out['original-bytes'])).toBe(
      listed[0]['original-bytes'] + listed[1]['original-bytes'],
    );
    const text = await summary();
    expect(text).toContain('<h3>DeltaGlider list</h3>');
    expect(text).toContain('<td>app-2.zip</td>');
    expect(text).toContain('Total (2 files)');
    // The total counts the reference the listing hides, and says so.
    const reference = (
      await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'rel/app/reference.bin' }))
    ).ContentLength!;
    expect(Number(out['stored-bytes'])).toBe(
      listed[0]['stored-bytes'] + listed[1]['stored-bytes'] + reference,
    );
    expect(text).toContain('The total includes 2.0 MiB of references the deltas need');
  });

  it('asks for a DeltaSpace URL', async () => {
    await expect(runList(app, inputs(`s3://${bucket}/rel/app/app-1.zip`))).rejects.toThrow(
      InputError,
    );
  });
});

describe('verify', () => {
  it('verifies every file, or the names given, and sets counts', async () => {
    await publish(await runVerify(app, inputs(`s3://${bucket}/rel/app/`)));
    expect(results(await outputs()).map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(await outputs()).toMatchObject({
      files: '2',
      verified: '2',
      failed: '0',
      unchecked: '0',
    });
    await writeFile(process.env.GITHUB_OUTPUT!, '');
    await publish(await runVerify(app, inputs(`s3://${bucket}/rel/app/`, ['app-2.zip'])));
    expect(results(await outputs()).map((r) => r.name)).toEqual(['app-2.zip']);
    expect(await summary()).toContain('✅ ok');
  });

  it('reports, then carries the failure, when a file does not match its sha256', async () => {
    const key = 'rel/app/app-1.zip.delta';
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    await raw.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: 'other bytes',
        Metadata: head.Metadata,
      }),
    );
    const { failure } = await publish(await runVerify(app, inputs(`s3://${bucket}/rel/app/`)));
    expect(failure).toBeInstanceOf(IntegrityError);
    expect(failure?.message).toBe(`1 of 2 files in s3://${bucket}/rel/app/ failed verification`);
    const out = await outputs();
    expect(out).toMatchObject({ verified: '1', failed: '1' });
    expect(JSON.parse(out.results!)[0]).toMatchObject({ name: 'app-1.zip', status: 'failed' });
    expect(await summary()).toContain('❌');
  });
});

describe('stats', () => {
  it('sets the totals and counts as outputs', async () => {
    await publish(await runStats(app, inputs(`s3://${bucket}/`)));
    const out = await outputs();
    const stored = (
      await Promise.all(
        ['rel/app/reference.bin', 'rel/app/app-1.zip.delta', 'rel/app/app-2.zip.delta'].map(
          async (Key) =>
            (await raw.send(new HeadObjectCommand({ Bucket: bucket, Key }))).ContentLength!,
        ),
      )
    ).reduce((a, b) => a + b, 0);
    const original = (await readFile(v1)).length + (await readFile(v2)).length;
    expect(out).toMatchObject({
      files: '2',
      'original-bytes': String(original),
      'stored-bytes': String(stored),
      'delta-spaces': '1',
      references: '1',
      deltas: '2',
      direct: '0',
      plain: '0',
    });
    expect(Number(out['saved-bytes'])).toBe(original - stored);
    expect(await summary()).toContain(`s3://${bucket}/rel/app/`);
    expect(await summary()).toContain('Objects: 1 references, 2 deltas, 0 direct, 0 plain');
  });
});
