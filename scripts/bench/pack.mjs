#!/usr/bin/env node
// `node scripts/bench/pack.mjs`: the `pack` input as a build cache, against what
// actions/cache stores. Two consecutive builds of a real project are two consecutive
// releases of an npm package, unpacked (`package/` is the build directory). For each pair:
//
// - actions/cache: `tar --posix -cf - package | zstd -T0 --long=30` (what @actions/cache
//   runs: zstdmt --long=30 at zstd's default level 3); every save stores a whole archive.
// - deltaglider: the built action (dist/main) with `pack: build.tar`, the first build
//   then the second, into one DeltaSpace of a local S3; stored bytes from its outputs.
//
// Needs dist/ (npm run build), zstd, GNU tar, and the npm registry once (tarballs are kept
// in .bench/pack-npm/, unpacked in a temporary directory). Prints a Markdown table.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startS3Server } from '../lib/local-s3.mjs';
import { newJob, runAction } from '../lib/run-action.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIR = join(ROOT, '.bench', 'pack-npm');

/** Consecutive patch releases: the build output of one change. */
const PAIRS = [
  ['typescript', '5.6.2', '5.6.3'],
  ['prettier', '3.3.2', '3.3.3'],
  ['vite', '5.4.10', '5.4.11'],
];

/**
 * The build directory of one release: the npm tarball is kept in .bench/pack-npm/, and
 * unpacked under `work` (outside the repository: jest would find its package.json).
 */
function buildDir(work, pkg, version) {
  const tgz = join(DIR, `${pkg}-${version}.tgz`);
  if (!existsSync(tgz)) {
    const file = execFileSync('npm', ['pack', `${pkg}@${version}`, '--silent'], { cwd: DIR })
      .toString()
      .trim()
      .split('\n')
      .pop();
    if (join(DIR, file) !== tgz) execFileSync('mv', [join(DIR, file), tgz]);
  }
  const dir = join(work, `${pkg}-${version}`);
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('tar', ['-xzf', tgz, '-C', dir]);
  return dir;
}

/** Bytes of `tar --posix -c package | zstd -T0 --long=30` (the @actions/cache archive). */
function zstdArchiveBytes(dir) {
  const out = execFileSync(
    'sh',
    ['-c', 'tar --posix -cf - -C "$1" package | zstd -T0 --long=30 -q -c | wc -c', 'sh', dir],
    { maxBuffer: 1024 * 1024 },
  );
  return Number(out.toString().trim());
}

function packageBytes(dir) {
  return Number(
    execFileSync('du', ['-sb', '--apparent-size', join(dir, 'package')])
      .toString()
      .split('\t')[0],
  );
}

const fmt = (n) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;

await mkdir(DIR, { recursive: true });
const work = await mkdtemp(join(tmpdir(), 'dg-bench-pack-'));
const server = await startS3Server();
const rows = [];
try {
  const bucket = await server.createBucket('bench-pack');
  for (const [pkg, v1, v2] of PAIRS) {
    const dirs = [buildDir(work, pkg, v1), buildDir(work, pkg, v2)];
    const zstd = dirs.map(zstdArchiveBytes);
    const job = await newJob();
    const stored = [];
    let tarBytes = 0;
    let seconds = 0;
    for (const dir of dirs) {
      const started = performance.now();
      const run = await runAction(
        'main',
        {
          path: join(dir, 'package'),
          's3-url': `s3://${bucket}/${pkg}/`,
          pack: 'build.tar',
          'endpoint-url': server.endpoint,
          region: 'us-east-1',
          summary: 'false',
          comment: 'never',
          cache: 'false',
        },
        { runner: job, env: { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } },
      );
      seconds = (performance.now() - started) / 1000;
      if (run.code !== 0) throw new Error(`${pkg}: the action failed:\n${run.stdout}`);
      const [result] = JSON.parse(run.outputs.results);
      stored.push(result['stored-bytes']);
      tarBytes = result['original-bytes'];
    }
    await rm(job.dir, { recursive: true, force: true });
    // The first build is stored whole and uncompressed (reference.bin): pack overtakes
    // one zstd archive per build at the n-th build, if later builds delta like this one.
    const breakEven = Math.floor((stored[0] - stored[1]) / (zstd[1] - stored[1])) + 1;
    rows.push(
      `| ${pkg} ${v1} → ${v2} | ${fmt(packageBytes(dirs[1]))} | ${fmt(tarBytes)} | ${fmt(zstd[1])} | ` +
        `**${fmt(stored[1])}** (${((stored[1] / zstd[1]) * 100).toFixed(1)}% of zstd) | ` +
        `${fmt(zstd[0] + zstd[1])} | ${fmt(stored[0] + stored[1])} | ${breakEven} | ${seconds.toFixed(1)} s |`,
    );
  }
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
console.log(
  [
    '| Build pair | Build dir | Packed tar | actions/cache (tar + zstd) | pack: 2nd build stored | Both builds, actions/cache | Both builds, pack | pack stores less from build | 2nd upload time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n'),
);
