// Scale of the bucket lifecycle commands (#18) on a local S3: sync up, a no-op sync,
// ls, sync down and migrate over N small objects in one DeltaSpace. Runs the CLI bundle
// as users do: DG_CLI=path/to/index.js (default dist/cli/index.js, which `npm run build`
// makes). Usage: node scripts/lifecycle-scale.mjs [N=5000] [CONCURRENCY=8]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startS3Server } from './lib/local-s3.mjs';
import { timedCli } from './lib/timed-cli.mjs';

const N = Number(process.argv[2] ?? 5000);
const CONCURRENCY = String(process.argv[3] ?? 8);
const CLI = process.env.DG_CLI ?? new URL('../dist/cli/index.js', import.meta.url).pathname;

const server = await startS3Server();
const work = await mkdtemp(join(tmpdir(), 'dg-scale-'));
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
};

function dg(...args) {
  return timedCli(
    CLI,
    [
      ...args,
      '--endpoint-url',
      server.endpoint,
      '--concurrency',
      CONCURRENCY,
      '--cache-dir',
      join(work, 'cache'),
    ],
    env,
  );
}

/** A small file per index: 1-4 KiB of text, different for each. */
const body = (i) => `object ${i}\n`.repeat(100 + (i % 300));

try {
  const bucket = await server.createBucket();
  const local = join(work, 'local');
  await mkdir(local);
  for (let i = 0; i < N; i++) await writeFile(join(local, `file-${i}.txt`), body(i));
  const client = new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  for (let i = 0; i < N; i += 32) {
    await Promise.all(
      Array.from({ length: Math.min(32, N - i) }, (_, j) =>
        client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `legacy/rel-1.${i + j}.txt`,
            Body: body(i + j),
          }),
        ),
      ),
    );
  }
  client.destroy();
  console.log(
    `${N} objects, --concurrency ${CONCURRENCY}, ${server.kind}, ${availableParallelism()} CPUs, load ${loadavg()[0].toFixed(1)}`,
  );
  // Each row as soon as it is measured: a long run shows its progress.
  const row = async (what, ...args) => {
    const seconds = await dg(...args);
    console.log(`| ${what} | ${seconds.toFixed(1)} s | ${Math.round(N / seconds)} objects/s |`);
  };
  await row('sync up (all new)', 'sync', local, `s3://${bucket}/synced/`);
  await row('sync up again (nothing to do)', 'sync', local, `s3://${bucket}/synced/`);
  await row('ls', 'ls', `s3://${bucket}/synced/`);
  await row('sync down (all new)', 'sync', `s3://${bucket}/synced/`, join(work, 'down'));
  await row(
    'migrate (plain -> DeltaSpace, verified)',
    'migrate',
    `s3://${bucket}/legacy/`,
    `s3://${bucket}/migrated/`,
  );
  await row(
    'migrate again (all already there)',
    'migrate',
    `s3://${bucket}/legacy/`,
    `s3://${bucket}/migrated/`,
  );
  await row('rm -r', 'rm', '-r', `s3://${bucket}/synced/`);
} finally {
  await server.stop();
  await rm(work, { recursive: true, force: true });
}
