// Obtains the xdelta3 binary the action runs, the setup-* actions' way: a binary the user
// names, else (1) the runner tool cache, (2) a download verified against a pinned sha256,
// (3) the runner's package manager (system-package.ts), (4) whatever xdelta3 is on PATH.
// The caller puts `pathDir` on PATH: that is the runner's business (the action's), not an
// adapter's. Every message is an info line: a notice on every job would be noise.
import * as tc from '@actions/tool-cache';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LoggerPort } from '../../../ports.js';
import { normalizeSha256 } from './checksum.js';
import { displayUrl, downloadVerified } from './download.js';
import { detectArchiveKind, extractArchive, findExecutable, makeExecutable } from './extract.js';
import {
  bundledManifest,
  findAsset,
  type ManifestAsset,
  type Xdelta3Manifest,
} from './manifest.js';
import { cachedPackageBinary, cachePackageBinary } from './package-cache.js';
import {
  describePlatform,
  executableName,
  hostPlatform,
  platformKey,
  type RunnerPlatform,
} from './platform.js';
import { probeXdelta3, readsSameVcdiff } from './probe.js';
import { systemPackageFor } from './system-package.js';
import { findOnPath } from './which.js';
import { DeltaGliderError } from '../../../core/errors.js';

/** The xdelta3 version the action ships by default (Debian's; the format notes were measured with it). */
export const DEFAULT_XDELTA3_VERSION = '3.0.11';

const TOOL = 'xdelta3';
/**
 * Written next to the cached binary: the sha256 of the archive it came from. A cache entry
 * is reused only for the same archive, so a mirror's build never stands in for ours (or
 * the reverse) on a self-hosted runner whose tool cache outlives the job.
 */
const ARCHIVE_MARKER = '.deltaglider-archive-sha256';

export interface Xdelta3Request {
  /** `xdelta3-version`; default DEFAULT_XDELTA3_VERSION. */
  version?: string;
  /** `xdelta3-path`: use this binary, download nothing. */
  path?: string;
  /** `xdelta3-url`: a mirror of the archive (needs `sha256`). */
  url?: string;
  /** `xdelta3-sha256`: sha256 of the archive at `url`. */
  sha256?: string;
  /** `xdelta3-install`: may the action use the runner's package manager (default auto). */
  install?: Xdelta3InstallMode;
}

/** `auto`: use the runner's package manager when nothing is pinned; `never`: do not. */
export type Xdelta3InstallMode = 'auto' | 'never';

export type Xdelta3Source =
  'input-path' | 'tool-cache' | 'download' | 'system-package' | 'system-path';

export interface Xdelta3Binary {
  /** Absolute path of the executable. */
  path: string;
  /** The version the binary reports (`xdelta3 -V`). */
  version: string;
  source: Xdelta3Source;
  /**
   * The directory to put on PATH for this step and later ones (a tool cache entry), as
   * the setup-* actions do; absent when the binary was given or found on PATH.
   */
  pathDir?: string;
}

export type ProvisionLogger = LoggerPort;

export interface ProvisionOptions {
  /** The table of archives to download from; default: the one bundled with the action. */
  manifest?: Xdelta3Manifest;
  /** The runner's OS, CPU, PATH and path rules; default: this process's. */
  platform?: RunnerPlatform;
}

/** Inputs arrive as '' when unset. */
function given(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function checkVersion(version: string): string {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new DeltaGliderError(
      `The xdelta3 version must be an exact version such as ${DEFAULT_XDELTA3_VERSION}, got "${version}"`,
      undefined,
      { code: 'bad-setting', fields: { setting: 'xdelta3-version' } },
    );
  }
  return version;
}

function checkUrl(url: string): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new DeltaGliderError(
      `The xdelta3 download URL is not a valid URL: ${displayUrl(url)}`,
      undefined,
      { code: 'bad-setting', fields: { setting: 'xdelta3-url' } },
    );
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new DeltaGliderError(
      `The xdelta3 download URL must be an http(s) URL, got a ${protocol} URL`,
      undefined,
      { code: 'bad-setting', fields: { setting: 'xdelta3-url' } },
    );
  }
  return url;
}

export async function provisionXdelta3(
  request: Xdelta3Request,
  log: ProvisionLogger,
  options: ProvisionOptions = {},
): Promise<Xdelta3Binary> {
  const runner = options.platform ?? hostPlatform();
  const path = given(request.path);
  const url = given(request.url);
  const sha256 = given(request.sha256);

  if (path) {
    if (url || sha256) {
      log.warning('xdelta3-path is set, so xdelta3-url and xdelta3-sha256 are ignored.');
    }
    return useGivenBinary(runner.path.resolve(path), log);
  }
  const version = checkVersion(given(request.version) ?? DEFAULT_XDELTA3_VERSION);
  if (url && !sha256) {
    throw new DeltaGliderError(
      'A download URL for xdelta3 is set without its sha256',
      'Downloaded binaries are only run after their checksum is verified: give the sha256 of ' +
        'the archive at that URL',
      { code: 'bad-setting', fields: { setting: 'xdelta3-sha256', other: 'xdelta3-url' } },
    );
  }
  if (sha256 && !url) {
    throw new DeltaGliderError(
      'A sha256 for an xdelta3 download is set without its URL',
      'It is the checksum of a mirror archive: give the URL too, or remove the sha256 to use ' +
        'the published archives',
      { code: 'bad-setting', fields: { setting: 'xdelta3-url', other: 'xdelta3-sha256' } },
    );
  }
  if (url && sha256) {
    const asset = { url: checkUrl(url), sha256: normalizeSha256(sha256, 'xdelta3-sha256') };
    return installArchive(asset, version, log, runner);
  }

  const lookup = findAsset(
    options.manifest ?? bundledManifest(),
    version,
    platformKey(runner.os, runner.arch),
    describePlatform(runner.os, runner.arch),
  );
  if (lookup.found) return installArchive(lookup.asset, version, log, runner);
  const fromPackage =
    request.install === 'never'
      ? { why: 'xdelta3-install is never' }
      : await useSystemPackage(version, lookup.reason, log, runner);
  if ('binary' in fromPackage) return fromPackage.binary;
  return useSystemPath(version, `${lookup.reason} and ${fromPackage.why}`, log, runner);
}

async function useGivenBinary(absolute: string, log: LoggerPort): Promise<Xdelta3Binary> {
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) {
    throw new DeltaGliderError(
      `The xdelta3 executable ${absolute} ${info ? 'is not a file' : 'does not exist'}`,
      'Point the path at the xdelta3 executable, or leave it empty to have xdelta3 provided',
      { code: 'bad-setting', fields: { setting: 'xdelta3-path', path: absolute } },
    );
  }
  const reported = await probeXdelta3(absolute);
  log.info(`Using xdelta3 ${reported} from xdelta3-path: ${absolute}`);
  return { path: absolute, version: reported, source: 'input-path' };
}

function warnIfIncompatible(reported: string, version: string, where: string, log: LoggerPort) {
  if (!readsSameVcdiff(reported, version)) {
    log.warning(`${where} is xdelta3 ${reported}, not the requested ${version}; using it anyway.`);
  }
}

/**
 * Step 3: the package manager's xdelta3, installed already or installed now (and, where
 * its binary runs alone, kept in the tool cache). Says why not when it cannot.
 */
async function useSystemPackage(
  version: string,
  reason: string,
  log: LoggerPort,
  runner: RunnerPlatform,
): Promise<{ binary: Xdelta3Binary } | { why: string }> {
  const cached = await cachedPackageBinary(version, runner);
  if (cached) {
    log.info(
      `Using xdelta3 ${cached.version} installed by an earlier run (tool cache): ${cached.path}`,
    );
    const binary = { path: cached.path, version: cached.version, pathDir: cached.dir };
    return { binary: { ...binary, source: 'tool-cache' } };
  }
  const manager = systemPackageFor(runner);
  if (!manager) return { why: `${runner.os} has no package manager the action uses` };
  let path = await manager.installed();
  if (path) {
    log.info(`Using the xdelta3 that ${manager.label} installed: ${path}`);
  } else {
    const why = await manager.unavailable();
    if (why) return { why: `${manager.label} cannot install it (${why})` };
    log.info(
      `Installing xdelta3 with ${manager.label}, because ${reason}. Set xdelta3-install: ` +
        'never to forbid this, or xdelta3-path / xdelta3-url to choose the binary.',
    );
    path = await manager.install();
  }
  const reported = await probeXdelta3(path);
  warnIfIncompatible(reported, version, `${manager.label}'s xdelta3`, log);
  const pathDir = manager.cacheable
    ? await cachePackageBinary(path, manager.label, version, runner)
    : undefined;
  if (!pathDir) return { binary: { path, version: reported, source: 'system-package' } };
  const cachedPath = join(pathDir, executableName(runner.os));
  log.info(`Kept a copy of xdelta3 ${reported} in the tool cache: ${cachedPath}`);
  return { binary: { path: cachedPath, version: reported, source: 'system-package', pathDir } };
}

/** Step 4: whatever xdelta3 is on PATH; else one error with the fixes. */
async function useSystemPath(
  version: string,
  reason: string,
  log: LoggerPort,
  runner: RunnerPlatform,
): Promise<Xdelta3Binary> {
  const found = await findOnPath(TOOL, runner.env, runner.os, runner.path);
  if (!found) {
    throw new DeltaGliderError(
      `No xdelta3 for this runner: ${reason}, and there is no xdelta3 on PATH`,
      'Install xdelta3 first (apt-get install xdelta3, brew install xdelta, pacman -S ' +
        'xdelta3), or give its path',
      { code: 'xdelta3-unavailable' },
    );
  }
  const reported = await probeXdelta3(found);
  log.info(
    `Using xdelta3 ${reported} found on PATH at ${found}, because ${reason}. Set ` +
      'xdelta3-path, or xdelta3-url and xdelta3-sha256, to choose the binary explicitly.',
  );
  warnIfIncompatible(reported, version, 'xdelta3 on PATH', log);
  return { path: found, version: reported, source: 'system-path' };
}

async function cachedBinary(
  asset: ManifestAsset,
  version: string,
  log: LoggerPort,
  runner: RunnerPlatform,
) {
  const dir = tc.find(TOOL, version, runner.arch);
  if (!dir) return undefined;
  const marker = await readFile(join(dir, ARCHIVE_MARKER), 'utf8').catch(() => '');
  if (marker.trim() !== asset.sha256) {
    log.info(`Tool cache has xdelta3 ${version} at ${dir} from another archive; downloading.`);
    return undefined;
  }
  const binary = join(dir, executableName(runner.os));
  try {
    return { dir, binary, reported: await probeXdelta3(binary) };
  } catch (error) {
    log.warning(`Cached xdelta3 at ${dir} is unusable, downloading again: ${String(error)}`);
    return undefined;
  }
}

async function installArchive(
  asset: ManifestAsset,
  version: string,
  log: LoggerPort,
  runner: RunnerPlatform,
): Promise<Xdelta3Binary> {
  const hit = await cachedBinary(asset, version, log, runner);
  if (hit) {
    log.info(`Using xdelta3 ${hit.reported} from the tool cache: ${hit.binary}`);
    return { path: hit.binary, version: hit.reported, source: 'tool-cache', pathDir: hit.dir };
  }

  const archive = await downloadVerified(asset.url, asset.sha256, log);
  let extracted: string | undefined;
  try {
    extracted = await extractArchive(archive, await detectArchiveKind(archive));
    const binary = await findExecutable(extracted, executableName(runner.os));
    await makeExecutable(binary);
    // Probe before caching, so a binary that cannot run here never enters the cache.
    const reported = await probeXdelta3(binary);
    warnIfIncompatible(reported, version, `The xdelta3 ${version} archive`, log);
    await writeFile(join(dirname(binary), ARCHIVE_MARKER), `${asset.sha256}\n`);
    const dir = await tc.cacheDir(dirname(binary), TOOL, version, runner.arch);
    const cached = join(dir, basename(binary));
    await makeExecutable(cached);
    log.info(`Installed xdelta3 ${reported} into the tool cache: ${cached}`);
    return { path: cached, version: reported, source: 'download', pathDir: dir };
  } finally {
    await rm(archive, { force: true });
    if (extracted) await rm(extracted, { recursive: true, force: true });
  }
}
