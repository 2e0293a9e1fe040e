// Step 3 of provisioning: the runner's own package manager (apt-get on Linux, Homebrew on
// macOS, MSYS2's pacman on Windows). Each one says whether its xdelta3 is installed
// already (no install, no sudo), why it cannot install here, and how to install.
import type { RunnerPlatform } from './platform.js';
import { aptPackage } from './apt-install.js';
import { brewPackage } from './brew-install.js';
import { msys2Package } from './msys2-install.js';

export interface SystemPackage {
  /** How messages name it: "apt-get", "Homebrew", "MSYS2". */
  label: string;
  /** The package's xdelta3 when it is installed already; installs nothing. */
  installed(): Promise<string | undefined>;
  /** Why it cannot install here (no sudo, not on PATH, ...), or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /** Installs the package and returns its xdelta3; throws `xdelta3-unavailable` on failure. */
  install(): Promise<string>;
  /**
   * Whether a copy of the binary alone runs from the tool cache. Debian's does (its
   * libraries stay in /usr/lib); MSYS2's needs the DLLs beside it, and Homebrew keeps its
   * own prefix across jobs anyway.
   */
  cacheable: boolean;
}

/** The package manager of this runner's OS, or undefined where there is none we use. */
export function systemPackageFor(runner: RunnerPlatform): SystemPackage | undefined {
  if (runner.os === 'linux') return aptPackage(runner);
  if (runner.os === 'darwin') return brewPackage(runner);
  if (runner.os === 'win32') return msys2Package(runner);
  return undefined;
}
