// Ceph RGW as a test store: starts a one-node cluster with scripts/ceph-s3.sh (which
// knows the daemons), or attaches to one `.ci/run` started. Used by local-s3.mjs when
// S3_TEST_SERVER=ceph.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = fileURLToPath(new URL('../ceph-s3.sh', import.meta.url));
const START_TIMEOUT_MS = 180_000;

// Measured on Ceph 16.2.15: If-None-Match: * answers 412 on PUT and on
// CompleteMultipartUpload; no body limit below the OSD's 128 MiB object size we set.
const CAPABILITIES = { conditionalWrites: true, maxBodyBytes: Number.POSITIVE_INFINITY };

/**
 * The cluster in S3_ENDPOINT (one `scripts/ceph-s3.sh start` made), else a new one of our
 * own, stopped and removed by stopServer. Either way the keys are test/test, as every
 * test helper signs (ceph-s3.sh creates that user), and set in `env`.
 */
export async function startCeph(env) {
  useTestKeys(env);
  if (env.S3_ENDPOINT) {
    return {
      endpoint: env.S3_ENDPOINT,
      kind: 'ceph',
      capabilities: CAPABILITIES,
      stopServer: async () => {},
      deleteBucketsOnStop: true,
    };
  }
  const started = Date.now();
  const dir = await mkdtemp(path.join(tmpdir(), 'dg-ceph-'));
  const stopSync = () => execFileSync(SCRIPT, ['stop', dir], { stdio: 'ignore' });
  // A cluster nobody stops would hold ~110 MB and two ports until the machine reboots.
  process.once('exit', stopSync);
  let out;
  try {
    ({ stdout: out } = await promisify(execFile)(SCRIPT, ['start', dir], {
      timeout: START_TIMEOUT_MS,
    }));
  } catch (error) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw new Error(`Ceph RGW did not start: ${error.stderr || error.message}`, { cause: error });
  }
  const endpoint = /^S3_ENDPOINT=(.+)$/m.exec(out)?.[1];
  return {
    endpoint,
    kind: 'ceph',
    capabilities: CAPABILITIES,
    startupMs: Date.now() - started,
    stopServer: async () => {
      process.removeListener('exit', stopSync);
      await promisify(execFile)(SCRIPT, ['stop', dir]);
    },
    deleteBucketsOnStop: false,
  };
}

function useTestKeys(env) {
  env.AWS_ACCESS_KEY_ID = 'test';
  env.AWS_SECRET_ACCESS_KEY = 'test';
  delete env.AWS_SESSION_TOKEN;
  env.AWS_REGION = env.AWS_REGION || 'us-east-1';
}
