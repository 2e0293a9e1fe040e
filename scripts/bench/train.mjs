// The release-train case: real consecutive releases of a multi-platform tool, packaged the
// way release workflows package them (Linux and macOS binaries as `tar czf` archives,
// Windows as a zip), uploaded into one DeltaSpace one version per step, each step a fresh
// job. Reports what the bucket holds against plain S3, one reference per space (the
// DeltaGlider way) and smart references (docs/format.md, "Several references").
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { sha256File } from '../lib/artifacts.mjs';
import { newJob } from '../lib/run-action.mjs';
import { emptyPrefix, ours, uploadInputs } from './cases.mjs';
import { timed } from './measure.mjs';

const run = promisify(execFile);

const ESBUILD_PLATFORMS = [
  { pkg: '@esbuild/linux-x64', id: 'linux-x64', binary: 'bin/esbuild', pack: 'tar.gz' },
  { pkg: '@esbuild/darwin-arm64', id: 'darwin-arm64', binary: 'bin/esbuild', pack: 'tar.gz' },
  { pkg: '@esbuild/win32-x64', id: 'win32-x64', binary: 'esbuild.exe', pack: 'zip' },
];

/** A napi-rs addon's platform packages: `<pkg>-<platform>` holding `<stem>.<platform>.node`. */
function napiPlatforms(pkg, stem) {
  return ['linux-x64-gnu', 'darwin-arm64', 'win32-x64-msvc'].map((id) => ({
    pkg: `${pkg}-${id}`,
    id,
    binary: `${stem}.${id}.node`,
    pack: id.startsWith('win32') ? 'zip' : 'tar.gz',
  }));
}

/**
 * The trains `--train=<name>` picks from, each 6 consecutive releases of one tool's
 * platform packages (linux and macOS packed with `tar czf`, Windows with Info-ZIP `zip`).
 * The versions are chosen by a rule, not by how well they delta:
 * - esbuild: one ~10 MiB Go binary a platform; the newest releases when measured, 0.27.6
 *   left out because the registry this was measured with lacks its win32-x64 package.
 * - esbuild-0.25: the first 6 patch releases of one minor, 0.25.0-0.25.5.
 * - rollup: its ~2 MiB Rust (napi) addons; the newest 6 consecutive 4.x patch releases
 *   published for all three platforms when measured (4.68.0-4.68.2 lack darwin/win32).
 *   Its archives are under 1 MiB: the uploader stores them direct (MIN_DELTA_BYTES).
 * - tailwind: Tailwind CSS's ~3 MiB Rust (napi) engine, @tailwindcss/oxide-*; the newest
 *   minor's first 6 patch releases when measured, 4.3.0-4.3.5 (archives ~1.2 MiB).
 */
export const TRAINS = {
  esbuild: {
    tool: 'esbuild',
    versions: ['0.27.4', '0.27.5', '0.27.7', '0.28.0', '0.28.1', '0.28.2'],
    platforms: ESBUILD_PLATFORMS,
  },
  'esbuild-0.25': {
    tool: 'esbuild',
    versions: ['0.25.0', '0.25.1', '0.25.2', '0.25.3', '0.25.4', '0.25.5'],
    platforms: ESBUILD_PLATFORMS,
  },
  rollup: {
    tool: 'rollup',
    versions: ['4.68.3', '4.68.4', '4.68.5', '4.68.6', '4.68.7', '4.68.8'],
    platforms: napiPlatforms('@rollup/rollup', 'rollup'),
  },
  tailwind: {
    tool: 'tailwind',
    versions: ['4.3.0', '4.3.1', '4.3.2', '4.3.3', '4.3.4', '4.3.5'],
    platforms: napiPlatforms('@tailwindcss/oxide', 'tailwindcss-oxide'),
  },
};

/** The train of `--train=<name>` (`{ name, tool, versions, platforms }`); esbuild by default. */
export function trainNamed(name = 'esbuild') {
  const train = TRAINS[name];
  if (!train) throw new Error(`no train ${name}: one of ${Object.keys(TRAINS).join(', ')}`);
  return { name, ...train };
}

/** The default train, the one the analysis scripts (train-matrix.mjs, ...) read. */
export const TRAIN = trainNamed();

/** What the train is uploaded with: one reference per space, then smart references. */
export const TRAIN_VARIANTS = [
  { label: 'one reference per space (references: single)', inputs: { references: 'single' } },
  { label: 'smart references (defaults, rotation-ratio 0.5)', inputs: {} },
];

/** `--train-sweep` adds these: the rotation ratios the default was chosen among. */
export const SWEEP_VARIANTS = [0.3, 0.8].map((ratio) => ({
  label: `smart references, rotation-ratio ${ratio}`,
  inputs: { 'rotation-ratio': String(ratio) },
}));

/**
 * `[{ version, files: [paths] }]`, built once under `<root>/train/` (`train-<name>/` for
 * the other trains) with npm pack, tar and zip.
 */
export async function trainData(root, train = TRAIN) {
  const dir = resolve(root, train.name === 'esbuild' ? 'train' : `train-${train.name}`);
  const npmDir = join(dir, 'npm');
  await mkdir(npmDir, { recursive: true });
  const steps = [];
  for (const version of train.versions) {
    const files = [];
    for (const platform of train.platforms) {
      const out = join(dir, version, `${train.tool}-${version}-${platform.id}.${platform.pack}`);
      if (!existsSync(out)) await packageOne(npmDir, platform, version, out);
      files.push(out);
    }
    steps.push({ version, files });
  }
  return steps;
}

async function packageOne(npmDir, platform, version, out) {
  const tgz = join(npmDir, `${platform.pkg.replace(/^@/, '').replace('/', '-')}-${version}.tgz`);
  if (!existsSync(tgz)) {
    await run('npm', ['pack', `${platform.pkg}@${version}`, '--silent'], { cwd: npmDir });
  }
  const staging = `${out}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await run('tar', ['-xzf', tgz, '-C', staging]);
  const exe = platform.binary.split('/').pop();
  // What a release workflow ships: the binary and the README at the archive's top level.
  await rename(join(staging, 'package', platform.binary), join(staging, exe));
  await rename(join(staging, 'package', 'README.md'), join(staging, 'README.md'));
  await rm(join(staging, 'package'), { recursive: true });
  const partial = `${out}.partial`;
  if (platform.pack === 'zip')
    await run('zip', ['-q', '-X', partial, exe, 'README.md'], { cwd: staging });
  else await run('tar', ['czf', partial, exe, 'README.md'], { cwd: staging });
  await rename(partial, out);
  await rm(staging, { recursive: true, force: true });
}

/** Uploads the train once per variant (plus plain S3) and returns the table rows. */
export async function runTrainCase(ctx, steps, variants = TRAIN_VARIANTS) {
  const log = (message) => console.error(`[release train] ${message}`);
  const all = steps.flatMap((s) => s.files);
  let plainBytes = 0;
  for (const file of all) plainBytes += (await stat(file)).size;
  const rows = [];
  let plainWall = 0;
  for (const [i, step] of steps.entries()) {
    const up = await timed(process.execPath, [
      new URL('./plain-s3.mjs', import.meta.url).pathname,
      'upload',
      ctx.server.endpoint,
      ctx.bucket,
      'train-plain/',
      String(ctx.concurrency),
      ...step.files,
    ]);
    plainWall += up.wallS;
    log(`plain upload ${i + 1}/${steps.length}: ${up.wallS.toFixed(1)} s`);
  }
  rows.push({ variant: 'plain S3 (full files)', stored: plainBytes, wallS: plainWall, refs: 0 });
  await emptyPrefix(ctx, 'train-plain/');

  for (const [index, variant] of variants.entries()) {
    const prefix = `train-${index}/`;
    let wallS = 0;
    const kinds = new Map();
    try {
      for (const step of steps) {
        const job = await newJob(ctx.tmp);
        const inputs = { ...uploadInputs(ctx, prefix, step.files), ...variant.inputs };
        const result = await ours(ctx, job, inputs);
        wallS += result.wallS;
        for (const r of JSON.parse(result.outputs.results ?? '[]'))
          kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
        log(`${variant.label}: ${step.version} in ${result.wallS.toFixed(1)} s`);
        await rm(job.dir, { recursive: true, force: true });
      }
      const { bytes, refs } = await storedUnder(ctx, prefix);
      await checkRestores(ctx, prefix, steps);
      rows.push({
        variant: variant.label,
        stored: bytes,
        wallS,
        refs,
        kinds: [...kinds].map(([k, n]) => `${n} ${k}`).join(', '),
      });
    } finally {
      await emptyPrefix(ctx, prefix);
    }
  }
  return rows.map((r) => ({ ...r, ofPlain: r.stored / plainBytes }));
}

async function storedUnder(ctx, prefix) {
  let bytes = 0;
  let refs = 0;
  let token;
  do {
    const page = await ctx.s3.send(
      new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      bytes += o.Size ?? 0;
      if (o.Key.endsWith('/reference.bin')) refs++;
    }
    token = page.NextContinuationToken;
  } while (token);
  return { bytes, refs };
}

/** Downloads the whole space in a fresh job and compares every file with what was uploaded. */
async function checkRestores(ctx, prefix, steps) {
  const job = await newJob(ctx.tmp);
  const inputs = {
    ...uploadInputs(ctx, prefix, []),
    command: 'download',
    path: 'restored',
  };
  await ours(ctx, job, inputs);
  const restored = join(job.workspace, 'restored');
  const names = await readdir(restored);
  const files = steps.flatMap((s) => s.files);
  if (names.length !== files.length) throw new Error(`restored ${names.length} of ${files.length}`);
  for (const file of files) {
    const name = file.split('/').pop();
    if ((await sha256File(join(restored, name))) !== (await sha256File(file)))
      throw new Error(`${name} did not restore byte-exact`);
  }
  await rm(job.dir, { recursive: true, force: true });
}

/** The release-train table. */
export function trainTable(rows) {
  const mib = (n) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return [
    '| Upload of 6 versions × 3 platforms into one DeltaSpace | Stored | % of plain | References | Stored as | Upload time (6 steps) |',
    '| --- | ---: | ---: | ---: | --- | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.variant} | ${mib(r.stored)} | ${(r.ofPlain * 100).toFixed(1)}% | ${r.refs} | ${r.kinds ?? ''} | ${r.wallS.toFixed(1)} s |`,
    ),
  ].join('\n');
}
