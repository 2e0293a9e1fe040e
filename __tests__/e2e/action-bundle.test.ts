import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { newJob, runAction, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

// The built bundle (dist/main/index.js), run as the runner runs it: INPUT_* variables,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, against a real local S3 server.

const MB = 1024 * 1024;
const bundle = new URL('../../dist/main/index.js', import.meta.url);

let server: S3TestServer;
let bucket: string;
let work: SimulatedJob;

beforeAll(async () => {
  if (!existsSync(bundle))
    throw new Error('dist/main/index.js is missing: run `npm run build` first');
  server = await startS3Server();
  bucket = await server.createBucket();
  work = await newJob();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (work) await rm(work.dir, { recursive: true, force: true });
});

function s3Inputs(extra: Record<string, string>): Record<string, string> {
  return {
    'endpoint-url': server.endpoint,
    'force-path-style': 'true',
    region: 'us-east-1',
    ...extra,
  };
}

describe('the action bundle', () => {
  it('uploads two versions as reference and delta, then restores both byte-exact', async () => {
    const build = join(work.dir, 'build');
    await mkdir(build, { recursive: true });
    const v1 = join(build, 'app-1.0.0.zip');
    const v2 = join(build, 'app-1.1.0.zip');
    await writeArtifact(v1, 4 * MB, 11);
    await writeNextVersion(v1, v2, { seed: 12 });
    await writeFile(
      join(build, 'app-1.0.0.zip.sha256'),
      `${await sha256File(v1)}  app-1.0.0.zip\n`,
    );

    const first = await runAction(
      'main',
      s3Inputs({ path: `${v1}\n${build}/*.sha256`, 's3-url': `s3://${bucket}/releases/app/` }),
    );
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const firstResults = JSON.parse(first.outputs.results!);
    expect(firstResults.map((r: { name: string; kind: string }) => [r.name, r.kind])).toEqual([
      ['app-1.0.0.zip', 'reference'],
      ['app-1.0.0.zip.sha256', 'direct'],
    ]);

    const second = await runAction(
      'main',
      s3Inputs({ path: v2, 's3-url': `s3://${bucket}/releases/app/` }),
    );
    expect(second.code).toBe(0);
    const [delta] = JSON.parse(second.outputs.results!);
    expect(delta).toMatchObject({
      name: 'app-1.1.0.zip',
      key: 'releases/app/app-1.1.0.zip.delta',
      kind: 'delta',
      'original-bytes': (await readFile(v2)).length,
      sha256: await sha256File(v2),
    });
    expect(delta['stored-bytes']).toBeLessThan(delta['original-bytes'] / 20);
    expect(Number(second.outputs['saved-bytes'])).toBe(
      delta['original-bytes'] - delta['stored-bytes'],
    );
    expect(Number(second.outputs['savings-percent'])).toBeGreaterThan(90);
    expect(second.outputs.files).toBe('1');
    expect(second.summary).toContain('<table>');
    expect(second.summary).toContain('app-1.1.0.zip');
    expect(second.summary).toContain(`s3://${bucket}/releases/app/`);

    // A fresh job (empty RUNNER_TEMP, so no cached reference) restores the whole DeltaSpace.
    const restore = await newJob();
    try {
      const out = join(restore.workspace, 'restored');
      const all = await runAction(
        'main',
        s3Inputs({ command: 'download', path: out, 's3-url': `s3://${bucket}/releases/app/` }),
        { runner: restore },
      );
      expect(all.code).toBe(0);
      expect((await readdir(out)).sort()).toEqual([
        'app-1.0.0.zip',
        'app-1.0.0.zip.sha256',
        'app-1.1.0.zip',
      ]);
      expect(await sha256File(join(out, 'app-1.0.0.zip'))).toBe(await sha256File(v1));
      expect(await sha256File(join(out, 'app-1.1.0.zip'))).toBe(await sha256File(v2));

      // One logical file by URL, into the workspace (the default path).
      const one = await runAction(
        'main',
        s3Inputs({ command: 'download', 's3-url': `s3://${bucket}/releases/app/app-1.1.0.zip` }),
        { runner: restore },
      );
      expect(one.code).toBe(0);
      expect(await sha256File(join(restore.workspace, 'app-1.1.0.zip'))).toBe(await sha256File(v2));
    } finally {
      await rm(restore.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('lists, verifies and totals what the uploads stored (list, verify, stats commands)', async () => {
    const space = `s3://${bucket}/releases/app/`;
    const list = await runAction('main', s3Inputs({ command: 'list', 's3-url': space }), {
      runner: work,
    });
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.outputs.results!) as { name: string; kind: string }[];
    expect(listed.map((r) => r.name)).toEqual([
      'app-1.0.0.zip',
      'app-1.0.0.zip.sha256',
      'app-1.1.0.zip',
    ]);

    const verify = await runAction('main', s3Inputs({ command: 'verify', 's3-url': space }), {
      runner: work,
    });
    expect(verify.code).toBe(0);
    expect(verify.outputs.verified).toBe('3');
    expect(verify.outputs.failed).toBe('0');

    const stats = await runAction(
      'main',
      s3Inputs({ command: 'stats', 's3-url': `s3://${bucket}/` }),
      {
        runner: work,
      },
    );
    expect(stats.code).toBe(0);
    expect(stats.outputs['delta-spaces']).toBe('1');
    expect(stats.outputs.deltas).toBe('2');
    expect(Number(stats.outputs['stored-bytes'])).toBeLessThan(
      Number(stats.outputs['original-bytes']),
    );
  }, 60_000);

  it.each([
    ['a malformed s3-url', { path: 'x', 's3-url': 'https://example.com/x' }, /is not an S3 URL/],
    [
      'an unknown command',
      { command: 'publish', 's3-url': 's3://bkt/p/' },
      /Unknown command "publish"/,
    ],
    [
      'no matching file',
      { path: 'nothing-*.zip', 's3-url': 's3://bkt/p/' },
      /No file matches path/,
    ],
    [
      'a bad max-ratio',
      { path: 'x', 's3-url': 's3://bkt/p/', 'max-ratio': 'half' },
      /max-ratio must be a number/,
    ],
    [
      'an object URL for upload',
      { path: 'x', 's3-url': 's3://bkt/p/app.zip' },
      /must name a DeltaSpace/,
    ],
  ])('fails clearly on %s, without a stack trace', async (_label, inputs, message) => {
    const run = await runAction('main', s3Inputs(inputs as Record<string, string>), {
      runner: work,
    });
    expect(run.code).toBe(1);
    const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(run.stdout).not.toMatch(/\n\s+at /);
  });

  it('fails clearly when the bucket does not exist, naming it', async () => {
    const file = join(work.dir, 'tiny.txt');
    await writeFile(file, 'hello');
    const run = await runAction(
      'main',
      s3Inputs({ path: file, 's3-url': 's3://no-such-bucket-dg/p/' }),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::.*no-such-bucket-dg/);
  });
});
