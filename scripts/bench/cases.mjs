// One benchmark case: a DeltaSpace that gets an old version (the reference) and then new
// files, each step timed side by side with what it replaces (a plain S3 copy) and with
// the bare xdelta3 command on the same files, flags included.
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { sha256File } from '../lib/artifacts.mjs';
import { newJob, runAction } from '../lib/run-action.mjs';
import { readHookRss, RSS_HOOK, takeXdelta3Runs, timed } from './measure.mjs';

const PLAIN_S3 = fileURLToPath(new URL('./plain-s3.mjs', import.meta.url));

/**
 * Runs one case and returns its table rows. `old` becomes the reference; `targets` are
 * uploaded in one step; the download step fetches the targets (one object URL) or, with
 * `downloadSpace`, every file of the DeltaSpace.
 */
export async function runCase(ctx, { label, slug, old, targets, downloadSpace = false }) {
  const log = (message) => console.error(`[${label}] ${message}`);
  const prefix = `${slug}/`;
  const dir = join(ctx.tmp, slug);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const rows = [];
  const row = (step, values) => rows.push({ case: label, step, ...values });
  const originalBytes = await totalSize(targets);
  ctx.resetServerPeak();
  try {
    log(`plain upload of ${targets.length} file(s), ${mib(originalBytes)}`);
    const plainUp = await plainS3(ctx, [
      'upload',
      `plain/${prefix}`,
      String(ctx.concurrency),
      ...targets,
    ]);
    row('plain upload (full files)', {
      stored: originalBytes,
      original: originalBytes,
      wallS: plainUp.wallS,
      nodeRss: plainUp.rssKiB,
    });

    // Job A uploads the old version and keeps its reference cache: it plays a runner that
    // has the reference at hand (restored by the Actions cache, or a self-hosted runner).
    const jobA = await newJob(dir);
    log(`our upload of ${basename(old)} (becomes the reference)`);
    const first = await ours(ctx, jobA, uploadInputs(ctx, prefix, [old]));
    row(`our upload, first version (reference)`, {
      stored: Number(first.outputs['stored-bytes']),
      original: Number(first.outputs['original-bytes']),
      wallS: first.wallS,
      nodeRss: first.nodeRss,
      xdeltaRss: maxRss(first.xdelta3),
    });

    const names = targets.map((t) => basename(t)).join(', ');
    log(`our upload of ${names} (fresh job: reference fetched from S3)`);
    const second = await ours(ctx, await newJob(dir), uploadInputs(ctx, prefix, targets));
    // Stored again from job A: the objects go first, or the upload would find them unchanged.
    await deleteKeys(
      ctx,
      targets.flatMap((t) => [`${prefix}${basename(t)}`, `${prefix}${basename(t)}.delta`]),
    );
    log(`our upload of ${names} (reference in the job's cache)`);
    const warm = await ours(ctx, jobA, uploadInputs(ctx, prefix, targets));
    const encodeFlags = flagsOf(second.xdelta3, '-e');
    log(`bare xdelta3 ${encodeFlags?.join(' ') ?? '(no encode ran)'}`);
    const bareEnc = encodeFlags
      ? await bareRuns(
          ctx,
          encodeFlags,
          targets.map((t) => [old, t, join(dir, `${basename(t)}.bare.delta`)]),
        )
      : undefined;
    for (const [step, run] of [
      ['**our upload, new version**, fresh runner', second],
      ['**our upload, new version**, reference cached', warm],
    ]) {
      row(step, {
        stored: Number(run.outputs['stored-bytes']),
        original: Number(run.outputs['original-bytes']),
        wallS: run.wallS,
        vsPlain: run.wallS / plainUp.wallS,
        vsXdelta3: bareEnc && run.wallS / bareEnc.wallS,
        nodeRss: run.nodeRss,
        xdeltaRss: maxRss(run.xdelta3),
        kinds: kindsOf(run.outputs),
      });
    }
    if (bareEnc) {
      row(`bare \`xdelta3 ${encodeFlags.join(' ')}\``, {
        stored: bareEnc.outputBytes,
        original: originalBytes,
        wallS: bareEnc.wallS,
        xdeltaRss: bareEnc.rssKiB,
      });
    }

    const fetched = downloadSpace ? [old, ...targets] : targets;
    if (downloadSpace) await plainS3(ctx, ['upload', `plain/${prefix}`, '1', old]);
    log(`plain download of ${fetched.length} file(s)`);
    const plainDir = join(dir, 'plain-download');
    await mkdir(plainDir, { recursive: true });
    const plainDown = await plainS3(ctx, [
      'download',
      plainDir,
      String(ctx.concurrency),
      ...fetched.map((f) => `plain/${prefix}${basename(f)}`),
    ]);
    await rm(plainDir, { recursive: true, force: true });
    row('plain download (full files)', { wallS: plainDown.wallS, nodeRss: plainDown.rssKiB });

    const url = downloadSpace
      ? spaceUrl(ctx, prefix)
      : `${spaceUrl(ctx, prefix)}${basename(targets[0])}`;
    const checkFiles = async (job) => {
      for (const file of fetched) {
        const got = join(job.workspace, 'restored', basename(file));
        if ((await sha256File(got)) !== (await sha256File(file))) {
          throw new Error(`${got} differs from ${file}: the benchmark's download is wrong`);
        }
      }
      await rm(join(job.workspace, 'restored'), { recursive: true, force: true });
    };
    log('our download (fresh job: no cached reference)');
    const third = await ours(ctx, await newJob(dir), downloadInputs(ctx, url), checkFiles);
    log("our download (reference in the job's cache)");
    const warmDown = await ours(ctx, jobA, downloadInputs(ctx, url), checkFiles);
    const decodeFlags = flagsOf(third.xdelta3, '-d');
    let bareDec;
    if (decodeFlags) {
      // The bare decode needs the bare deltas of every fetched file (the reference's own
      // zero-diff delta included).
      if (downloadSpace)
        await bareRuns(ctx, encodeFlags, [[old, old, join(dir, `${basename(old)}.bare.delta`)]]);
      const decodable = [];
      for (const file of fetched) {
        const delta = join(dir, `${basename(file)}.bare.delta`);
        if (await exists(delta))
          decodable.push([old, delta, join(dir, `${basename(file)}.bare.out`)]);
      }
      log(`bare xdelta3 ${decodeFlags.join(' ')}`);
      bareDec = await bareRuns(ctx, decodeFlags, decodable);
    }
    for (const [step, run] of [
      ['**our download**, fresh runner', third],
      ['**our download**, reference cached', warmDown],
    ]) {
      row(step, {
        wallS: run.wallS,
        vsPlain: run.wallS / plainDown.wallS,
        vsXdelta3: bareDec && run.wallS / bareDec.wallS,
        nodeRss: run.nodeRss,
        xdeltaRss: maxRss(run.xdelta3),
      });
    }
    if (bareDec) {
      row(`bare \`xdelta3 ${decodeFlags.join(' ')}\``, {
        wallS: bareDec.wallS,
        xdeltaRss: bareDec.rssKiB,
      });
    }
    return { rows, serverPeakKiB: ctx.serverPeak() };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await emptyPrefix(ctx, prefix);
    await emptyPrefix(ctx, `plain/${prefix}`);
  }
}

function spaceUrl(ctx, prefix) {
  return `s3://${ctx.bucket}/${prefix}`;
}

function commonInputs(ctx) {
  return {
    's3-url': '',
    'endpoint-url': ctx.server.endpoint,
    'force-path-style': 'true',
    region: 'us-east-1',
    'xdelta3-path': ctx.xdelta3Wrapper,
    comment: 'never',
    summary: 'false',
    ...ctx.extraInputs,
  };
}

export function uploadInputs(ctx, prefix, files) {
  return {
    ...commonInputs(ctx),
    command: 'upload',
    path: files.join('\n'),
    's3-url': spaceUrl(ctx, prefix),
  };
}

function downloadInputs(ctx, url) {
  return { ...commonInputs(ctx), command: 'download', path: 'restored', 's3-url': url };
}

/**
 * Runs the built action (dist/main/index.js) in a simulated job, as the runner would:
 * its wall time (process start to exit), its Node process's peak RSS and the xdelta3
 * runs it made. `check(job)` runs after the timing; `env` adds variables (DG_ENCODE_WORKERS).
 */
export async function ours(ctx, job, inputs, check, env = {}) {
  const rssFile = join(job.dir, `node-rss-${Date.now()}`);
  const started = performance.now();
  const run = await runAction('main', inputs, {
    runner: job,
    env: { NODE_OPTIONS: `--import=${RSS_HOOK.href}`, DG_BENCH_RSS_FILE: rssFile, ...env },
  });
  const wallS = (performance.now() - started) / 1000;
  if (run.code !== 0) {
    throw new Error(
      `the action failed (exit ${run.code}):\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`,
    );
  }
  await check?.(job);
  const xdelta3 = await takeXdelta3Runs(ctx.xdelta3Log);
  if (ctx.verbose) {
    console.error(run.stdout);
    for (const r of xdelta3)
      console.error(`  xdelta3 ${r.args.join(' ')}: ${r.wallS} s, ${r.rssKiB} KiB`);
  }
  return { wallS, outputs: run.outputs, nodeRss: readHookRss(rssFile), xdelta3 };
}

function plainS3(ctx, args) {
  const [command, ...rest] = args;
  return timed(process.execPath, [PLAIN_S3, command, ctx.server.endpoint, ctx.bucket, ...rest]);
}

/**
 * The flags of the first recorded `-e`/`-d` run, without its file operands: everything
 * before `-s <reference>`.
 */
export function flagsOf(runs, mode) {
  const run = runs.find((r) => r.args.includes(mode));
  if (!run) return undefined;
  return run.args.slice(0, run.args.indexOf('-s'));
}

/**
 * Runs bare xdelta3 with `flags -s <source> <input> <output>` for each triple,
 * `ctx.concurrency` at a time like the action: total wall time, largest peak RSS, and
 * the bytes written.
 */
export async function bareRuns(ctx, flags, triples) {
  const started = performance.now();
  let rssKiB = 0;
  let outputBytes = 0;
  const queue = [...triples];
  const worker = async () => {
    while (queue.length > 0) {
      const [source, input, output] = queue.shift();
      const result = await timed(ctx.xdelta3, [...flags, '-s', source, input, output]);
      rssKiB = Math.max(rssKiB, result.rssKiB);
      outputBytes += (await stat(output)).size;
    }
  };
  await Promise.all(Array.from({ length: ctx.concurrency }, worker));
  return { wallS: (performance.now() - started) / 1000, rssKiB, outputBytes };
}

function maxRss(runs) {
  return runs.length === 0 ? undefined : Math.max(...runs.map((r) => r.rssKiB));
}

function kindsOf(outputs) {
  const kinds = JSON.parse(outputs.results ?? '[]').map((r) => r.kind);
  const counts = new Map();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => (n > 1 ? `${n} ${kind}` : kind)).join(', ');
}

async function totalSize(paths) {
  let total = 0;
  for (const path of paths) total += (await stat(path)).size;
  return total;
}

async function exists(path) {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export async function deleteKeys(ctx, keys) {
  await ctx.s3.send(
    new DeleteObjectsCommand({
      Bucket: ctx.bucket,
      Delete: { Objects: keys.map((Key) => ({ Key })) },
    }),
  );
}

/** Deletes a case's objects: the local server keeps bodies in temp files until then. */
export async function emptyPrefix(ctx, prefix) {
  let token;
  do {
    const page = await ctx.s3.send(
      new ListObjectsV2Command({ Bucket: ctx.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    const objects = (page.Contents ?? []).map(({ Key }) => ({ Key }));
    if (objects.length > 0) {
      await ctx.s3.send(
        new DeleteObjectsCommand({ Bucket: ctx.bucket, Delete: { Objects: objects } }),
      );
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
