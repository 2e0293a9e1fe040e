// A fake runner for provisioning tests: scripts named like a package manager (brew,
// pacman.exe, dpkg-query, sudo + apt-get) that record their calls and "install" an
// xdelta3 that runs the real /usr/bin/xdelta3 but may report another version to -V.
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SYSTEM_XDELTA3 = '/usr/bin/xdelta3';

export async function script(file: string, body: string): Promise<void> {
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

/** An xdelta3 that says it is `version` to -V and is the real one otherwise. */
export function fakeXdelta3Body(version: string): string {
  return (
    `if [ "$1" = -V ]; then echo "Xdelta version ${version}, Copyright (C) Joshua MacDonald" >&2; exit 0; fi\n` +
    `exec ${SYSTEM_XDELTA3} "$@"`
  );
}

export class CallLog {
  constructor(readonly file: string) {}

  /** The calls since the last take, one line each. */
  async take(): Promise<string[]> {
    const text = await readFile(this.file, 'utf8').catch(() => '');
    await rm(this.file, { force: true });
    return text.split('\n').filter(Boolean);
  }
}

/** `brew` in `bin`: `--prefix` prints `prefix`; `install xdelta` puts an xdelta3 there. */
export async function fakeBrew(bin: string, prefix: string, calls: CallLog, version = '3.1.0') {
  await mkdir(join(prefix, 'bin'), { recursive: true });
  const installed = join(prefix, 'bin', 'xdelta3');
  const body = await xdelta3Body(prefix, version);
  await script(
    join(bin, 'brew'),
    `echo "brew $* NO_AUTO_UPDATE=$HOMEBREW_NO_AUTO_UPDATE" >> '${calls.file}'\n` +
      `case "$1" in\n` +
      `  --prefix) echo '${prefix}' ;;\n` +
      `  install) [ "$2" = xdelta ] && cp '${body}' '${installed}' && chmod 755 '${installed}' ;;\n` +
      `  *) exit 1 ;;\n` +
      `esac`,
  );
  return installed;
}

/** The fake xdelta3's script, kept beside `dir` for the fake installers to copy. */
async function xdelta3Body(dir: string, version: string): Promise<string> {
  const body = join(dir, 'xdelta3.body');
  await writeFile(body, `#!/bin/sh\n${fakeXdelta3Body(version)}\n`);
  return body;
}

/** An MSYS2 tree at `root`: usr/bin/pacman.exe, whose `-S ... xdelta3` adds usr/bin/xdelta3.exe. */
export async function fakeMsys2(root: string, calls: CallLog, version = '3.1.0') {
  const usrBin = join(root, 'usr', 'bin');
  await mkdir(usrBin, { recursive: true });
  const installed = join(usrBin, 'xdelta3.exe');
  const body = await xdelta3Body(root, version);
  await script(
    join(usrBin, 'pacman.exe'),
    `echo "pacman $* PATH0=\${PATH%%:*}" >> '${calls.file}'\n` +
      `[ "$1" = -S ] || [ "$1" = -Sy ] || exit 1\n` +
      `cp '${body}' '${installed}' && chmod 755 '${installed}'`,
  );
  return installed;
}
