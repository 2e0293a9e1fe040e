// The package manager step on Linux: Debian/Ubuntu's `xdelta3` package. It is used as is
// when dpkg says it is installed; else it is installed with passwordless sudo and apt-get
// (stock ubuntu-latest today has no xdelta3). `xdelta3-install: never` forbids installing.
import { findOnPath } from './which.js';
import type { RunnerPlatform } from './platform.js';
import { runCommand } from './run-command.js';
import type { SystemPackage } from './system-package.js';
import { DeltaGliderError } from '../../../core/errors.js';

const PACKAGE = 'xdelta3';
/** apt-get may wait for the runner's own apt runs to release the lock. */
const APT_TIMEOUT_MS = 5 * 60_000;
const QUERY_TIMEOUT_MS = 30_000;

export function aptPackage(runner: RunnerPlatform): SystemPackage {
  const which = (command: string) => findOnPath(command, runner.env, runner.os, runner.path);
  const env = { ...runner.env, DEBIAN_FRONTEND: 'noninteractive' };

  /** Root without sudo runs apt-get itself; everyone else goes through `sudo -n`. */
  async function aptCommand(): Promise<string[]> {
    const sudo = await which('sudo');
    if (sudo) return [sudo, '-n', 'apt-get'];
    return [(await which('apt-get')) ?? 'apt-get'];
  }

  return {
    label: 'apt-get',
    cacheable: true,
    async installed() {
      const dpkgQuery = await which('dpkg-query');
      if (!dpkgQuery) return undefined;
      const status = await runCommand(
        dpkgQuery,
        ['-W', '-f=${Status}', PACKAGE],
        QUERY_TIMEOUT_MS,
        env,
      );
      // "install ok installed"; a removed package leaves "deinstall ok config-files".
      if (status.code !== 0 || !/ ok installed$/.test(status.stdout.trim())) return undefined;
      return which('xdelta3');
    },
    async unavailable() {
      if (!(await which('apt-get'))) return 'apt-get is not on PATH';
      const sudo = await which('sudo');
      if (!sudo) return isRoot() ? undefined : 'sudo is not on PATH';
      // -n: sudo never waits for a password.
      const probe = await runCommand(sudo, ['-n', 'true'], QUERY_TIMEOUT_MS, env);
      return probe.code === 0 ? undefined : 'sudo asks for a password';
    },
    async install() {
      const [command, ...prefix] = await aptCommand();
      const install = [...prefix, 'install', '-y', '-q', '--no-install-recommends', PACKAGE];
      let result = await runCommand(command!, install, APT_TIMEOUT_MS, env);
      if (result.code !== 0) {
        // A fresh runner's package lists may be stale or absent: refresh once and retry.
        await runCommand(command!, [...prefix, 'update', '-q'], APT_TIMEOUT_MS, env);
        result = await runCommand(command!, install, APT_TIMEOUT_MS, env);
      }
      if (result.code !== 0) {
        throw new DeltaGliderError(
          `apt-get could not install xdelta3 (exit ${result.code}: ${result.tail})`,
          'Install xdelta3 first (apt-get install xdelta3), or give its path',
          { code: 'xdelta3-unavailable' },
        );
      }
      return (await which('xdelta3')) ?? '/usr/bin/xdelta3';
    },
  };
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}
