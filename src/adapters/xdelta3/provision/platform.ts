// The one place that knows how a runner's OS and CPU are named in the manifest and in
// release asset names. Everything else asks this module. Provisioning takes a
// RunnerPlatform instead of reading `process`, so each OS's path (Homebrew, MSYS2, `.exe`
// names, `\\` paths) is tested on any machine.
import * as nodePath from 'node:path';
import type { PlatformPath } from 'node:path';

/** Manifest keys, also the `<os>-<arch>` part of release asset names. */
export const PLATFORM_KEYS = [
  'linux-x64',
  'linux-arm64',
  'macos-x64',
  'macos-arm64',
  'windows-x64',
] as const;

export type PlatformKey = (typeof PLATFORM_KEYS)[number];

const OS_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  linux: 'linux',
  darwin: 'macos',
  win32: 'windows',
};

export function isPlatformKey(value: string): value is PlatformKey {
  return (PLATFORM_KEYS as readonly string[]).includes(value);
}

/** The manifest key for this runner, or undefined when we publish no build for it. */
export function platformKey(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): PlatformKey | undefined {
  const key = `${OS_NAMES[platform] ?? platform}-${arch}`;
  return isPlatformKey(key) ? key : undefined;
}

/** Human-readable `platform/arch` for messages, also for platforms we do not support. */
export function describePlatform(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string {
  return `${platform}/${arch}`;
}

/** File name of the xdelta3 executable inside an archive on this OS. */
export function executableName(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'xdelta3.exe' : 'xdelta3';
}

/** The architecture directory used in the runner tool cache (`<tool>/<version>/<arch>`). */
export function toolCacheArch(arch: string = process.arch): string {
  return arch;
}

/** What provisioning needs to know about the runner it runs on. */
export interface RunnerPlatform {
  os: NodeJS.Platform;
  arch: string;
  /** PATH (and PATHEXT on Windows) are looked up here. */
  env: NodeJS.ProcessEnv;
  /** Builds paths on this OS: path.win32 on Windows. */
  path: PlatformPath;
  /** Where MSYS2 is installed on Windows (hosted runners: C:\\msys64). */
  msys2Root: string;
}

/** The runner this process runs on. */
export function hostPlatform(): RunnerPlatform {
  return {
    os: process.platform,
    arch: process.arch,
    env: process.env,
    path: nodePath,
    msys2Root: 'C:\\msys64',
  };
}
