// The local reference cache holds whole artifacts: only its user may read it (0700/0600,
// also for a cache an older version left 0755/0644), and it stays under its size cap by
// evicting the least recently used references. The cap is set for the CLI with
// --cache-max-size or DG_CACHE_MAX_SIZE, checked here through real downloads from moto.
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile, chmod } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArtifact } from '../../scripts/lib/artifacts.mjs';
import { FsReferenceCache } from '../../src/adapters/fs-reference-cache.js';
import { Sha256Hasher } from '../../src/adapters/sha256-hasher.js';
import { parseCacheSize } from '../../src/cli/args.js';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/output.js';
import type { LoggerPort } from '../../src/ports.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const quiet: LoggerPort = { debug: () => {}, info: () => {}, warning: () => {} };
const mode = async (path: string) => (await stat(path)).mode & 0o777;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dg-ref-cache-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A file of `bytes` bytes of `text`, and its sha256. */
async function source(name: string, bytes: number): Promise<{ path: string; sha256: string }> {
  const body = name.repeat(Math.ceil(bytes / name.length)).slice(0, bytes);
  const path = join(work, `${name}.src`);
  await writeFile(path, body);
  return { path, sha256: sha(body) };
}

describe('FsReferenceCache', () => {
  it('creates its directory 0700 and its entries 0600', async () => {
    const root = join(work, 'fresh', 'references');
    const cache = new FsReferenceCache(root, new Sha256Hasher(), quiet);
    const { path, sha256 } = await source('a', 100);
    const entry = await cache.put(path, sha256, { copy: true });
    expect(await mode(root)).toBe(0o700);
    expect(await mode(entry)).toBe(0o600);
  });

  it('tightens a cache an older version left readable by everyone', async () => {
    const root = join(work, 'old');
    await mkdir(root, { mode: 0o755 });
    await chmod(root, 0o755);
    const { sha256 } = await source('b', 100);
    const entry = join(root, `${sha256}.bin`);
    await writeFile(entry, 'b'.repeat(100), { mode: 0o644 });
    await chmod(entry, 0o644);
    const cache = new FsReferenceCache(root, new Sha256Hasher(), quiet);
    expect(await cache.get(sha256)).toBe(entry);
    expect(await mode(root)).toBe(0o700);
    expect(await mode(entry)).toBe(0o600);
  });

  it('leaves a shared directory it was pointed at as it is, with a warning', async () => {
    const root = join(work, 'shared');
    await mkdir(root, { mode: 0o755 });
    await chmod(root, 0o755);
    await writeFile(join(root, 'notes.txt'), 'not a reference');
    const warnings: string[] = [];
    const log = { ...quiet, warning: (m: string) => void warnings.push(m) };
    const cache = new FsReferenceCache(root, new Sha256Hasher(), log);
    const { path, sha256 } = await source('c', 100);
    expect(await mode(await cache.put(path, sha256))).toBe(0o600);
    expect(await mode(root)).toBe(0o755);
    expect(warnings).toEqual([expect.stringContaining('give the cache a directory of its own')]);
  });

  it('evicts the least recently used entries past its cap, never the one just put', async () => {
    const root = join(work, 'capped');
    const cache = new FsReferenceCache(root, new Sha256Hasher(), quiet, { maxBytes: 2500 });
    const [a, b, c] = await Promise.all(['x', 'y', 'z'].map((n) => source(n, 1000)));
    const entryA = await cache.put(a!.path, a!.sha256);
    const entryB = await cache.put(b!.path, b!.sha256);
    // a is older than b, but used since: b is now the least recently used.
    await utimes(entryA, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await utimes(entryB, new Date(Date.now() - 30_000), new Date(Date.now() - 30_000));
    expect(await cache.get(a!.sha256)).toBe(entryA);
    await cache.put(c!.path, c!.sha256);
    expect((await readdir(root)).sort()).toEqual([`${a!.sha256}.bin`, `${c!.sha256}.bin`].sort());
    expect(await cache.get(b!.sha256)).toBeUndefined();

    // A cap smaller than one entry keeps just the entry in use.
    const tiny = new FsReferenceCache(root, new Sha256Hasher(), quiet, { maxBytes: 0 });
    const d = await source('w', 1000);
    await tiny.put(d.path, d.sha256);
    expect(await readdir(root)).toEqual([`${d.sha256}.bin`]);
  });
});

describe('the CLI cache cap', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  async function dg(env: NodeJS.ProcessEnv, ...args: string[]): Promise<number> {
    let err = '';
    const io: Io = { out: () => {}, err: (t) => void (err += t), isTty: false, env };
    const code = await main([...args, '--endpoint-url', server.endpoint], io);
    if (code !== 0) throw new Error(err);
    return code;
  }

  it.each([
    ['--cache-max-size', (cap: string) => ({ args: ['--cache-max-size', cap], env: {} })],
    ['DG_CACHE_MAX_SIZE', (cap: string) => ({ args: [], env: { DG_CACHE_MAX_SIZE: cap } })],
  ])('%s keeps the cache under the cap', async (_how, setting) => {
    const bucket = await server.createBucket();
    const cacheDir = join(work, `cli-cache-${bucket}`);
    const { args, env } = setting('1.5M');
    for (const space of ['one', 'two']) {
      const file = join(work, `${space}-${bucket}.bin`);
      await writeArtifact(file, 1024 * 1024, space === 'one' ? 31 : 32);
      // Uploads fill a cache of their own; the downloads below start from an empty one.
      await dg(
        process.env,
        'cp',
        file,
        `s3://${bucket}/${space}/`,
        '--cache-dir',
        join(work, 'up'),
      );
      await dg(
        { ...process.env, ...env },
        'cp',
        `s3://${bucket}/${space}/${space}-${bucket}.bin`,
        join(work, `down-${space}-${bucket}.bin`),
        '--cache-dir',
        cacheDir,
        ...args,
      );
    }
    const entries = await readdir(cacheDir);
    expect(entries).toHaveLength(1);
    expect(await mode(cacheDir)).toBe(0o700);
    expect(await mode(join(cacheDir, entries[0]!))).toBe(0o600);
  });

  it('reads sizes with binary suffixes and refuses anything else', () => {
    expect(parseCacheSize('0')).toBe(0);
    expect(parseCacheSize('1024')).toBe(1024);
    expect(parseCacheSize('1.5M')).toBe(1.5 * 1024 * 1024);
    expect(parseCacheSize('10GiB')).toBe(10 * 1024 ** 3);
    expect(parseCacheSize(undefined)).toBeUndefined();
    expect(() => parseCacheSize('lots')).toThrow(/--cache-max-size must be a size/);
    expect(() => parseCacheSize('-1G')).toThrow(/--cache-max-size must be a size/);
  });
});
