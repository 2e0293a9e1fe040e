// Keeps a copy of a package manager's xdelta3 in the tool cache, marked as that package's
// (not a verified archive's), so a later job on a self-hosted runner whose packages were
// reset finds it without installing again. Only for packages whose binary runs alone.
import * as tc from '@actions/tool-cache';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeExecutable } from './extract.js';
import { executableName, type RunnerPlatform } from './platform.js';
import { probeXdelta3 } from './probe.js';

const TOOL = 'xdelta3';
/** Marks a tool-cache entry that holds a package's binary; its text is the package manager. */
const PACKAGE_MARKER = '.deltaglider-system-package';

export interface CachedPackageBinary {
  path: string;
  version: string;
  dir: string;
}

/** An earlier run's package binary in the tool cache, or undefined. */
export async function cachedPackageBinary(
  version: string,
  runner: RunnerPlatform,
): Promise<CachedPackageBinary | undefined> {
  // Outside a runner (no tool cache) there is nothing to find.
  const dir = runner.env.RUNNER_TOOL_CACHE ? tc.find(TOOL, version, runner.arch) : '';
  if (!dir) return undefined;
  const marker = await readFile(join(dir, PACKAGE_MARKER), 'utf8').catch(() => '');
  if (!marker.trim()) return undefined;
  const binary = join(dir, executableName(runner.os));
  const reported = await probeXdelta3(binary).catch(() => undefined);
  return reported ? { path: binary, version: reported, dir } : undefined;
}

/** Copies `binary` into the tool cache; returns the cached entry (undefined outside a runner). */
export async function cachePackageBinary(
  binary: string,
  label: string,
  version: string,
  runner: RunnerPlatform,
): Promise<string | undefined> {
  if (!runner.env.RUNNER_TOOL_CACHE) return undefined;
  const staging = await mkdtemp(join(tmpdir(), 'xdelta3-package-'));
  try {
    const name = executableName(runner.os);
    await copyFile(binary, join(staging, name));
    await writeFile(join(staging, PACKAGE_MARKER), `${label}\n`);
    const dir = await tc.cacheDir(staging, TOOL, version, runner.arch);
    await makeExecutable(join(dir, name));
    return dir;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
