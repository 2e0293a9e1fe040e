// A local S3 server for tests, the demo and the benchmark: one implementation, plain
// JavaScript so Node scripts can import it without a build; the Jest helper
// (__tests__/helpers/s3-server.ts) re-exports it, and local-s3.d.mts gives it types.
//
// Order of choice:
//   1. S3_ENDPOINT set: use that server as is (kind 'external'), start nothing.
//   1b. DG_TEST_S3_SHARED set (by `startSharedS3Server`, the Jest globalSetup): attach to
//      the one server the whole test run shares; each handle deletes its buckets on stop.
//   2. `moto_server` on PATH: start it on 127.0.0.1 and a free port (kind 'moto').
//   3. else the embedded fauxqs (devDependency) on 127.0.0.1 (kind 'fauxqs'), which
//      ignores If-None-Match and rejects bodies over ~11 MiB (capabilities say so).
// S3_TEST_SERVER=moto|fauxqs forces a choice (e.g. to exercise the fallback).
// S3_TEST_SERVER=ceph: Ceph RGW (kind 'ceph'), a real S3 implementation: the cluster at
// S3_ENDPOINT when set (`.ci/run` starts one for the whole Ceph subset), else one of its
// own per test file (~15 s; ceph-s3.mjs).

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { startCeph } from './ceph-s3.mjs';

const MOTO_READY_TIMEOUT_MS = 30_000;
// fauxqs 1.9.2 rejects a request body above this (per request: multipart parts count
// separately, so a 12 MiB file in 5 MiB parts goes through).
const FAUXQS_MAX_BODY_BYTES = 11 * 1024 * 1024;

/** Client options for a local test server (path-style: no bucket DNS names on loopback). */
export function s3TestOptions(endpoint) {
  return { endpointUrl: endpoint, forcePathStyle: true, region: 'us-east-1' };
}

/**
 * Starts (or attaches to) an S3 server. Options: `env` (default process.env), `warn`
 * (default console.warn) for the one-line notice when a less capable server is used.
 */
export async function startS3Server(options = {}) {
  const env = options.env ?? process.env;
  const warn = options.warn ?? ((message) => console.warn(message));

  const forced = env.S3_TEST_SERVER;
  if (forced === 'ceph') return withBuckets(await startCeph(env), env);
  if (env.S3_ENDPOINT) {
    // A real account or MinIO: keep the caller's credentials if they exist.
    setTestCredentials(env, { overwrite: false });
    return withBuckets(
      {
        endpoint: env.S3_ENDPOINT,
        kind: 'external',
        capabilities: {
          conditionalWrites: env.S3_CONDITIONAL_WRITES !== 'false',
          maxBodyBytes: Number.POSITIVE_INFINITY,
        },
        stopServer: async () => {},
        deleteBucketsOnStop: true,
      },
      env,
    );
  }

  // A loopback server must never see real credentials, and needs some to sign with.
  setTestCredentials(env, { overwrite: true });
  if (forced && forced !== 'moto' && forced !== 'fauxqs') {
    throw new Error(`S3_TEST_SERVER must be 'moto', 'fauxqs' or 'ceph', got '${forced}'`);
  }
  const shared = sharedServerIn(env);
  // A caller that forces the other kind (a fauxqs beside moto) still gets its own server.
  if (shared && (!forced || forced === shared.kind)) return withBuckets(shared, env);
  const motoPath = forced === 'fauxqs' ? undefined : findOnPath('moto_server', env.PATH);
  if (motoPath) {
    return withBuckets(await startMoto(motoPath), env);
  }
  if (forced === 'moto') {
    throw new Error(
      'S3_TEST_SERVER=moto but moto_server is not on PATH (pip install "moto[server]")',
    );
  }
  const why = forced ? 'S3_TEST_SERVER=fauxqs' : 'moto_server not found on PATH';
  warn(
    `local S3: ${why}; using the embedded fauxqs server, which ignores ` +
      'If-None-Match (conditional-write tests are skipped) and rejects request bodies over ' +
      '~11 MiB (single PUTs above that fail; multipart parts must stay below it). ' +
      'Install moto ("pip install moto[server]") for full coverage.',
  );
  return withBuckets(await startFauxqs(), env);
}

const SHARED_ENV = 'DG_TEST_S3_SHARED';

/**
 * Starts the one local server a whole test run shares (Jest globalSetup) and publishes it
 * in `env` for the test processes, which inherit it. Starts nothing when S3_ENDPOINT is
 * set. Returns the stop function for the globalTeardown.
 */
export async function startSharedS3Server(options = {}) {
  const env = options.env ?? process.env;
  if (env.S3_ENDPOINT || env[SHARED_ENV]) return async () => {};
  const server = await startS3Server(options);
  // Infinity does not survive JSON: an absent bound means none.
  const { maxBodyBytes, conditionalWrites } = server.capabilities;
  env[SHARED_ENV] = JSON.stringify({
    endpoint: server.endpoint,
    kind: server.kind,
    conditionalWrites,
    maxBodyBytes: Number.isFinite(maxBodyBytes) ? maxBodyBytes : undefined,
  });
  return async () => {
    delete env[SHARED_ENV];
    await server.stop();
  };
}

/** The shared server published in `env`, as the server record `withBuckets` takes. */
function sharedServerIn(env) {
  if (!env[SHARED_ENV]) return undefined;
  const { endpoint, kind, conditionalWrites, maxBodyBytes } = JSON.parse(env[SHARED_ENV]);
  return {
    endpoint,
    kind,
    capabilities: { conditionalWrites, maxBodyBytes: maxBodyBytes ?? Number.POSITIVE_INFINITY },
    stopServer: async () => {},
    // The server outlives this handle: free what its buckets hold. Best effort: moto
    // cannot delete keys with control characters (the hostile-name tests make them),
    // and a bucket left behind only costs memory until the run ends.
    deleteBucketsOnStop: 'best-effort',
  };
}

function setTestCredentials(env, { overwrite }) {
  const dummy = {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
  };
  const haveCredentials = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  if (!overwrite && haveCredentials) return;
  if (overwrite) delete env.AWS_SESSION_TOKEN;
  for (const [name, value] of Object.entries(dummy)) {
    if (overwrite || !env[name]) env[name] = value;
  }
}

function findOnPath(command, pathList = '') {
  for (const dir of pathList.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startMoto(motoPath) {
  // The port can be taken between freePort() and moto's bind: try a second one then.
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await spawnMoto(motoPath, port);
    } catch (error) {
      lastError = error;
      if (!/address already in use/i.test(String(error.message))) throw error;
    }
  }
  throw lastError;
}

async function spawnMoto(motoPath, port) {
  const started = Date.now();
  const child = spawn(motoPath, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    // Keep the tail only: moto logs one line per request.
    stderr = (stderr + chunk).slice(-4000);
  });
  let exited;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.once('error', (error) => {
      exited = { error };
      resolve(exited);
    });
  });
  // Never leave a moto behind, even when the caller forgets stop() or the process is
  // interrupted: 'exit' covers normal ends and process.exit(), the signal handlers cover
  // SIGINT/SIGTERM (which skip 'exit'), then re-raise so the process still dies of it.
  const killOnExit = () => child.kill('SIGKILL');
  const killAndReraise = (signal) => {
    killOnExit();
    forgetChild();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const forgetChild = () => {
    process.removeListener('exit', killOnExit);
    process.removeListener('SIGINT', killAndReraise);
    process.removeListener('SIGTERM', killAndReraise);
  };
  process.once('exit', killOnExit);
  process.once('SIGINT', killAndReraise);
  process.once('SIGTERM', killAndReraise);
  // Do not hold the event loop open for a server nobody stops (plain scripts exit).
  child.unref();
  child.stderr.unref?.();

  const endpoint = `http://127.0.0.1:${port}`;
  const stopServer = async () => {
    forgetChild();
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + MOTO_READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      forgetChild();
      const why = exited.error
        ? exited.error.message
        : `exit code ${exited.code}${exited.signal ? `, signal ${exited.signal}` : ''}`;
      throw new Error(
        `moto_server (${motoPath}) failed to start on port ${port} (${why}):\n${stderr}`,
      );
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stopServer();
      throw new Error(
        `moto_server did not answer on ${endpoint} within ${MOTO_READY_TIMEOUT_MS} ms:\n${stderr}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    endpoint,
    kind: 'moto',
    capabilities: { conditionalWrites: true, maxBodyBytes: Number.POSITIVE_INFINITY },
    startupMs: Date.now() - started,
    stopServer,
    deleteBucketsOnStop: false,
  };
}

/** True when something answers HTTP at `endpoint` (any status). */
function answers(endpoint) {
  return new Promise((resolve) => {
    const request = http.get(endpoint, { agent: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function startFauxqs() {
  const started = Date.now();
  let fauxqs;
  try {
    fauxqs = await import('fauxqs');
  } catch (error) {
    throw new Error(
      'no local S3 server: moto_server is not on PATH and the fauxqs package cannot be ' +
        `loaded (${error.message}). Install moto ("pip install moto[server]") or set S3_ENDPOINT.`,
      { cause: error },
    );
  }
  const app = fauxqs.buildApp({ logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    kind: 'fauxqs',
    capabilities: { conditionalWrites: false, maxBodyBytes: FAUXQS_MAX_BODY_BYTES },
    startupMs: Date.now() - started,
    stopServer: () => app.close(),
    deleteBucketsOnStop: false,
  };
}

function uniqueBucketName() {
  return `dg-test-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function withBuckets(server, env) {
  const { stopServer, deleteBucketsOnStop, ...rest } = server;
  const client = new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: env.AWS_REGION || 'us-east-1',
  });
  const created = [];
  return {
    startupMs: 0,
    ...rest,
    async createBucket(name = uniqueBucketName()) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      created.push(name);
      return name;
    },
    async stop() {
      try {
        // On an external or shared server, leave nothing behind; our own dies with its data.
        for (const bucket of deleteBucketsOnStop ? created : []) {
          await emptyAndDeleteBucket(client, bucket).catch((error) => {
            if (deleteBucketsOnStop !== 'best-effort') throw error;
          });
        }
      } finally {
        client.destroy();
        await stopServer();
      }
    },
  };
}

async function emptyAndDeleteBucket(client, bucket) {
  let token;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    );
    const objects = (page.Contents ?? []).map(({ Key }) => ({ Key }));
    if (objects.length > 0) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}
