#!/usr/bin/env node
// `npm run demo`: the action's main job, run locally with no cloud account. It starts an
// embedded S3 server on 127.0.0.1, generates two versions of an artifact, uploads both
// through the built action (dist/main/index.js, as the runner runs it), downloads them
// into a fresh "job" and checks the bytes, printing what the job summary shows.
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { sha256File, writeArtifact, writeNextVersion } from './lib/artifacts.mjs';
import { startS3Server } from './lib/local-s3.mjs';
import { newJob, runAction } from './lib/run-action.mjs';

const MB = 1024 * 1024;

function need(condition, message) {
  if (!condition) {
    console.error(`demo: ${message}`);
    process.exit(1);
  }
}

function human(bytes) {
  const n = Number(bytes);
  return n >= MB
    ? `${(n / MB).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;
}

function printResults(title, outputs) {
  console.log(`\n${title}`);
  for (const r of JSON.parse(outputs.results)) {
    console.log(
      `  ${r.name.padEnd(18)} ${r.kind.padEnd(9)} ${human(r['original-bytes']).padStart(10)} -> ${human(r['stored-bytes']).padStart(10)}  (${r.key})`,
    );
  }
  console.log(
    `  total: ${human(outputs['original-bytes'])} stored as ${human(outputs['stored-bytes'])}, ${outputs['savings-percent']}% saved`,
  );
}

function check(run, what) {
  if (run.code !== 0) {
    console.error(run.stdout, run.stderr);
    need(false, `${what} failed (exit ${run.code})`);
  }
}

need(
  existsSync(new URL('../dist/main/index.js', import.meta.url)),
  'dist/main/index.js is missing: run `npm run build`',
);
try {
  execFileSync('xdelta3', ['-V'], { stdio: 'ignore' });
} catch {
  need(false, 'xdelta3 is not installed: apt-get install xdelta3 (or brew install xdelta)');
}

const server = await startS3Server();
const bucket = await server.createBucket('demo-releases');
const build = await newJob();
const restore = await newJob();
try {
  console.log(`Local S3 (${server.kind}) at ${server.endpoint}, bucket ${bucket}`);
  const dist = join(build.workspace, 'dist');
  await mkdir(dist, { recursive: true });
  const v1 = join(dist, 'myapp-1.0.0.zip');
  const v2 = join(dist, 'myapp-1.1.0.zip');
  await writeArtifact(v1, 8 * MB, 42);
  await writeNextVersion(v1, v2, { seed: 43 });
  console.log(`Generated ${v1} and ${v2} (8 MiB each; 1.1.0 has scattered edits and an insertion)`);

  const s3 = {
    'endpoint-url': server.endpoint,
    'force-path-style': 'true',
    's3-url': `s3://${bucket}/releases/myapp/`,
  };
  const first = await runAction('main', { ...s3, path: v1 }, { runner: build });
  check(first, 'upload of 1.0.0');
  printResults('Upload 1.0.0 (first file in the DeltaSpace: becomes the reference)', first.outputs);
  const second = await runAction('main', { ...s3, path: v2 }, { runner: build });
  check(second, 'upload of 1.1.0');
  printResults('Upload 1.1.0 (stored as a delta against the reference)', second.outputs);

  const out = join(restore.workspace, 'restored');
  const down = await runAction(
    'main',
    { ...s3, command: 'download', path: out },
    { runner: restore },
  );
  check(down, 'download');
  printResults(`Download of the DeltaSpace into a fresh job (${out})`, down.outputs);
  for (const file of [v1, v2]) {
    const name = file.split('/').pop();
    const same = (await sha256File(file)) === (await sha256File(join(out, name)));
    need(same, `${name} came back different`);
    console.log(`  ${name}: byte-identical (sha256 verified)`);
  }
  console.log(
    `\nJob summary written by the second upload (GITHUB_STEP_SUMMARY):\n${second.summary}`,
  );
} finally {
  await server.stop();
  await rm(build.dir, { recursive: true, force: true });
  await rm(restore.dir, { recursive: true, force: true });
}
