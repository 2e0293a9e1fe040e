// The bucket lifecycle commands at scale (#18), one build against another in the same
// run: ls, stats, a no-op sync, sync --delete of a fifth of the files, rm -r and purge
// over N small objects in one DeltaSpace on a local S3. Each step runs on its own copy
// of the data, seeded straight through the SDK (objects with the metadata a real direct
// upload writes, copied from one), so both builds see the same bucket state.
// Usage: DG_BASE_CLI=/tmp/base/cli/index.js DG_CLI=dist/cli/index.js \
//   node scripts/lifecycle-compare.mjs [N=5000] [CONCURRENCY=8]
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server } from './lib/local-s3.mjs';
import { timedCli } from './lib/timed-cli.mjs';

const N = Number(process.argv[2] ?? 5000);
const CONCURRENCY = String(process.argv[3] ?? 8);
const BUILDS = {
  base: process.env.DG_BASE_CLI,
  new: process.env.DG_CLI ?? new URL('../dist/cli/index.js', import.meta.url).pathname,
};
if (!BUILDS.base) throw new Error('Set DG_BASE_CLI to the baseline CLI bundle');

const server = await startS3Server();
const work = await mkdtemp(join(tmpdir(), 'dg-compare-'));
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
};
const client = new S3Client({
  endpoint: server.endpoint,
  forcePathStyle: true,
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

function dg(cli, ...args) {
  return timedCli(
    cli,
    [...args, '--endpoint-url', server.endpoint, '--concurrency', CONCURRENCY],
    env,
  );
}

const body = (i) => `object ${i}\n`.repeat(100 + (i % 300));
const names = Array.from({ length: N }, (_, i) => `file-${i}.txt`);

async function putAll(items) {
  for (let i = 0; i < items.length; i += 32) {
    await Promise.all(
      items.slice(i, i + 32).map((input) => client.send(new PutObjectCommand(input))),
    );
  }
}

/** A DeltaSpace of N direct objects, as `cp` stores them (metadata copied from a real one). */
async function seedSpace(bucket, prefix, template) {
  await putAll(
    names.map((name, i) => {
      const text = body(i);
      return {
        Bucket: bucket,
        Key: `${prefix}/${name}`,
        Body: text,
        Metadata: {
          ...template,
          'dg-original-name': name,
          'dg-file-sha256': createHash('sha256').update(text).digest('hex'),
          'dg-file-size': String(Buffer.byteLength(text)),
        },
      };
    }),
  );
}

/** N expired rehydrated copies under .deltaglider/tmp/ (what presign leaves behind). */
async function seedCopies(bucket) {
  await putAll(
    names.map((name) => ({
      Bucket: bucket,
      Key: `.deltaglider/tmp/${createHash('md5').update(name).digest('hex')}_${name}`,
      Body: 'x',
      Metadata: { 'dg-rehydrated': 'true', 'dg-expires-at': '2020-01-01T00:00:00Z' },
    })),
  );
}

try {
  const local = join(work, 'local');
  await mkdir(local);
  for (let i = 0; i < N; i++) await writeFile(join(local, names[i]), body(i));
  // A fifth of the files gone locally: what sync --delete removes remotely.
  const partial = join(work, 'partial');
  await mkdir(partial);
  for (let i = 0; i < N; i++) if (i % 5 !== 0) await writeFile(join(partial, names[i]), body(i));

  const probe = await server.createBucket();
  await dg(BUILDS.new, 'cp', join(local, names[0]), `s3://${probe}/t/`, '--max-ratio', '0');
  const head = await client.send(new HeadObjectCommand({ Bucket: probe, Key: `t/${names[0]}` }));
  const template = head.Metadata;
  if (template['dg-compression'] !== 'none') throw new Error('the probe was not stored direct');

  console.log(
    `${N} objects, --concurrency ${CONCURRENCY}, ${server.kind}, ${availableParallelism()} CPUs, load ${loadavg()[0].toFixed(1)}`,
  );
  console.log('| step | baseline | this build | baseline / this build |');
  const steps = [
    ['ls', (cli, b) => dg(cli, 'ls', `s3://${b}/s/`)],
    ['stats', (cli, b) => dg(cli, 'stats', `s3://${b}/s/`)],
    ['sync up, nothing to do', (cli, b) => dg(cli, 'sync', local, `s3://${b}/s/`)],
    [
      `sync --delete, ${N / 5} files gone`,
      (cli, b) => dg(cli, 'sync', '--delete', '--yes', partial, `s3://${b}/s/`),
    ],
    ['rm -r', (cli, b) => dg(cli, 'rm', '-r', `s3://${b}/s/`)],
    [`purge, ${N} expired copies`, (cli, b) => dg(cli, 'purge', `s3://${b}/`), seedCopies],
  ];
  // DG_STEPS=ls,rm: only the steps whose name starts with one of these.
  const only = process.env.DG_STEPS?.split(',');
  for (const [what, step, seed] of steps) {
    if (only && !only.some((o) => what.startsWith(o))) continue;
    const seconds = {};
    for (const build of ['base', 'new']) {
      const bucket = await server.createBucket();
      await (seed ? seed(bucket) : seedSpace(bucket, 's', template));
      seconds[build] = await step(BUILDS[build], bucket);
    }
    console.log(
      `| ${what} | ${seconds.base.toFixed(1)} s | ${seconds.new.toFixed(1)} s | ${(seconds.base / seconds.new).toFixed(1)}x |`,
    );
  }
  console.log(`load at the end ${loadavg()[0].toFixed(1)}`);
} finally {
  client.destroy();
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
