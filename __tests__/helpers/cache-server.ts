// A loopback stand-in for the GitHub Actions cache service, speaking the legacy REST
// protocol that @actions/cache 6 uses when ACTIONS_CACHE_SERVICE_V2 is unset (see
// node_modules/@actions/cache/lib/internal/cacheHttpClient.js):
//   GET   _apis/artifactcache/cache?keys=k1,k2&version=V  -> 204 miss | 200 {cacheKey, archiveLocation}
//   GET   _apis/artifactcache/caches?key=K                 -> the diagnostic listing (debug mode)
//   POST  _apis/artifactcache/caches {key, version, cacheSize} -> 201 {cacheId} | 409 when taken
//   PATCH _apis/artifactcache/caches/:id  (Content-Range: bytes a-b/*) -> a chunk of the archive
//   POST  _apis/artifactcache/caches/:id {size}          -> commit
//   GET   archives/:id                                    -> the archive (archiveLocation)
// Entries are matched on key and version, like the real service (the version hashes the
// paths, so a save and a restore with different path strings never meet). Archives are
// written to a temp directory, chunk by chunk, never held in memory.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface CacheRequest {
  method: string;
  path: string;
  status: number;
}

export interface StoredCacheEntry {
  id: number;
  key: string;
  version: string;
  /** The archive on disk (tar + zstd as @actions/cache wrote it). */
  archivePath: string;
  committed: boolean;
  size: number;
}

export interface CacheTestServer {
  /** For ACTIONS_CACHE_URL (ends with a slash, as the runner gives it). */
  url: string;
  token: string;
  requests: CacheRequest[];
  entries: StoredCacheEntry[];
  /** Lookups (GET cache?keys=) with the version asked and whether they hit. */
  lookups: { keys: string[]; version: string; hit: boolean }[];
  /** The env a job needs to use this server. */
  env(): Record<string, string>;
  /** Answer every request with this status from now on (undefined: behave). */
  failWith(status: number | undefined): void;
  stop(): Promise<void>;
}

export async function startCacheServer(): Promise<CacheTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'dg-cache-server-'));
  const token = `test-token-${process.pid}`;
  const entries: StoredCacheEntry[] = [];
  const requests: CacheRequest[] = [];
  const lookups: CacheTestServer['lookups'] = [];
  let failure: number | undefined;
  let base = '';

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', base);
    const send = (status: number, body?: unknown): void => {
      requests.push({ method: req.method ?? '', path: url.pathname, status });
      if (body === undefined) {
        res.writeHead(status).end();
      } else {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      }
    };
    if (failure !== undefined) {
      req.resume();
      return send(failure, { message: `test cache server failing with ${failure}` });
    }

    const archive = /^\/archives\/(\d+)$/.exec(url.pathname);
    if (req.method === 'GET' && archive) {
      const entry = entries.find((e) => e.id === Number(archive[1]) && e.committed);
      if (!entry) return send(404);
      requests.push({ method: 'GET', path: url.pathname, status: 200 });
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(entry.size),
      });
      await pipeline(createReadStream(entry.archivePath), res);
      return;
    }

    if (!url.pathname.startsWith('/_apis/artifactcache/')) return send(404);
    if (req.headers.authorization !== `Bearer ${token}`) {
      req.resume();
      return send(401, { message: 'bad or missing ACTIONS_RUNTIME_TOKEN' });
    }
    const resource = url.pathname.slice('/_apis/artifactcache/'.length);

    if (req.method === 'GET' && resource === 'cache') {
      const keys = (url.searchParams.get('keys') ?? '').split(',');
      const version = url.searchParams.get('version') ?? '';
      const entry = findEntry(entries, keys, version);
      lookups.push({ keys, version, hit: entry !== undefined });
      if (!entry) return send(204);
      return send(200, {
        cacheKey: entry.key,
        cacheVersion: entry.version,
        scope: 'refs/heads/main',
        creationTime: new Date().toISOString(),
        archiveLocation: `${base}archives/${entry.id}`,
      });
    }

    if (req.method === 'GET' && resource === 'caches') {
      const key = url.searchParams.get('key') ?? '';
      const matching = entries.filter((e) => e.committed && e.key === key);
      return send(200, {
        totalCount: matching.length,
        artifactCaches: matching.map((e) => ({
          cacheKey: e.key,
          cacheVersion: e.version,
          scope: 'refs/heads/main',
        })),
      });
    }

    if (req.method === 'POST' && resource === 'caches') {
      const body = JSON.parse(await readBody(req)) as {
        key: string;
        version: string;
        cacheSize?: number;
      };
      if (entries.some((e) => e.key === body.key && e.version === body.version)) {
        return send(409, {
          message: `Cache already exists. Scope: refs/heads/main, Key: ${body.key}, Version: ${body.version}`,
        });
      }
      const id = entries.length + 1;
      const archivePath = join(dir, `${id}.archive`);
      await (await open(archivePath, 'w')).close();
      entries.push({
        id,
        key: body.key,
        version: body.version,
        archivePath,
        committed: false,
        size: 0,
      });
      return send(201, { cacheId: id });
    }

    const byId = /^caches\/(\d+)$/.exec(resource);
    const entry = byId ? entries.find((e) => e.id === Number(byId[1])) : undefined;
    if (byId && !entry) {
      req.resume();
      return send(404, { message: `no reserved cache ${byId[1]}` });
    }

    if (req.method === 'PATCH' && entry) {
      const range = /^bytes (\d+)-(\d+)\/\*$/.exec(req.headers['content-range'] ?? '');
      if (!range || entry.committed) {
        req.resume();
        return send(400, { message: 'bad Content-Range or entry already committed' });
      }
      const start = Number(range[1]);
      await pipeline(req, createWriteStream(entry.archivePath, { flags: 'r+', start }));
      return send(204);
    }

    if (req.method === 'POST' && entry) {
      const { size } = JSON.parse(await readBody(req)) as { size: number };
      const actual = (await stat(entry.archivePath)).size;
      if (actual !== size)
        return send(400, { message: `commit size ${size} but ${actual} bytes uploaded` });
      entry.committed = true;
      entry.size = size;
      return send(204);
    }

    req.resume();
    return send(405, { message: `${req.method} ${url.pathname} is not part of the protocol` });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', status: 500 });
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    url: base,
    token,
    requests,
    entries,
    lookups,
    env: () => ({ ACTIONS_CACHE_URL: base, ACTIONS_RUNTIME_TOKEN: token }),
    failWith: (status) => {
      failure = status;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Exact key first, then prefix, in the order given; only committed entries of this version. */
function findEntry(
  entries: StoredCacheEntry[],
  keys: string[],
  version: string,
): StoredCacheEntry | undefined {
  const usable = entries.filter((e) => e.committed && e.version === version).reverse();
  for (const key of keys) {
    const found = usable.find((e) => e.key === key) ?? usable.find((e) => e.key.startsWith(key));
    if (found) return found;
  }
  return undefined;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let body = '';
  req.setEncoding('utf8');
  for await (const chunk of req) body += chunk;
  return body;
}
