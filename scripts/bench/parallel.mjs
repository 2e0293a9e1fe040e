// The parallel-encode rows of the benchmark: one new version uploaded by the built action
// with its reference in the job's cache, at 1, 2 and 4 encode workers (DG_ENCODE_WORKERS:
// with more than one, large files are encoded in segments, src/adapters/xdelta3/
// segmented-encode.ts), against bare single-process `xdelta3 -9` on the same files, all
// in the same run. Bytes are compared with the bare delta: segments must not cost bytes.
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { newJob } from '../lib/run-action.mjs';
import { bareRuns, deleteKeys, emptyPrefix, flagsOf, ours, uploadInputs } from './cases.mjs';
import { markdownTable } from './table.mjs';

export const WORKER_COUNTS = [1, 2, 4];

/** Rows `{ case, step, workers, stored, bareStored, wallS, vsOne, vsBare, ... }`. */
export async function runParallelCase(ctx, { label, slug, old, target }) {
  const log = (message) => console.error(`[${label}] ${message}`);
  const prefix = `parallel-${slug}/`;
  const dir = join(ctx.tmp, `parallel-${slug}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const keys = [`${prefix}${basename(target)}`, `${prefix}${basename(target)}.delta`];
  try {
    const job = await newJob(dir);
    log(`our upload of ${basename(old)} (becomes the reference)`);
    await ours(ctx, job, uploadInputs(ctx, prefix, [old]));
    const runs = [];
    let bare;
    for (const workers of WORKER_COUNTS) {
      await deleteKeys(ctx, keys);
      log(`our upload of ${basename(target)}, reference cached, DG_ENCODE_WORKERS=${workers}`);
      const run = await ours(ctx, job, uploadInputs(ctx, prefix, [target]), undefined, {
        DG_ENCODE_WORKERS: String(workers),
      });
      runs.push({ workers, run });
      if (!bare) {
        // Right after the 1-worker run, so both see about the same machine load.
        const flags = flagsOf(run.xdelta3, '-e');
        if (!flags) throw new Error(`${label}: the action ran no encode`);
        log(`bare xdelta3 ${flags.join(' ')}`);
        bare = await bareRuns(ctx, flags, [[old, target, join(dir, 'bare.delta')]]);
        bare.flags = flags;
      }
    }
    const one = runs[0].run.wallS;
    const rows = [
      {
        case: label,
        step: `bare \`xdelta3 ${bare.flags.join(' ')}\` (single process)`,
        stored: bare.outputBytes,
        bareStored: bare.outputBytes,
        wallS: bare.wallS,
        xdeltaRss: bare.rssKiB,
      },
    ];
    for (const { workers, run } of runs) {
      const encoders = run.xdelta3.filter((r) => r.args.includes('-e')).length;
      rows.push({
        case: label,
        step: `our upload, reference cached, ${workers} worker${workers > 1 ? 's' : ''} (${encoders} encoder process${encoders > 1 ? 'es' : ''})`,
        stored: Number(run.outputs['stored-bytes']),
        bareStored: bare.outputBytes,
        wallS: run.wallS,
        vsOne: run.wallS / one,
        vsBare: run.wallS / bare.wallS,
        nodeRss: run.nodeRss,
        xdeltaRss: Math.max(0, ...run.xdelta3.map((r) => r.rssKiB)),
      });
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
    await emptyPrefix(ctx, prefix);
  }
}

const COLUMNS = [
  ['Case', (r) => r.case],
  ['Step', (r) => r.step],
  ['Stored', (r) => r.stored.toLocaleString('en-US')],
  ['Stored − bare', (r) => signed(r.stored - r.bareStored)],
  ['Wall', (r) => `${r.wallS.toFixed(1)} s`],
  ['× 1 worker', (r) => (r.vsOne === undefined ? '' : `${r.vsOne.toFixed(2)}×`)],
  ['× bare xdelta3', (r) => (r.vsBare === undefined ? '' : `${r.vsBare.toFixed(2)}×`)],
  ['Node peak RSS', (r) => (r.nodeRss === undefined ? '' : `${Math.round(r.nodeRss / 1024)} MiB`)],
  ['xdelta3 peak RSS', (r) => (r.xdeltaRss ? `${Math.round(r.xdeltaRss / 1024)} MiB` : '')],
];

export function parallelTable(rows) {
  return markdownTable(rows, COLUMNS);
}

function signed(bytes) {
  return bytes > 0 ? `+${bytes.toLocaleString('en-US')}` : bytes.toLocaleString('en-US');
}
