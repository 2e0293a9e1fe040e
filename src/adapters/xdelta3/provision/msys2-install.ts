// The package manager step on Windows: MSYS2, preinstalled on hosted Windows runners at
// C:\msys64 but not on PATH. Its xdelta3.exe needs the MSYS2 DLLs beside it, so it is run
// in place by absolute path; putting usr\bin on PATH would shadow Windows' own tools.
import { stat } from 'node:fs/promises';
import type { PlatformPath } from 'node:path';
import type { RunnerPlatform } from './platform.js';
import { runCommand } from './run-command.js';
import type { SystemPackage } from './system-package.js';
import { DeltaGliderError } from '../../../core/errors.js';

const PACKAGE = 'xdelta3';
const PACMAN_TIMEOUT_MS = 10 * 60_000;

export interface Msys2Layout {
  usrBin: string;
  pacman: string;
  /** Where an installed xdelta3.exe may be: the msys package, then the MinGW ones. */
  binaries: string[];
}

export function msys2Layout(root: string, path: PlatformPath): Msys2Layout {
  const usrBin = path.join(root, 'usr', 'bin');
  return {
    usrBin,
    pacman: path.join(usrBin, 'pacman.exe'),
    binaries: [usrBin, path.join(root, 'mingw64', 'bin'), path.join(root, 'ucrt64', 'bin')].map(
      (folder) => path.join(folder, 'xdelta3.exe'),
    ),
  };
}

async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false;
}

export function msys2Package(runner: RunnerPlatform): SystemPackage {
  const layout = msys2Layout(runner.msys2Root, runner.path);
  // pacman runs hooks with MSYS2's own tools: they must come first on its PATH.
  const env = {
    ...runner.env,
    PATH: [layout.usrBin, runner.env.PATH].filter(Boolean).join(runner.path.delimiter),
  };

  async function installed(): Promise<string | undefined> {
    for (const binary of layout.binaries) if (await isFile(binary)) return binary;
    return undefined;
  }

  return {
    label: 'MSYS2',
    cacheable: false,
    installed,
    async unavailable() {
      return (await isFile(layout.pacman))
        ? undefined
        : `MSYS2 is not installed at ${runner.msys2Root} (no ${layout.pacman})`;
    },
    async install() {
      const args = ['-S', '--noconfirm', '--needed', PACKAGE];
      let result = await runCommand(layout.pacman, args, PACMAN_TIMEOUT_MS, env);
      if (result.code !== 0) {
        // The image's package database may be older than the mirrors: refresh it once.
        result = await runCommand(layout.pacman, ['-Sy', ...args.slice(1)], PACMAN_TIMEOUT_MS, env);
      }
      const binary = result.code === 0 ? await installed() : undefined;
      if (!binary) {
        throw new DeltaGliderError(
          `MSYS2's pacman could not install ${PACKAGE} (exit ${result.code}: ${result.tail})`,
          `Install it first (C:\\msys64\\usr\\bin\\pacman.exe -S --noconfirm ${PACKAGE}), or give its path`,
          { code: 'xdelta3-unavailable' },
        );
      }
      return binary;
    },
  };
}
