#!/usr/bin/env node
// `npm run bench`: how the action does at artifact scale, measured on this machine.
//
// For each case it runs, side by side in this one process tree and against one local S3
// server (moto on 127.0.0.1, or S3_ENDPOINT): a plain upload and download of the full
// files (what `aws s3 cp` or upload-artifact stores), the built action (dist/main/index.js,
// run as the runner runs it) uploading a new version and downloading it in fresh jobs,
// and the bare xdelta3 commands with the flags the action used. It prints a Markdown table
// (stored bytes, wall time and its ratio to the plain transfer and to bare xdelta3, peak
// RSS of the action's Node process and of xdelta3) and writes it to .bench/results/.
//
//   npm run bench                 real npm releases + 512 MiB synthetic pairs + 4 files at once
//   npm run bench -- --quick      small cases only (under 2 minutes)
//   npm run bench -- --large      adds a 2 GiB synthetic pair (several minutes more)
//   npm run bench -- --parallel   only the parallel-encode rows (1, 2, 4 encode workers)
//   npm run bench -- --archive    only archive-aware upload time vs a plain upload of the
//                                 same .tgz/.zip (small and large; also in a full run)
//   npm run bench -- --train      only the release train: 6 versions x 3 platforms, one
//                                 reference per space vs smart references
//   npm run bench -- --train=rollup  another train (esbuild, esbuild-0.25, rollup, tailwind:
//                                 TRAINS in scripts/bench/train.mjs); esbuild by default
//   npm run bench -- --train-sweep  the release train, plus other rotation ratios
//                                 (with --only=<text>: the variants whose label contains it)
//   npm run bench -- --only=biome run the cases whose label contains "biome"
//   npm run bench -- --input=xdelta3-memory=6GiB  pass an action input to every run
//   npm run bench -- --verbose    print the action's log
//   DG_DIST=/tmp/build npm run bench ...  run a build made elsewhere instead of dist/
//
// Inputs are cached in .bench/ (npm tarballs, synthetic files); the first run fetches the
// npm packages with `npm pack` and writes the synthetic files.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { runCase } from './bench/cases.mjs';
import {
  ARCHIVE_CASES,
  archivePair,
  archiveUploadTable,
  runArchiveUploadCase,
} from './bench/archive-upload.mjs';
import { parallelTable, runParallelCase, WORKER_COUNTS } from './bench/parallel.mjs';
import { npmPair, syntheticOld, syntheticPair, syntheticVariants } from './bench/data.mjs';
import {
  descendantsMatching,
  GNU_TIME,
  peakRssKiB,
  resetPeakRss,
  which,
  writeXdelta3Wrapper,
} from './bench/measure.mjs';
import { describeMachine, markdownTable } from './bench/table.mjs';
import {
  runTrainCase,
  SWEEP_VARIANTS,
  TRAIN_VARIANTS,
  trainData,
  trainNamed,
  trainTable,
} from './bench/train.mjs';
import { startS3Server } from './lib/local-s3.mjs';
import { distRoot } from './lib/run-action.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, '.bench');

function parseArgs(argv) {
  const options = {
    quick: false,
    large: false,
    parallel: false,
    train: false,
    verbose: false,
    only: undefined,
    inputs: {},
  };
  for (const arg of argv) {
    if (arg === '--quick') options.quick = true;
    else if (arg === '--large') options.large = true;
    else if (arg === '--parallel') options.parallel = true;
    else if (arg === '--train') options.train = true;
    else if (arg.startsWith('--train=')) options.train = arg.slice('--train='.length);
    else if (arg === '--archive') options.archive = true;
    else if (arg === '--train-sweep') {
      options.sweep = true;
      options.train ||= true;
    } else if (arg === '--verbose') options.verbose = true;
    else if (arg.startsWith('--only=')) options.only = arg.slice('--only='.length);
    else if (arg.startsWith('--input=')) {
      const [name, ...value] = arg.slice('--input='.length).split('=');
      options.inputs[name] = value.join('=');
    } else {
      fail(`unknown argument ${arg}; see the header of scripts/bench.mjs`);
    }
  }
  return options;
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/**
 * The cases of a run, each `{ label, slug, old, targets, downloadSpace?, parallel? }`, data
 * built lazily. `parallel` cases give the parallel-encode rows (bench/parallel.mjs).
 */
function plan({ quick, large, parallel }) {
  const cases = [];
  const npm = (name, form, label) => ({
    label,
    slug: `${name}-${form}`,
    data: async () => {
      const pair = await npmPair(BENCH, name);
      return { old: pair.old[form], targets: [pair.new[form]] };
    },
  });
  const synth = (sizeMiB, shape, label) => ({
    label,
    slug: `synth-${sizeMiB}-${shape}`,
    data: async () => {
      const pair = await syntheticPair(BENCH, sizeMiB, shape);
      return { old: pair.old, targets: [pair.new] };
    },
  });
  const parallelCase = (c) => ({ ...c, slug: `${c.slug}-workers`, parallel: true });
  const biomeBin = npm(
    'biome',
    'bin',
    '@biomejs/cli-linux-x64 2.6.7 → 2.6.8, bare binary (93 MiB)',
  );
  if (parallel) {
    cases.push(parallelCase(biomeBin));
    cases.push(parallelCase(npm('biome', 'tar', '@biomejs/cli-linux-x64 2.6.7 → 2.6.8, .tar')));
    cases.push(parallelCase(synth(128, 'edits', 'synthetic 128 MiB, scattered edits')));
    return cases;
  }
  if (quick) {
    cases.push(npm('swc', 'bin', '@swc/core-linux-x64-gnu 1.16.21 → 1.16.22, .node (10 MiB)'));
    cases.push(npm('swc', 'tgz', '@swc/core-linux-x64-gnu 1.16.21 → 1.16.22, .tgz'));
    cases.push(synth(128, 'moved', 'synthetic 128 MiB, half moved to the front'));
    return cases;
  }
  cases.push(npm('biome', 'tgz', '@biomejs/cli-linux-x64 2.6.7 → 2.6.8, .tgz'));
  cases.push(npm('biome', 'tar', '@biomejs/cli-linux-x64 2.6.7 → 2.6.8, .tar'));
  cases.push(biomeBin);
  cases.push(npm('swc', 'bin', '@swc/core-linux-x64-gnu 1.16.21 → 1.16.22, .node (10 MiB)'));
  cases.push(synth(512, 'edits', 'synthetic 512 MiB, scattered edits + insertion near the start'));
  cases.push(synth(512, 'moved', 'synthetic 512 MiB, half moved to the front'));
  cases.push({
    label: '4 files of 256 MiB at once, one reference',
    slug: 'synth-256-multi',
    downloadSpace: true,
    data: async () => {
      const old = await syntheticOld(BENCH, 256, 7);
      return { old, targets: await syntheticVariants(BENCH, old, 4) };
    },
  });
  cases.push(parallelCase(biomeBin));
  if (large) {
    cases.push(synth(2048, 'edits', 'synthetic 2 GiB, scattered edits + insertion near the start'));
  }
  return cases;
}

const options = parseArgs(process.argv.slice(2));
const train = trainNamed(typeof options.train === 'string' ? options.train : undefined);
const bundle = join(distRoot(), 'main', 'index.js');
if (!existsSync(bundle)) fail(`${bundle} is missing: run \`npm run build\` first`);
if (!existsSync(GNU_TIME)) fail(`${GNU_TIME} is missing: install GNU time (apt-get install time)`);
const xdelta3 = which('xdelta3');
if (!xdelta3) fail('xdelta3 is not on PATH: apt-get install xdelta3 (or brew install xdelta)');

const cases = (options.train || options.archive ? [] : plan(options)).filter(
  (c) => !options.only || c.label.includes(options.only) || c.slug.includes(options.only),
);
// The release train runs with --train, and in a full run (no --quick, --parallel, --only).
const fullRun = !options.quick && !options.parallel && !options.only && !options.archive;
const withTrain = options.train || fullRun;
const withArchive = options.archive || (fullRun && !options.train);
if (cases.length === 0 && !withTrain && !withArchive)
  fail(`no case matches --only=${options.only}`);

// One scratch directory per run, so two runs side by side do not remove each other's.
const tmp = join(BENCH, `tmp-${process.pid}`);
await rm(tmp, { recursive: true, force: true });
await mkdir(tmp, { recursive: true });
process.env.DG_BENCH_TMP = tmp;
const xdelta3Log = join(tmp, 'xdelta3-runs');
const started = performance.now();
const loadAtStart = os.loadavg()[0];
const server = await startS3Server();
const s3 = new S3Client({ endpoint: server.endpoint, forcePathStyle: true, region: 'us-east-1' });
try {
  const [serverPid] = server.kind === 'moto' ? descendantsMatching('moto_server') : [];
  const ctx = {
    server,
    s3,
    bucket: await server.createBucket('bench'),
    tmp,
    xdelta3,
    xdelta3Log,
    xdelta3Wrapper: await writeXdelta3Wrapper(tmp, xdelta3, xdelta3Log),
    concurrency: os.availableParallelism(),
    extraInputs: options.inputs,
    verbose: options.verbose,
    resetServerPeak: () => serverPid !== undefined && resetPeakRss(serverPid),
    serverPeak: () => (serverPid === undefined ? undefined : peakRssKiB(serverPid)),
  };
  const rows = [];
  const parallelRows = [];
  const serverPeaks = [];
  for (const c of cases) {
    const data = await c.data();
    if (c.parallel) {
      const caseRows = await runParallelCase(ctx, { ...c, old: data.old, target: data.targets[0] });
      // Printed as each case ends: a long run interrupted still shows what it measured.
      console.error(parallelTable(caseRows));
      parallelRows.push(...caseRows);
      continue;
    }
    const result = await runCase(ctx, { ...c, ...data });
    rows.push(...result.rows);
    if (result.serverPeakKiB)
      serverPeaks.push(`${c.label}: ${Math.round(result.serverPeakKiB / 1024)} MiB`);
  }
  const archiveRows = [];
  if (withArchive) {
    for (const c of ARCHIVE_CASES) {
      const pair = await archivePair(join(BENCH, 'archive-upload'), c);
      archiveRows.push(await runArchiveUploadCase(ctx, c, pair));
    }
    console.error(archiveUploadTable(archiveRows));
  }
  let trainRows = [];
  if (withTrain) {
    const variants = (
      options.sweep ? [...TRAIN_VARIANTS, ...SWEEP_VARIANTS] : TRAIN_VARIANTS
    ).filter((v) => !options.only || v.label.includes(options.only));
    trainRows = await runTrainCase(ctx, await trainData(BENCH, train), variants);
    console.error(trainTable(trainRows));
  }
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  const args = process.argv.slice(2).join(' ');
  const report = [
    `Run ${new Date().toISOString()} with \`npm run bench${args ? ` -- ${args}` : ''}\` (${minutes} min)`,
    '',
    ...describeMachine({ serverKind: server.kind, xdelta3 }).map((line) => `- ${line}`),
    `- load average (1 min) ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end: anything else running on the machine shows up in the wall times`,
    `- concurrency ${ctx.concurrency} (the action's default: the number of CPUs)${Object.keys(options.inputs).length ? `; inputs ${JSON.stringify(options.inputs)}` : ''}`,
    ...(rows.length > 0
      ? [
          '',
          markdownTable(rows),
          '',
          `Local S3 server peak RSS per case (not our process): ${serverPeaks.join('; ') || 'not measured'}`,
        ]
      : []),
    ...(archiveRows.length > 0
      ? [
          '',
          'Archive-aware upload time against a plain upload (`archive-aware: false`) of the same file, fresh job, fastest of 2 runs each:',
          '',
          archiveUploadTable(archiveRows),
        ]
      : []),
    ...(trainRows.length > 0
      ? [
          '',
          `Release train (${train.tool} ${train.versions.join(', ')}; ${train.platforms.map((p) => p.id).join(', ')}; each step a fresh job):`,
          '',
          trainTable(trainRows),
        ]
      : []),
    ...(parallelRows.length > 0
      ? [
          '',
          `Parallel encode (DG_ENCODE_WORKERS = ${WORKER_COUNTS.join(', ')}; ${os.availableParallelism()} cores here: rows with more workers than cores oversubscribe the CPU and say nothing about scaling):`,
          '',
          parallelTable(parallelRows),
        ]
      : []),
  ].join('\n');
  console.log(report);
  const resultsDir = join(BENCH, 'results');
  await mkdir(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  await writeFile(file, `${report}\n`);
  console.error(`\nwritten to ${file}`);
} finally {
  s3.destroy();
  await server.stop();
  await rm(tmp, { recursive: true, force: true });
}
