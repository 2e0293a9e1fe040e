// On a machine with no gzip at all: `.tgz` releases made by GNU tar and gzip upload as an
// archive-aware delta and download byte-exact through the CLI bundle, the recipe search and
// the rebuild running the bundled port of gzip's deflate. PATH holds every tool of this
// machine but gzip (so xdelta3, found on PATH, still runs).
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { newJob, type SimulatedJob } from '../../scripts/lib/run-action.mjs';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { tarCzfRelease } from '../helpers/archive-fixtures.js';
import { pathWithoutGzip } from '../helpers/path-without-gzip.js';

const cli = new URL('../../dist/cli/index.js', import.meta.url).pathname;

let server: S3TestServer;
let bucket: string;
let job: SimulatedJob;

beforeAll(async () => {
  server = await startS3Server();
  bucket = await server.createBucket();
  job = await newJob();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  if (job) await rm(job.dir, { recursive: true, force: true });
});

async function release(version: number): Promise<string> {
  const out = join(job.workspace, `app-${version}.0.tgz`);
  await tarCzfRelease(job.dir, out, version);
  return out;
}

it('a tar czf release uploads as an archive-aware delta and downloads byte-exact', async () => {
  const v1 = await release(1);
  const v2 = await release(2);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: await pathWithoutGzip(job.dir),
    DG_ARCHIVE_AWARE: 'true',
  };
  // The premise: nothing named gzip is reachable.
  expect(() => execFileSync('sh', ['-c', 'command -v gzip'], { env })).toThrow();
  const cache = join(job.dir, 'cache');
  const deltaglider = (...args: string[]) =>
    promisify(execFile)(
      process.execPath,
      [cli, ...args, '--endpoint-url', server.endpoint, '--cache-dir', cache],
      { env },
    );
  const prefix = `s3://${bucket}/app/`;
  await deltaglider('cp', v1, prefix);
  await deltaglider('cp', v2, prefix);
  const { stdout } = await deltaglider('ls', prefix, '--json');
  const { results } = JSON.parse(stdout) as { results: Record<string, unknown>[] };
  // The reference, then the delta, which holds the content: the recipe was found and
  // proven without gzip.
  expect(results.map((entry) => entry['archive-aware'] === true)).toEqual([false, true]);

  const out = join(job.dir, 'out');
  await mkdir(out);
  await deltaglider('cp', `${prefix}app-1.0.tgz`, `${out}/`);
  await deltaglider('cp', `${prefix}app-2.0.tgz`, `${out}/`);
  expect(await sha256File(join(out, 'app-1.0.tgz'))).toBe(await sha256File(v1));
  expect(await sha256File(join(out, 'app-2.0.tgz'))).toBe(await sha256File(v2));
}, 180_000);
