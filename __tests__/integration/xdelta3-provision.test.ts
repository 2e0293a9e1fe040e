// provisionXdelta3 against the real @actions/tool-cache, downloading archives built here
// around the real /usr/bin/xdelta3 from a loopback server.
import * as tc from '@actions/tool-cache';
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { EOL, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  bundledManifest,
  parseManifest,
  type Xdelta3Manifest,
} from '../../src/adapters/xdelta3/provision/manifest.js';
import { PLATFORM_KEYS, platformKey } from '../../src/adapters/xdelta3/provision/platform.js';
import {
  DEFAULT_XDELTA3_VERSION,
  provisionXdelta3,
} from '../../src/adapters/xdelta3/provision/provision.js';
import { ACTION_HINTS } from '../../src/action/hints.js';
import { describeError } from '../../src/core/errors.js';
import {
  buildArchive,
  closedPortUrl,
  startToolServer,
  type ToolServer,
} from '../helpers/tool-server.js';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { sha256 } from '../helpers/archive-fixtures.js';
import { provideXdelta3 } from '../../src/action/xdelta3.js';

const run = promisify(execFile);
const SYSTEM_XDELTA3 = '/usr/bin/xdelta3';
const VERSION = DEFAULT_XDELTA3_VERSION;

// tool-cache 4 reads RUNNER_TOOL_CACHE / RUNNER_TEMP on every call (not at load time), so
// setting them per test is enough. Its own test hook turns the 10-20 s sleeps between
// download retries into 0 s; the retries themselves still happen.
const hooks = globalThis as Record<string, unknown>;
hooks.TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS = 0;
hooks.TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS = 0;

async function reportedVersion(binary: string): Promise<string> {
  const { stderr, stdout } = await run(binary, ['-V']);
  return /Xdelta version (\S+),/.exec(stderr + stdout)?.[1] ?? 'unknown';
}

function recordingLog() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  return {
    lines,
    log: { debug: at('debug'), info: at('info'), warning: at('warning'), notice: at('notice') },
  };
}

const key = platformKey();
if (!key) throw new Error(`these tests need a supported platform, not ${process.platform}`);

let root: string;
let archives: string;
let tarball: string;
let zipball: string;
let server: ToolServer;
let systemVersion: string;
let originalEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  // tool-cache and @actions/core print workflow commands (::debug::, [command]) on stdout;
  // the assertions read the recording logger instead.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  root = await mkdtemp(join(tmpdir(), 'xdelta3-provision-'));
  archives = join(root, 'archives');
  await mkdir(archives);
  tarball = join(archives, `xdelta3-${VERSION}-${key}.tar.gz`);
  await buildArchive('tar.gz', tarball, [
    { name: 'xdelta3', from: SYSTEM_XDELTA3 },
    { name: 'COPYING', text: 'license text\n' },
  ]);
  // A mirror's packaging: a different archive, the binary one folder down, in a zip.
  zipball = join(archives, 'mirror.zip');
  await buildArchive('zip', zipball, [
    { name: `xdelta3-${VERSION}/xdelta3`, from: SYSTEM_XDELTA3 },
  ]);
  server = await startToolServer({
    [`dl/xdelta3-${VERSION}-${key}.tar.gz`]: tarball,
    'mirror/xdelta3.zip': zipball,
  });
  systemVersion = await reportedVersion(SYSTEM_XDELTA3);
});

afterAll(async () => {
  jest.restoreAllMocks();
  await server.close();
  await rm(root, { recursive: true, force: true });
});

let toolCache: string;
let runnerTemp: string;
let githubPath: string;

beforeEach(async () => {
  originalEnv = { ...process.env };
  const dir = await mkdtemp(join(root, 'run-'));
  toolCache = join(dir, 'tool-cache');
  runnerTemp = join(dir, 'temp');
  githubPath = join(dir, 'github_path');
  await mkdir(toolCache);
  await mkdir(runnerTemp);
  await writeFile(githubPath, '');
  process.env.RUNNER_TOOL_CACHE = toolCache;
  process.env.RUNNER_TEMP = runnerTemp;
  // core.addPath appends to this file (instead of printing a workflow command).
  process.env.GITHUB_PATH = githubPath;
  server.requests.length = 0;
});

afterEach(() => {
  process.env = originalEnv;
});

function manifestFor(url: string, archiveSha256: string): Xdelta3Manifest {
  return parseManifest({
    versions: { [VERSION]: { platforms: { [key as string]: { url, sha256: archiveSha256 } } } },
  });
}

const noBuilds: Xdelta3Manifest = { versions: { [VERSION]: { platforms: {} } } };

describe('provisionXdelta3 from the manifest', () => {
  it('downloads, verifies and caches on the first run, then reuses the cache without a request', async () => {
    const manifest = manifestFor(
      server.url(`dl/xdelta3-${VERSION}-${key}.tar.gz`),
      await sha256File(tarball),
    );
    const { log, lines } = recordingLog();

    // Through the action's wrapper, which puts the tool cache entry on PATH.
    const first = await provideXdelta3({}, log, { manifest });

    expect(first.source).toBe('download');
    expect(first.path.startsWith(join(toolCache, 'xdelta3', VERSION))).toBe(true);
    expect(await sha256File(first.path)).toBe(await sha256File(SYSTEM_XDELTA3));
    expect(await reportedVersion(first.path)).toBe(systemVersion);
    expect(first.version).toBe(systemVersion);
    expect(server.requests).toEqual([`/dl/xdelta3-${VERSION}-${key}.tar.gz`]);
    expect(await readFile(githubPath, 'utf8')).toContain(dirname(first.path));
    expect(process.env.PATH?.split(delimiter)[0]).toBe(dirname(first.path));
    expect(lines.some((line) => line.message.includes(systemVersion))).toBe(true);
    // The downloaded archive and the extraction folder are gone.
    expect(await readdir(runnerTemp)).toEqual([]);

    const second = await provisionXdelta3({}, recordingLog().log, { manifest });

    expect(second).toEqual({ ...first, source: 'tool-cache' });
    expect(server.requests).toHaveLength(1);
    // The adapter itself names the directory and leaves PATH to the action.
    expect(await readFile(githubPath, 'utf8')).toBe(`${dirname(first.path)}${EOL}`);
  });

  it('fails on a wrong sha256 with both hashes, runs and caches nothing', async () => {
    const actual = await sha256File(tarball);
    const wrong = sha256(Buffer.from('not the archive'));
    const manifest = manifestFor(server.url(`dl/xdelta3-${VERSION}-${key}.tar.gz`), wrong);

    const failure = provisionXdelta3({}, recordingLog().log, { manifest });

    await expect(failure).rejects.toThrow(/Checksum mismatch/);
    await expect(failure).rejects.toThrow(wrong);
    await expect(failure).rejects.toThrow(actual);
    expect(server.requests).toHaveLength(1);
    expect(tc.find('xdelta3', VERSION)).toBe('');
    expect(await readdir(toolCache)).toEqual([]);
    expect(await readdir(runnerTemp)).toEqual([]);
    expect(await readFile(githubPath, 'utf8')).toBe('');
  });

  it('fails clearly on a 404, without retrying it', async () => {
    const manifest = manifestFor(server.url('dl/missing.tar.gz'), await sha256File(tarball));

    const failure = provisionXdelta3({}, recordingLog().log, { manifest });

    await expect(failure).rejects.toThrow(
      /Could not download xdelta3 from http:\/\/127\.0\.0\.1:\d+\/dl\/missing\.tar\.gz: the server answered HTTP 404/,
    );
    expect(server.requests).toEqual(['/dl/missing.tar.gz']);
    expect(await readdir(toolCache)).toEqual([]);
  });

  it('fails clearly when nothing listens at the URL', async () => {
    const url = await closedPortUrl('xdelta3.tar.gz');
    const manifest = manifestFor(url, await sha256File(tarball));

    const failure = provisionXdelta3({}, recordingLog().log, { manifest });

    await expect(failure).rejects.toThrow(
      /Could not download xdelta3 from http:\/\/127\.0\.0\.1:\d+\//,
    );
    await expect(failure).rejects.toThrow(/ECONNREFUSED/);
    expect(await readdir(toolCache)).toEqual([]);
  });

  it('uses xdelta3 from PATH with an info line, no notice, when the manifest has no build for this platform', async () => {
    const bin = join(root, 'path-bin');
    await mkdir(bin, { recursive: true });
    await symlink(SYSTEM_XDELTA3, join(bin, 'xdelta3'));
    process.env.PATH = bin;
    const { log, lines } = recordingLog();

    const result = await provisionXdelta3({}, log, { manifest: noBuilds });

    expect(result).toEqual({
      path: join(bin, 'xdelta3'),
      version: systemVersion,
      source: 'system-path',
    });
    // Every job on such a runner would show a notice: the reason is an info line instead.
    expect(lines.filter((line) => line.level === 'notice' || line.level === 'warning')).toEqual([]);
    const info = lines.filter((line) => line.level === 'info').map((line) => line.message);
    expect(info.some((line) => line.includes(`no xdelta3 ${VERSION} build for ${key}`))).toBe(true);
    expect(server.requests).toEqual([]);
  });

  it('fails naming the inputs that fix it when there is neither a build nor xdelta3 on PATH', async () => {
    process.env.PATH = await mkdtemp(join(root, 'empty-path-'));

    const failure = provisionXdelta3({}, recordingLog().log, { manifest: noBuilds });

    await expect(failure).rejects.toThrow(/no xdelta3 on PATH/);
    await expect(failure).rejects.toMatchObject({ code: 'xdelta3-unavailable' });
    // The inputs that fix it are the action's words, added by its hints.
    const shown = await failure.catch((error: unknown) => describeError(error, ACTION_HINTS));
    expect(shown).toMatch(/no xdelta3 on PATH.*set xdelta3-path.*xdelta3-url and xdelta3-sha256/);
  });
});

describe('provisionXdelta3 from a mirror (xdelta3-url + xdelta3-sha256)', () => {
  it('downloads a zip with the binary in a folder, then finds it in the cache', async () => {
    const request = { url: server.url('mirror/xdelta3.zip'), sha256: await sha256File(zipball) };

    const first = await provisionXdelta3(request, recordingLog().log, { manifest: noBuilds });

    expect(first.source).toBe('download');
    expect(await reportedVersion(first.path)).toBe(systemVersion);
    expect(server.requests).toEqual(['/mirror/xdelta3.zip']);

    const second = await provisionXdelta3(request, recordingLog().log, { manifest: noBuilds });

    expect(second).toEqual({ ...first, source: 'tool-cache' });
    expect(server.requests).toHaveLength(1);
    // Called without the action's wrapper, provisioning names the directory but leaves
    // PATH alone.
    expect(second.pathDir).toBe(dirname(first.path));
    expect(await readFile(githubPath, 'utf8')).toBe('');
  });

  it('does not reuse a cached xdelta3 that came from a different archive', async () => {
    const manifest = manifestFor(
      server.url(`dl/xdelta3-${VERSION}-${key}.tar.gz`),
      await sha256File(tarball),
    );
    await provisionXdelta3({}, recordingLog().log, { manifest });
    const mirror = { url: server.url('mirror/xdelta3.zip'), sha256: await sha256File(zipball) };

    const result = await provisionXdelta3(mirror, recordingLog().log, { manifest });

    expect(result.source).toBe('download');
    expect(server.requests).toEqual([
      `/dl/xdelta3-${VERSION}-${key}.tar.gz`,
      '/mirror/xdelta3.zip',
    ]);
  });

  it('accepts an upper-case sha256 and a URL with a query string, keeping the query out of the log', async () => {
    const request = {
      url: `${server.url('mirror/xdelta3.zip')}?X-Amz-Signature=secret`,
      sha256: (await sha256File(zipball)).toUpperCase(),
    };
    const { log, lines } = recordingLog();

    const result = await provisionXdelta3(request, log, { manifest: noBuilds });

    expect(result.source).toBe('download');
    expect(lines.some((line) => line.message.includes('secret'))).toBe(false);
  });

  it('refuses xdelta3-url without xdelta3-sha256, before any request', async () => {
    const failure = provisionXdelta3(
      { url: server.url('mirror/xdelta3.zip'), sha256: '' },
      recordingLog().log,
    );

    await expect(failure).rejects.toThrow(/download URL for xdelta3 is set without its sha256/);
    await expect(failure).rejects.toMatchObject({
      code: 'bad-setting',
      fields: { setting: 'xdelta3-sha256', other: 'xdelta3-url' },
    });
    const shown = await failure.catch((error: unknown) => describeError(error, ACTION_HINTS));
    expect(shown).toMatch(/\(input xdelta3-sha256, with xdelta3-url\)$/);
    expect(server.requests).toEqual([]);
  });

  it('refuses xdelta3-sha256 without xdelta3-url, and a sha256 that is not 64 hex digits', async () => {
    const { log } = recordingLog();
    await expect(provisionXdelta3({ sha256: 'ab'.repeat(32) }, log)).rejects.toThrow(
      /sha256 for an xdelta3 download is set without its URL/,
    );
    await expect(
      provisionXdelta3({ url: server.url('mirror/xdelta3.zip'), sha256: 'abc123' }, log),
    ).rejects.toThrow(/xdelta3-sha256 must be a sha256 of 64 hexadecimal digits/);
    expect(server.requests).toEqual([]);
  });

  it('refuses a non-http URL and a version that is not exact', async () => {
    const { log } = recordingLog();
    const sha = 'ab'.repeat(32);
    await expect(provisionXdelta3({ url: 'file:///tmp/x.zip', sha256: sha }, log)).rejects.toThrow(
      /xdelta3 download URL must be an http\(s\) URL/,
    );
    await expect(provisionXdelta3({ version: 'latest' }, log)).rejects.toThrow(
      /xdelta3 version must be an exact version/,
    );
  });
});

describe('provisionXdelta3 with xdelta3-path', () => {
  it('uses the binary as is and downloads nothing', async () => {
    const manifest = manifestFor(server.url('dl/never.tar.gz'), await sha256File(tarball));
    const { log, lines } = recordingLog();

    const request = { path: SYSTEM_XDELTA3, url: 'https://ignored', version: 'not checked' };
    const result = await provisionXdelta3(request, log, { manifest });

    expect(result).toEqual({ path: SYSTEM_XDELTA3, version: systemVersion, source: 'input-path' });
    expect(server.requests).toEqual([]);
    expect(await readdir(toolCache)).toEqual([]);
    expect(lines.some((line) => line.level === 'warning' && /ignored/.test(line.message))).toBe(
      true,
    );
  });

  it('fails when the file does not exist or is not xdelta3', async () => {
    const { log } = recordingLog();
    const missing = join(root, 'nope', 'xdelta3');
    await expect(provisionXdelta3({ path: missing }, log)).rejects.toThrow(
      `The xdelta3 executable ${missing} does not exist`,
    );
    await expect(provisionXdelta3({ path: '/bin/true' }, log)).rejects.toThrow(
      /did not report an xdelta3 version/,
    );
    const notExecutable = join(root, 'not-executable');
    await writeFile(notExecutable, 'plain text');
    await expect(provisionXdelta3({ path: notExecutable }, log)).rejects.toThrow(
      /does not run on this runner/,
    );
  });
});

describe('the manifest and its generator', () => {
  const generator = join(process.cwd(), 'scripts', 'generate-xdelta3-manifest.mjs');

  it('generates a manifest for every platform key the provisioner knows, which provisions', async () => {
    const assets = await mkdtemp(join(root, 'assets-'));
    const out = join(assets, 'manifest.json');
    const expected: Record<string, string> = {};
    for (const platform of PLATFORM_KEYS) {
      const name = `xdelta3-${VERSION}-${platform}.${platform.startsWith('windows') ? 'zip' : 'tar.gz'}`;
      if (platform === key) {
        await buildArchive('tar.gz', join(assets, name), [
          { name: 'xdelta3', from: SYSTEM_XDELTA3 },
        ]);
        expected[platform] = await sha256File(join(assets, name));
      } else {
        // Only the checksum file, as when the manifest is built from a release's asset list.
        expected[platform] = sha256(Buffer.from(platform));
        await writeFile(join(assets, `${name}.sha256`), `${expected[platform]}  ${name}\n`);
      }
    }
    const assetServer = await startToolServer({
      [`rel/xdelta3-${VERSION}-${key}.tar.gz`]: join(assets, `xdelta3-${VERSION}-${key}.tar.gz`),
    });
    try {
      await run(process.execPath, [
        generator,
        '--version',
        VERSION,
        '--dir',
        assets,
        '--base-url',
        assetServer.url('rel'),
        '--out',
        out,
      ]);
      const manifest = parseManifest(JSON.parse(await readFile(out, 'utf8')));
      const platforms = manifest.versions[VERSION]?.platforms ?? {};
      expect(Object.keys(platforms).sort()).toEqual([...PLATFORM_KEYS].sort());
      for (const [platform, asset] of Object.entries(platforms)) {
        expect(asset.sha256).toBe(expected[platform]);
      }

      const result = await provisionXdelta3({}, recordingLog().log, { manifest });

      expect(result.source).toBe('download');
      expect(assetServer.requests).toEqual([`/rel/xdelta3-${VERSION}-${key}.tar.gz`]);
    } finally {
      await assetServer.close();
    }
  });

  it('refuses an archive whose .sha256 file disagrees, and missing platforms unless allowed', async () => {
    const assets = await mkdtemp(join(root, 'assets-bad-'));
    const name = `xdelta3-${VERSION}-${key}.tar.gz`;
    await buildArchive('tar.gz', join(assets, name), [{ name: 'xdelta3', from: SYSTEM_XDELTA3 }]);
    await writeFile(join(assets, `${name}.sha256`), `${'0'.repeat(64)}  ${name}\n`);
    const out = join(assets, 'manifest.json');
    const args = [generator, '--version', VERSION, '--dir', assets, '--out', out];

    await expect(run(process.execPath, [...args, '--allow-missing'])).rejects.toThrow(
      /hashes to [0-9a-f]{64} but .*\.sha256 says 0{64}/,
    );
    await rm(join(assets, `${name}.sha256`));
    await expect(run(process.execPath, args)).rejects.toThrow(/missing in .*windows-x64\.zip/);
    await run(process.execPath, [...args, '--allow-missing']);
    const manifest = parseManifest(JSON.parse(await readFile(out, 'utf8')));
    expect(Object.keys(manifest.versions[VERSION]?.platforms ?? {})).toEqual([key]);
  });

  it('ships a manifest that parses and lists the default version', () => {
    expect(Object.keys(bundledManifest().versions)).toContain(DEFAULT_XDELTA3_VERSION);
  });

  it('rejects a malformed manifest naming the bad field', () => {
    expect(() =>
      parseManifest({
        versions: {
          '3.0.11': { platforms: { 'linux-x64': { url: 'https://x', sha256: 'nope' } } },
        },
      }),
    ).toThrow(/versions\["3\.0\.11"\]\.platforms\["linux-x64"\]\.sha256 must be a sha256/);
    expect(() =>
      parseManifest({ versions: { '3.0.11': { platforms: { 'beos-x64': {} } } } }),
    ).toThrow(/unknown platform "beos-x64"/);
  });
});
