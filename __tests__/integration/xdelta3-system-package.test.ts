// Provisioning on every hosted runner's OS, run on this Linux machine: the platform is
// injected, and the package managers are scripts on a private PATH that record their
// calls (fake-package-managers.ts). The xdelta3 they "install" runs the real one.
import { jest } from '@jest/globals';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { msys2Layout } from '../../src/adapters/xdelta3/provision/msys2-install.js';
import type { RunnerPlatform } from '../../src/adapters/xdelta3/provision/platform.js';
import { provisionXdelta3 } from '../../src/adapters/xdelta3/provision/provision.js';
import type { Xdelta3Manifest } from '../../src/adapters/xdelta3/provision/manifest.js';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import {
  CallLog,
  fakeBrew,
  fakeMsys2,
  fakeXdelta3Body,
  script,
  SYSTEM_XDELTA3,
} from '../helpers/fake-package-managers.js';
import { buildArchive, startToolServer, type ToolServer } from '../helpers/tool-server.js';

const VERSION = '3.0.11';
const noBuilds: Xdelta3Manifest = { versions: { [VERSION]: { platforms: {} } } };

let root: string;
let dir: string;
let bin: string;
let calls: CallLog;
let originalEnv: NodeJS.ProcessEnv;

function recordingLog() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => lines.push({ level, message });
  const log = {
    debug: at('debug'),
    info: at('info'),
    warning: at('warning'),
    notice: at('notice'),
  };
  const loud = () => lines.filter((line) => line.level === 'warning' || line.level === 'notice');
  return { lines, log, loud };
}

/** A runner whose PATH is `bin` only (cp, chmod and true for the fakes; no /usr/bin). */
function runner(os: NodeJS.Platform, extra: Partial<RunnerPlatform> = {}): RunnerPlatform {
  return {
    os,
    arch: 'x64',
    env: { PATH: bin, RUNNER_TOOL_CACHE: process.env.RUNNER_TOOL_CACHE },
    path: path.posix,
    msys2Root: join(dir, 'msys64'),
    ...extra,
  };
}

beforeAll(async () => {
  // tool-cache prints ::debug:: lines on stdout; the assertions read the recording log.
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  root = await mkdtemp(join(tmpdir(), 'xdelta3-system-package-'));
});

afterAll(async () => {
  jest.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  originalEnv = { ...process.env };
  dir = await mkdtemp(join(root, 'run-'));
  bin = join(dir, 'bin');
  await mkdir(bin);
  for (const tool of ['cp', 'chmod']) {
    const found = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
    await symlink(found, join(bin, tool));
  }
  await symlink('/bin/true', join(bin, 'true')); // `command -v true` names the builtin
  calls = new CallLog(join(dir, 'calls.log'));
  process.env.RUNNER_TOOL_CACHE = join(dir, 'tool-cache');
  process.env.RUNNER_TEMP = join(dir, 'temp');
  await mkdir(process.env.RUNNER_TEMP);
});

afterEach(() => {
  process.env = originalEnv;
});

describe('macOS: Homebrew', () => {
  it('installs the xdelta formula once, accepts its 3.1.0 quietly, then uses it without installing', async () => {
    const prefix = join(dir, 'homebrew');
    const installed = await fakeBrew(bin, prefix, calls, '3.1.0');
    const { log, lines, loud } = recordingLog();

    const first = await provisionXdelta3({}, log, {
      manifest: noBuilds,
      platform: runner('darwin'),
    });

    expect(first).toEqual({ path: installed, version: '3.1.0', source: 'system-package' });
    expect(await calls.take()).toEqual([
      'brew --prefix NO_AUTO_UPDATE=1',
      'brew install xdelta NO_AUTO_UPDATE=1',
      'brew --prefix NO_AUTO_UPDATE=1',
    ]);
    expect(loud()).toEqual([]);
    expect(lines.some((line) => /Installing xdelta3 with Homebrew/.test(line.message))).toBe(true);

    const second = await provisionXdelta3({}, log, {
      manifest: noBuilds,
      platform: runner('darwin'),
    });
    expect(second.path).toBe(installed);
    expect(await calls.take()).toEqual(['brew --prefix NO_AUTO_UPDATE=1']);
  });
});

describe('Windows: MSYS2', () => {
  it('installs xdelta3 with pacman into the MSYS2 tree and runs xdelta3.exe in place, PATH untouched', async () => {
    const runnerWin = runner('win32');
    const installed = await fakeMsys2(runnerWin.msys2Root, calls);
    const { log, loud } = recordingLog();

    const first = await provisionXdelta3({}, log, { manifest: noBuilds, platform: runnerWin });

    expect(first).toEqual({ path: installed, version: '3.1.0', source: 'system-package' });
    expect(installed.endsWith(join('usr', 'bin', 'xdelta3.exe'))).toBe(true);
    const usrBin = join(runnerWin.msys2Root, 'usr', 'bin');
    expect(await calls.take()).toEqual([`pacman -S --noconfirm --needed xdelta3 PATH0=${usrBin}`]);
    expect(loud()).toEqual([]);

    const second = await provisionXdelta3({}, log, { manifest: noBuilds, platform: runnerWin });
    expect(second.path).toBe(installed);
    expect(await calls.take()).toEqual([]);
  });

  it('fails with one error naming MSYS2 and the fixes when neither MSYS2 nor PATH has xdelta3', async () => {
    const failure = provisionXdelta3({}, recordingLog().log, {
      manifest: noBuilds,
      platform: runner('win32'),
    });
    await expect(failure).rejects.toMatchObject({ code: 'xdelta3-unavailable' });
    await expect(failure).rejects.toThrow(
      /MSYS2 cannot install it \(MSYS2 is not installed at .*msys64.*no xdelta3 on PATH/,
    );
  });

  it('builds the MSYS2 paths with the Windows path rules', () => {
    expect(msys2Layout('C:\\msys64', path.win32)).toEqual({
      usrBin: 'C:\\msys64\\usr\\bin',
      pacman: 'C:\\msys64\\usr\\bin\\pacman.exe',
      binaries: [
        'C:\\msys64\\usr\\bin\\xdelta3.exe',
        'C:\\msys64\\mingw64\\bin\\xdelta3.exe',
        'C:\\msys64\\ucrt64\\bin\\xdelta3.exe',
      ],
    });
  });

  describe('with a pinned zip in the manifest', () => {
    let server: ToolServer;
    let zip: string;
    beforeAll(async () => {
      zip = join(root, 'xdelta3-windows-x64.zip');
      await buildArchive('zip', zip, [{ name: 'xdelta3.exe', from: SYSTEM_XDELTA3 }]);
      server = await startToolServer({ 'xdelta3-windows-x64.zip': zip });
    });
    afterAll(() => server.close());

    it('downloads it, finds xdelta3.exe inside, caches it and uses no package manager', async () => {
      const runnerWin = runner('win32');
      await fakeMsys2(runnerWin.msys2Root, calls);
      const manifest: Xdelta3Manifest = {
        versions: {
          [VERSION]: {
            platforms: {
              'windows-x64': {
                url: server.url('xdelta3-windows-x64.zip'),
                sha256: await sha256File(zip),
              },
            },
          },
        },
      };
      const result = await provisionXdelta3({}, recordingLog().log, {
        manifest,
        platform: runnerWin,
      });
      expect(result.source).toBe('download');
      expect(result.path).toBe(join(result.pathDir!, 'xdelta3.exe'));
      expect(await calls.take()).toEqual([]);
    });
  });
});

describe('the pinned download on each of the five platforms', () => {
  const platforms = [
    ['linux', 'x64', 'linux-x64', 'tar.gz', 'xdelta3'],
    ['linux', 'arm64', 'linux-arm64', 'tar.gz', 'xdelta3'],
    ['darwin', 'x64', 'macos-x64', 'tar.gz', 'xdelta3'],
    ['darwin', 'arm64', 'macos-arm64', 'tar.gz', 'xdelta3'],
    ['win32', 'x64', 'windows-x64', 'zip', 'xdelta3.exe'],
  ] as const;
  let server: ToolServer;
  let manifest: Xdelta3Manifest;
  beforeAll(async () => {
    const files: Record<string, string> = {};
    const entries: Record<string, { url: string; sha256: string }> = {};
    for (const [, , key, kind, exe] of platforms) {
      const archive = join(root, `xdelta3-${VERSION}-${key}.${kind}`);
      await buildArchive(kind, archive, [{ name: exe, from: SYSTEM_XDELTA3 }]);
      files[`${key}.${kind}`] = archive;
      entries[key] = { url: '', sha256: await sha256File(archive) };
    }
    server = await startToolServer(files);
    for (const [, , key, kind] of platforms) entries[key]!.url = server.url(`${key}.${kind}`);
    manifest = { versions: { [VERSION]: { platforms: entries } } };
  });
  afterAll(() => server.close());

  it.each(platforms)(
    '%s %s downloads %s and caches %s under its arch',
    async (os, arch, key, kind, exe) => {
      const result = await provisionXdelta3({}, recordingLog().log, {
        manifest,
        platform: runner(os, { arch }),
      });
      expect(result.source).toBe('download');
      expect(result.path).toBe(join(result.pathDir!, exe));
      expect(result.pathDir).toContain(join('xdelta3', VERSION, arch));
      expect(server.requests.at(-1)).toBe(`/${key}.${kind}`);
    },
  );
});

describe('Linux: apt-get', () => {
  let usrBin: string;
  beforeEach(async () => {
    usrBin = join(dir, 'usr-bin');
    await mkdir(usrBin);
    await script(
      join(bin, 'sudo'),
      `echo "sudo $*" >> '${calls.file}'\n[ "$1" = -n ] || exit 1\nshift\nexec "$@"`,
    );
    await script(
      join(bin, 'apt-get'),
      `echo "apt-get $*" >> '${calls.file}'\n[ "$1" = install ] && cp '${SYSTEM_XDELTA3}' '${usrBin}/xdelta3'\nexit 0`,
    );
  });

  it('prefers the package manager to an xdelta3 further down PATH, and caches its binary', async () => {
    const other = join(dir, 'other');
    await mkdir(other);
    await script(join(other, 'xdelta3'), fakeXdelta3Body('3.0.11'));
    const linux = runner('linux');
    linux.env.PATH = [usrBin, bin, other].join(':');
    const { log, loud } = recordingLog();

    const result = await provisionXdelta3({}, log, { manifest: noBuilds, platform: linux });

    expect(result.source).toBe('system-package');
    expect(result.path).toBe(join(result.pathDir!, 'xdelta3'));
    expect(await calls.take()).toEqual([
      'sudo -n true',
      'sudo -n apt-get install -y -q --no-install-recommends xdelta3',
      'apt-get install -y -q --no-install-recommends xdelta3',
    ]);
    expect(loud()).toEqual([]);
  });

  it('uses the installed package as dpkg reports it, without sudo', async () => {
    await script(
      join(bin, 'dpkg-query'),
      `echo "dpkg-query $*" >> '${calls.file}'\nprintf 'install ok installed'`,
    );
    await script(join(usrBin, 'xdelta3'), fakeXdelta3Body('3.0.11'));
    const linux = runner('linux');
    linux.env.PATH = [usrBin, bin].join(':');

    const result = await provisionXdelta3({}, recordingLog().log, {
      manifest: noBuilds,
      platform: linux,
    });

    expect(result.source).toBe('system-package');
    expect(await calls.take()).toEqual(['dpkg-query -W -f=${Status} xdelta3']);
  });

  it('skips the package manager with xdelta3-install: never and uses PATH with an info line', async () => {
    await script(join(bin, 'xdelta3'), fakeXdelta3Body('3.0.11'));
    const { log, lines, loud } = recordingLog();

    const result = await provisionXdelta3({ install: 'never' }, log, {
      manifest: noBuilds,
      platform: runner('linux'),
    });

    expect(result).toEqual({
      path: join(bin, 'xdelta3'),
      version: '3.0.11',
      source: 'system-path',
    });
    expect(await calls.take()).toEqual([]);
    expect(loud()).toEqual([]);
    expect(lines.some((line) => /found on PATH.*xdelta3-install is never/.test(line.message))).toBe(
      true,
    );
  });

  it('warns once for an xdelta3 version not known to write the same VCDIFF, not for 3.1.0', async () => {
    const never = { install: 'never' as const };
    await script(join(bin, 'xdelta3'), fakeXdelta3Body('3.2.0'));
    const odd = recordingLog();
    await provisionXdelta3(never, odd.log, { manifest: noBuilds, platform: runner('linux') });
    expect(odd.loud().map((line) => line.message)).toEqual([
      'xdelta3 on PATH is xdelta3 3.2.0, not the requested 3.0.11; using it anyway.',
    ]);

    await script(join(bin, 'xdelta3'), fakeXdelta3Body('3.1.0'));
    const known = recordingLog();
    await provisionXdelta3(never, known.log, { manifest: noBuilds, platform: runner('linux') });
    expect(known.loud()).toEqual([]);
  });
});
