// The package manager step on macOS: Homebrew's `xdelta` formula (xdelta3 3.1.0, built with
// liblzma). Hosted macOS runners have brew on PATH; its xdelta3 is used in place, under
// `brew --prefix`, because Homebrew keeps its prefix across jobs on a self-hosted Mac.
import { stat } from 'node:fs/promises';
import { findOnPath } from './which.js';
import type { RunnerPlatform } from './platform.js';
import { runCommand } from './run-command.js';
import type { SystemPackage } from './system-package.js';
import { DeltaGliderError } from '../../../core/errors.js';

const FORMULA = 'xdelta';
const BREW_TIMEOUT_MS = 10 * 60_000;
const QUERY_TIMEOUT_MS = 60_000;

export function brewPackage(runner: RunnerPlatform): SystemPackage {
  const brew = () => findOnPath('brew', runner.env, runner.os, runner.path);
  // Skips the auto-update (often 20-60 s) and the cleanup pass; the retry allows the update.
  const quick = {
    ...runner.env,
    HOMEBREW_NO_AUTO_UPDATE: '1',
    HOMEBREW_NO_INSTALL_CLEANUP: '1',
    HOMEBREW_NO_ENV_HINTS: '1',
  };

  async function prefixBinary(command: string): Promise<string | undefined> {
    const result = await runCommand(command, ['--prefix'], QUERY_TIMEOUT_MS, quick);
    const prefix = result.stdout.trim().split('\n')[0] ?? '';
    if (result.code !== 0 || !runner.path.isAbsolute(prefix)) return undefined;
    const binary = runner.path.join(prefix, 'bin', 'xdelta3');
    const info = await stat(binary).catch(() => undefined);
    return info?.isFile() ? binary : undefined;
  }

  return {
    label: 'Homebrew',
    cacheable: false,
    async installed() {
      const command = await brew();
      return command ? prefixBinary(command) : undefined;
    },
    async unavailable() {
      return (await brew()) ? undefined : 'brew is not on PATH';
    },
    async install() {
      const command = (await brew()) ?? 'brew';
      let result = await runCommand(command, ['install', FORMULA], BREW_TIMEOUT_MS, quick);
      if (result.code !== 0) {
        // Stale formulae on an old image: let brew update itself this once.
        const updating = { ...quick, HOMEBREW_NO_AUTO_UPDATE: '' };
        result = await runCommand(command, ['install', FORMULA], BREW_TIMEOUT_MS, updating);
      }
      const binary = result.code === 0 ? await prefixBinary(command) : undefined;
      if (!binary) {
        throw new DeltaGliderError(
          `brew install ${FORMULA} failed (exit ${result.code}: ${result.tail})`,
          `Install xdelta3 first (brew install ${FORMULA}), or give its path`,
          { code: 'xdelta3-unavailable' },
        );
      }
      return binary;
    },
  };
}
