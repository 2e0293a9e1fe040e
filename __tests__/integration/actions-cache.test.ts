// The Actions cache tier of the reference cache, with the real @actions/cache (which
// shells out to tar and zstd) against a loopback server speaking the legacy cache REST
// protocol. A "job" here is a fresh local cache directory at the same path, as hosted
// runners give every job the same RUNNER_TEMP on a fresh machine.
import { jest } from '@jest/globals';
import * as cache from '@actions/cache';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunnerFile } from '../../scripts/lib/run-action.mjs';
import {
  createActionsReferenceCache,
  handOffToPost,
  keyFor,
  saveHandedOffReferences,
  type ActionsReferenceCache,
  type CacheService,
} from '../../src/adapters/actions-cache/index.js';
import { saveReferences } from '../../src/adapters/actions-cache/save.js';
import { actionsState } from '../../src/action/state.js';
import { FsReferenceCache } from '../../src/adapters/fs-reference-cache.js';
import { Sha256Hasher } from '../../src/adapters/sha256-hasher.js';
import type { LoggerPort } from '../../src/ports.js';
import { startCacheServer, type CacheTestServer } from '../helpers/cache-server.js';

const hasher = new Sha256Hasher();
const ENV_KEYS = [
  'ACTIONS_CACHE_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_MODE',
  'GITHUB_SERVER_URL',
  'GITHUB_WORKSPACE',
  'GITHUB_STATE',
  'RUNNER_TEMP',
  'STATE_deltaglider-references',
] as const;

let server: CacheTestServer;
let root: string;
let savedEnv: Record<string, string | undefined>;
let stdout: string[];

interface Recorded {
  log: LoggerPort;
  lines: string[];
  notices: string[];
}

function recorder(): Recorded {
  const lines: string[] = [];
  const notices: string[] = [];
  return {
    lines,
    notices,
    log: {
      debug: (m) => lines.push(`debug: ${m}`),
      info: (m) => lines.push(`info: ${m}`),
      warning: (m) => lines.push(`warning: ${m}`),
    },
  };
}

/** A job's view: the local cache directory at the one path every job uses, emptied first. */
async function freshJob(rec = recorder(), service?: CacheService) {
  const cacheRoot = join(root, 'runner-temp', 'deltaglider', 'references');
  await rm(cacheRoot, { recursive: true, force: true });
  const local = new FsReferenceCache(cacheRoot, hasher, rec.log);
  const tier = createActionsReferenceCache(local, rec.log, {
    notice: (m) => rec.notices.push(m),
    ...(service ? { service } : {}),
  });
  return { local, tier, rec };
}

async function makeReference(bytes = 256 * 1024): Promise<{ path: string; sha256: string }> {
  const path = join(root, `ref-${randomBytes(4).toString('hex')}.bin`);
  await writeFile(path, randomBytes(bytes));
  return { path, sha256: await hasher.sha256File(path) };
}

/** Main's `core.saveState`, read back by post as the runner does (STATE_* variables). */
async function runPost(tier: ActionsReferenceCache, rec: Recorded, maxBytes?: number) {
  const stateFile = join(root, `state-${randomBytes(4).toString('hex')}`);
  await writeFile(stateFile, '');
  process.env.GITHUB_STATE = stateFile;
  handOffToPost(tier, actionsState, rec.log);
  delete process.env.GITHUB_STATE;
  const state = parseRunnerFile(await readFile(stateFile, 'utf8'));
  for (const [name, value] of Object.entries(state)) process.env[`STATE_${name}`] = value;
  try {
    return await saveHandedOffReferences(actionsState, rec.log, {
      notice: (m) => rec.notices.push(m),
      ...(maxBytes === undefined ? {} : { maxBytes }),
    });
  } finally {
    for (const name of Object.keys(state)) delete process.env[`STATE_${name}`];
  }
}

beforeAll(async () => {
  server = await startCacheServer();
});

afterAll(async () => {
  await server?.stop();
});

beforeEach(async () => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  root = await mkdtemp(join(tmpdir(), 'dg-actions-cache-'));
  const workspace = join(root, 'workspace');
  await mkdir(workspace, { recursive: true });
  await mkdir(join(root, 'runner-temp'), { recursive: true });
  Object.assign(process.env, server.env(), {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: join(root, 'runner-temp'),
  });
  server.failWith(undefined);
  // @actions/core and @actions/exec (tar) write workflow commands to stdout: keep them to assert on.
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  for (const k of ENV_KEYS) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
  await rm(root, { recursive: true, force: true });
});

describe('the Actions cache behind the local reference cache', () => {
  it('saves in one job what it downloaded, and a later job restores it instead of downloading', async () => {
    const ref = await makeReference();
    const requestsBefore = server.requests.length;

    // Job 1: not in the Actions cache; the reference is downloaded (here: put), post saves it.
    const job1 = await freshJob();
    expect(await job1.tier.get(ref.sha256)).toBeUndefined();
    const cachedPath = await job1.tier.put(ref.path, ref.sha256, { copy: true });
    expect(cachedPath).toBe(job1.local.pathFor(ref.sha256));
    expect(job1.tier.report).toEqual({ hits: 0, misses: 1 });
    expect(job1.tier.toSave()).toEqual([
      { sha256: ref.sha256, key: keyFor(ref.sha256), path: job1.local.pathFor(ref.sha256) },
    ]);
    expect(await runPost(job1.tier, job1.rec)).toEqual({ saved: 1, skipped: 0 });

    const saved = server.entries.filter((e) => e.key === keyFor(ref.sha256));
    expect(saved).toHaveLength(1);
    expect(saved[0]!.committed).toBe(true);
    // The restore's lookup and the save's reservation carry the same version: same paths.
    const [missLookup] = server.lookups.filter((l) => l.keys[0] === keyFor(ref.sha256));
    expect(missLookup).toMatchObject({ hit: false, version: saved[0]!.version });

    // Job 2: an empty local directory; the reference comes from the Actions cache, verified.
    const job2 = await freshJob();
    const restored = await job2.tier.get(ref.sha256);
    expect(restored).toBe(job2.local.pathFor(ref.sha256));
    expect(await hasher.sha256File(restored!)).toBe(ref.sha256);
    expect(job2.tier.report).toEqual({ hits: 1, misses: 0 });
    expect(job2.rec.notices).toEqual([]);
    // Restored, so already in the Actions cache: nothing for the post step to save.
    expect(job2.tier.toSave()).toEqual([]);
    expect(await runPost(job2.tier, job2.rec)).toEqual({ saved: 0, skipped: 0 });

    const seen = server.requests
      .slice(requestsBefore)
      .map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(seen).toEqual([
      'GET /_apis/artifactcache/cache 204',
      'POST /_apis/artifactcache/caches 201',
      'PATCH /_apis/artifactcache/caches/' + saved[0]!.id + ' 204',
      'POST /_apis/artifactcache/caches/' + saved[0]!.id + ' 204',
      'GET /_apis/artifactcache/cache 200',
      'GET /archives/' + saved[0]!.id + ' 200',
    ]);
  });

  it('restores a reference once per step, however many callers ask at once', async () => {
    const ref = await makeReference();
    const job1 = await freshJob();
    await job1.tier.put(ref.path, ref.sha256, { copy: true });
    await runPost(job1.tier, job1.rec);

    const lookupsBefore = server.lookups.length;
    const job2 = await freshJob();
    const paths = await Promise.all([1, 2, 3].map(() => job2.tier.get(ref.sha256)));
    expect(new Set(paths)).toEqual(new Set([job2.local.pathFor(ref.sha256)]));
    expect(server.lookups.length - lookupsBefore).toBe(1);
    expect(job2.tier.report).toEqual({ hits: 1, misses: 0 });
  });

  it('does not use a restored entry whose bytes are not the reference, nor save over it', async () => {
    const ref = await makeReference();
    // Another writer saved wrong bytes under this reference's key and path.
    const poisoned = await freshJob();
    const path = poisoned.local.pathFor(ref.sha256);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'not the reference');
    expect(await cache.saveCache([path], keyFor(ref.sha256))).toBeGreaterThan(0);

    const job = await freshJob();
    expect(await job.tier.get(ref.sha256)).toBeUndefined();
    expect(
      job.rec.lines.some((l) => l.startsWith('warning: Dropping corrupt cached reference')),
    ).toBe(true);
    expect(job.rec.notices).toEqual([
      expect.stringContaining(`entry ${keyFor(ref.sha256)} did not yield a valid`),
    ]);
    expect(job.tier.report).toEqual({ hits: 0, misses: 1 });
    // The S3 download then lands in the local cache; the key is taken, so post saves nothing.
    await job.tier.put(ref.path, ref.sha256, { copy: true });
    expect(await job.tier.get(ref.sha256)).toBe(path);
    expect(job.tier.toSave()).toEqual([]);
  });

  it('without a cache service: one notice, then the plain local cache, and no request', async () => {
    delete process.env.ACTIONS_CACHE_URL;
    const requestsBefore = server.requests.length;
    const ref = await makeReference();
    const job = await freshJob();
    expect(await job.tier.get(ref.sha256)).toBeUndefined();
    expect(await job.tier.get(ref.sha256)).toBeUndefined();
    expect(await job.tier.put(ref.path, ref.sha256, { copy: true })).toBe(
      job.local.pathFor(ref.sha256),
    );
    expect(await job.tier.get(ref.sha256)).toBe(job.local.pathFor(ref.sha256));
    expect(job.rec.notices).toEqual([expect.stringContaining('cache service is not available')]);
    expect(job.rec.notices[0]).toContain('cache: false');
    expect(job.tier.report).toEqual({ hits: 0, misses: 0 });
    expect(job.tier.toSave()).toEqual([]);
    expect(await runPost(job.tier, job.rec)).toEqual({ saved: 0, skipped: 0 });
    expect(server.requests.length).toBe(requestsBefore);
  });

  it('a failing cache service costs a miss and a message, never an exception', async () => {
    server.failWith(500);
    const ref = await makeReference();
    const job = await freshJob();
    expect(await job.tier.get(ref.sha256)).toBeUndefined();
    expect(job.tier.report).toEqual({ hits: 0, misses: 1 });
    expect(stdout.join('')).toMatch(/Failed to restore: .*500/);
    await job.tier.put(ref.path, ref.sha256, { copy: true });
    expect(await runPost(job.tier, job.rec)).toEqual({ saved: 0, skipped: 1 });
    expect(stdout.join('')).toMatch(/Failed to save: .*500/);
  });

  it('an error thrown by the cache library is a notice, and the step carries on', async () => {
    const ref = await makeReference();
    const throwing: CacheService = {
      isFeatureAvailable: () => true,
      restoreCache: () => Promise.reject(new Error('Key Validation Error: broken')),
      saveCache: () => Promise.reject(new Error('socket hang up')),
    };
    const job = await freshJob(recorder(), throwing);
    expect(await job.tier.get(ref.sha256)).toBeUndefined();
    expect(job.rec.notices).toEqual([
      expect.stringMatching(/Could not restore reference .*Key Validation Error: broken/),
    ]);
    await job.tier.put(ref.path, ref.sha256, { copy: true });
    const report = await saveReferences(job.tier.toSave(), {
      service: throwing,
      hasher,
      log: job.rec.log,
      notice: (m) => job.rec.notices.push(m),
    });
    expect(report).toEqual({ saved: 0, skipped: 1 });
    expect(job.rec.lines).toContainEqual(
      expect.stringMatching(/^warning: Could not save reference .*socket hang up/),
    );
  });

  it('a key another job saved first is not an error', async () => {
    const ref = await makeReference();
    const first = await freshJob();
    await first.tier.put(ref.path, ref.sha256, { copy: true });
    const second = await freshJob();
    await second.tier.put(ref.path, ref.sha256, { copy: true });
    // Both jobs missed at the same time; both post steps try to save.
    expect(await runPost(first.tier, first.rec)).toEqual({ saved: 1, skipped: 0 });
    expect(await runPost(second.tier, second.rec)).toEqual({ saved: 0, skipped: 1 });
    expect(server.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/_apis/artifactcache/caches',
      status: 409,
    });
    expect(stdout.join('')).not.toMatch(/::(warning|error)::/);
  });

  it('the post step saves nothing that is gone or changed since main', async () => {
    const gone = await makeReference();
    const changed = await makeReference();
    const job = await freshJob();
    await job.tier.put(gone.path, gone.sha256);
    await job.tier.put(changed.path, changed.sha256);
    await rm(job.local.pathFor(gone.sha256));
    await writeFile(job.local.pathFor(changed.sha256), 'edited by a later step');
    const reservesBefore = server.requests.filter((r) => r.method === 'POST').length;
    expect(await runPost(job.tier, job.rec)).toEqual({ saved: 0, skipped: 2 });
    expect(job.rec.notices).toEqual([
      expect.stringContaining(`is no longer at ${job.local.pathFor(gone.sha256)}`),
    ]);
    expect(job.rec.lines).toContainEqual(
      expect.stringMatching(/^warning: .* changed after the main step/),
    );
    expect(server.requests.filter((r) => r.method === 'POST').length).toBe(reservesBefore);
  });

  it('saves within cache-max-size, the references obtained last first', async () => {
    const KIB = 1024;
    const [first, big, last] = [
      await makeReference(256 * KIB),
      await makeReference(512 * KIB),
      await makeReference(256 * KIB),
    ];
    const job = await freshJob();
    for (const ref of [first, big, last]) await job.tier.put(ref.path, ref.sha256);
    // 700 KiB: `last` fits, then `big` does not (skipped), then `first` still does.
    expect(await runPost(job.tier, job.rec, 700 * KIB)).toEqual({ saved: 2, skipped: 1 });
    const mine = new Set([first, big, last].map((r) => keyFor(r.sha256)));
    const savedKeys = server.entries
      .filter((e) => e.committed && mine.has(e.key))
      .map((e) => e.key);
    expect(savedKeys).toEqual([keyFor(last.sha256), keyFor(first.sha256)]);
    expect(job.rec.lines).toContainEqual(
      expect.stringMatching(/^info: 1 reference\(s\) \(512\.0 KiB\) not saved .*cache-max-size/),
    );
  });

  it('saves nothing with cache-max-size 0, and asks the cache service nothing', async () => {
    const ref = await makeReference();
    const job = await freshJob();
    await job.tier.put(ref.path, ref.sha256);
    const before = server.requests.length;
    expect(await runPost(job.tier, job.rec, 0)).toEqual({ saved: 0, skipped: 1 });
    expect(server.requests.length).toBe(before);
    expect(job.rec.lines.filter((l) => !l.startsWith('debug: '))).toEqual([]);
  });

  it('ignores a malformed hand-off instead of failing the post step', async () => {
    process.env['STATE_deltaglider-references'] = JSON.stringify([
      { sha256: 'abc', key: 'x', path: '/etc/passwd' },
    ]);
    const rec = recorder();
    expect(await saveHandedOffReferences(actionsState, rec.log)).toEqual({ saved: 0, skipped: 0 });
    expect(rec.lines).toContainEqual(
      expect.stringMatching(/^warning: Ignoring the state "deltaglider-references"/),
    );
  });
});
