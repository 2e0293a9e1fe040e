// The last resort on a runner without an xdelta3 build for it and without xdelta3 on
// PATH (stock ubuntu-latest today): install Debian/Ubuntu's `xdelta3` package with
// passwordless sudo and apt-get, say so in a notice, and keep the binary in the tool
// cache so later runs on this runner skip the install. `xdelta3-install: never` forbids
// it. Takes its messages as callbacks and returns the directory to put on PATH: adapters
// do not speak to @actions/core.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tc from '@actions/tool-cache';
import { makeExecutable } from './extract.js';
import { toolCacheArch } from './platform.js';
import { probeXdelta3 } from './probe.js';
import { findOnPath } from './which.js';
import { DeltaGliderError } from '../../../core/errors.js';

const TOOL = 'xdelta3';
const PACKAGE = 'xdelta3';
/** Marks a tool-cache entry that holds the apt package's binary, not a verified archive. */
const APT_MARKER = '.deltaglider-apt-package';
/** apt-get may wait for the runner's own apt runs to release the lock. */
const APT_TIMEOUT_MS = 5 * 60_000;

export type Xdelta3InstallMode = 'auto' | 'never';

export interface AptInstallHooks {
  notice(message: string): void;
  info(message: string): void;
}

export interface AptInstalled {
  path: string;
  version: string;
  source: 'tool-cache' | 'apt';
  /** The tool cache entry to put on PATH (absent when apt-get's own copy is used). */
  pathDir?: string;
}

/** An earlier run's apt-installed xdelta3 in the tool cache, or undefined. */
export async function cachedAptBinary(
  version: string,
  hooks: AptInstallHooks,
): Promise<AptInstalled | undefined> {
  // Outside a runner (no tool cache) there is nothing to find.
  const dir = process.env.RUNNER_TOOL_CACHE ? tc.find(TOOL, version, toolCacheArch()) : '';
  if (!dir) return undefined;
  const marker = await readFile(join(dir, APT_MARKER), 'utf8').catch(() => '');
  if (marker.trim() !== PACKAGE) return undefined;
  const binary = join(dir, TOOL);
  const reported = await probeXdelta3(binary).catch(() => undefined);
  if (!reported) return undefined;
  hooks.info(`Using xdelta3 ${reported} installed by an earlier run (tool cache): ${binary}`);
  return { path: binary, version: reported, source: 'tool-cache', pathDir: dir };
}

/**
 * Why apt cannot be used here (not Linux, no apt-get, no passwordless sudo), or
 * undefined when it can. Asks sudo with -n: it never waits for a password.
 */
export async function aptUnavailable(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `the runner is not Linux (${process.platform})`;
  if (!(await findOnPath('apt-get'))) return 'apt-get is not on PATH';
  if (!(await findOnPath('sudo'))) return isRoot() ? undefined : 'sudo is not on PATH';
  const probe = await run('sudo', ['-n', 'true'], 30_000);
  return probe.code === 0 ? undefined : 'sudo asks for a password';
}

/** Root without sudo runs apt-get itself; everyone else goes through `sudo -n`. */
async function aptCommand(): Promise<string[]> {
  return isRoot() && !(await findOnPath('sudo')) ? ['apt-get'] : ['sudo', '-n', 'apt-get'];
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Installs the xdelta3 package, copies its binary into the tool cache and uses that copy. */
export async function aptInstallXdelta3(
  version: string,
  why: string,
  hooks: AptInstallHooks,
): Promise<AptInstalled> {
  const [command, ...prefix] = await aptCommand();
  const install = [...prefix, 'install', '-y', '-q', '--no-install-recommends', PACKAGE];
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  hooks.notice(
    `Installing xdelta3 with apt-get (${PACKAGE} package), because ${why}. Set ` +
      'xdelta3-install: never to forbid this, or xdelta3-path / xdelta3-url to choose the binary.',
  );
  let result = await run(command!, install, APT_TIMEOUT_MS, env);
  if (result.code !== 0) {
    // A fresh runner's package lists may be stale or absent: refresh once and retry.
    await run(command!, [...prefix, 'update', '-q'], APT_TIMEOUT_MS, env);
    result = await run(command!, install, APT_TIMEOUT_MS, env);
  }
  if (result.code !== 0) {
    throw new DeltaGliderError(
      `apt-get could not install xdelta3 (exit ${result.code}: ${result.tail})`,
      'Install xdelta3 first (apt-get install xdelta3, brew install xdelta), or give its path',
      { code: 'xdelta3-unavailable' },
    );
  }
  const installed = (await findOnPath(TOOL)) ?? '/usr/bin/xdelta3';
  const reported = await probeXdelta3(installed);
  if (!process.env.RUNNER_TOOL_CACHE) {
    hooks.info(`Installed xdelta3 ${reported} with apt-get: ${installed}`);
    return { path: installed, version: reported, source: 'apt' };
  }
  // Cache a copy with a marker, so a later run on this runner finds it without apt.
  const staging = await mkdtemp(join(tmpdir(), 'xdelta3-apt-'));
  try {
    await copyFile(installed, join(staging, TOOL));
    await writeFile(join(staging, APT_MARKER), `${PACKAGE}\n`);
    const dir = await tc.cacheDir(staging, TOOL, version, toolCacheArch());
    await makeExecutable(join(dir, TOOL));
    hooks.info(`Installed xdelta3 ${reported} with apt-get; cached at ${dir}`);
    return { path: join(dir, TOOL), version: reported, source: 'apt', pathDir: dir };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function run(
  command: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; tail: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
      timeout: timeoutMs,
    });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (tail = (tail + chunk).slice(-500)));
    child.on('error', (error) => resolve({ code: -1, tail: error.message }));
    child.on('close', (code) => resolve({ code, tail: tail.trim() || 'no message' }));
  });
}
