// The built bundle with `pack` and `if-no-files-found`: a build directory goes up as one
// tar (the second build as a small delta) and comes back file for file with its modes;
// a hostile tar and existing files fail with one error and leave nothing behind; a path
// that matches nothing fails, warns or is ignored as the input says, and so does a download
// of a missing key (if-not-found).
import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expectOneError, useBundleSuite } from '../helpers/bundle-suite.js';

const suite = useBundleSuite();
const run = suite.run;
const oneError = expectOneError;

/** Relative path -> mode and sha of every regular file under `root` (symlinks followed). */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    const full = join(e.parentPath, e.name);
    const info = await stat(full);
    if (!info.isFile()) continue;
    const bytes = await readFile(full);
    out[full.slice(root.length + 1)] =
      `${(info.mode & 0o777).toString(8)} ${bytes.length} ${bytes.subarray(0, 16).toString('hex')}`;
  }
  return out;
}

/** A build directory of ~3 MiB: a binary blob, nested sources, a script, a symlink. */
async function writeBuild(root: string, blob: Buffer, version: string): Promise<void> {
  await mkdir(join(root, 'lib', 'nested'), { recursive: true });
  await writeFile(join(root, 'app.bin'), blob);
  await writeFile(join(root, 'lib', 'index.js'), `module.exports = '${version}';\n`);
  await writeFile(join(root, 'lib', 'nested', 'data.json'), JSON.stringify({ version }));
  await writeFile(join(root, 'start.sh'), `#!/bin/sh\necho ${version}\n`);
  await chmod(join(root, 'start.sh'), 0o755);
  await symlink('lib/index.js', join(root, 'main.js'));
}

describe('pack', () => {
  const blob = randomBytes(3 * 1024 * 1024);
  const space = () => `s3://${suite.bucket}/builds/`;

  it('uploads a build directory as one tar, the next build as a small delta, and restores it', async () => {
    const v1 = join(suite.job.workspace, 'build-v1');
    await writeBuild(v1, blob, '1.0.0');
    const first = await run({ path: 'build-v1/', 's3-url': space(), pack: 'build.tar' });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Packed 5 file\(s\), .* into build\.tar/);
    const [firstResult] = JSON.parse(first.outputs.results!) as { name: string }[];
    expect(firstResult!.name).toBe('build.tar');

    const v2 = join(suite.job.workspace, 'build-v2');
    const changed = Buffer.from(blob);
    changed.write('a small change in the middle of the binary', 1024 * 1024);
    await writeBuild(v2, changed, '1.0.1');
    const second = await run({ path: 'build-v2/**', 's3-url': space(), pack: 'build.tar' });
    expect(second.code).toBe(0);
    const [result] = JSON.parse(second.outputs.results!) as {
      kind: string;
      'original-bytes': number;
      'stored-bytes': number;
    }[];
    expect(result!.kind).toBe('delta');
    expect(result!['original-bytes']).toBeGreaterThan(3 * 1024 * 1024);
    expect(result!['stored-bytes']).toBeLessThan(64 * 1024);

    const dest = join(suite.job.dir, 'restored');
    const restored = await run({
      command: 'download',
      path: dest,
      's3-url': space(),
      pack: 'build.tar',
    });
    expect(restored.code).toBe(0);
    expect(await snapshot(dest)).toEqual(await snapshot(v2));
    expect(((await stat(join(dest, 'start.sh'))).mode & 0o777).toString(8)).toBe('755');
    // main.js was a symlink: it comes back as a regular file with its target's bytes.
    expect((await stat(join(dest, 'main.js'))).isFile()).toBe(true);

    // The object URL works too, and a second unpack finds every file already in place.
    const again = await run({
      command: 'download',
      path: dest,
      's3-url': `${space()}build.tar`,
      pack: 'build.tar',
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 file\(s\) written, 5 already there with the same bytes/);

    // `path` as people write it: relative to the workspace with a trailing slash, with ./,
    // absolute with a trailing slash (each used to overflow the stack).
    for (const path of ['restored-slash/', './restored-dot', `${suite.job.dir}/restored-abs/`]) {
      const written = await run({
        command: 'download',
        path,
        's3-url': space(),
        pack: 'build.tar',
      });
      expect({ path, code: written.code }).toEqual({ path, code: 0 });
      expect(await snapshot(resolve(suite.job.workspace, path))).toEqual(await snapshot(v2));
    }
  }, 120_000);

  it('refuses to replace a file with other bytes unless overwrite, writing nothing', async () => {
    const dest = join(suite.job.dir, 'occupied');
    await mkdir(join(dest, 'lib'), { recursive: true });
    await writeFile(join(dest, 'lib', 'index.js'), 'mine\n');
    const refused = await run({
      command: 'download',
      path: dest,
      's3-url': space(),
      pack: 'build.tar',
    });
    expect(oneError(refused)).toMatch(
      /::error::A file already exists with other content: .*occupied\/lib\/index\.js\. Nothing was downloaded/,
    );
    expect(await readdir(dest, { recursive: true })).toEqual(['lib', 'lib/index.js']);
    const replaced = await run({
      command: 'download',
      path: dest,
      's3-url': space(),
      pack: 'build.tar',
      overwrite: 'true',
    });
    expect(replaced.code).toBe(0);
    expect(await readFile(join(dest, 'lib', 'index.js'), 'utf8')).toBe(
      "module.exports = '1.0.1';\n",
    );
  }, 60_000);

  it('refuses a stored tar whose entry leaves the destination, writing nothing', async () => {
    const evil = join(suite.job.workspace, 'evil.tar');
    execFileSync('python3', [
      '-c',
      `import io, sys, tarfile
t = tarfile.open(sys.argv[1], 'w')
for name in ['fine.txt', '../../escaped.txt']:
    info = tarfile.TarInfo(name); info.size = 2; t.addfile(info, io.BytesIO(b'hi'))
t.close()`,
      evil,
    ]);
    const up = await run({ path: 'evil.tar', 's3-url': `s3://${suite.bucket}/evil/` });
    expect(up.code).toBe(0);
    const dest = join(suite.job.dir, 'evil-dest', 'inner');
    const refused = await run({
      command: 'download',
      path: dest,
      's3-url': `s3://${suite.bucket}/evil/`,
      pack: 'evil.tar',
    });
    expect(oneError(refused)).toMatch(
      /::error::s3:\/\/.*\/evil\/evil\.tar cannot be unpacked: entry "\.\.\/\.\.\/escaped\.txt" leaves the destination directory \(\.\.\)\. Nothing was written/,
    );
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(join(suite.job.dir, 'escaped.txt'))).toBe(false);
  }, 60_000);

  it.each([
    ['a name without .tar', 'build.tgz'],
    ['a path', 'out/build.tar'],
    ['a hidden name', '.tar'],
  ])('refuses %s with one error line', async (_label, pack) => {
    const result = await run({ path: 'x', 's3-url': space(), pack });
    expect(oneError(result)).toMatch(/^::error::Input pack must be a file name ending in \.tar/);
  });
});

describe('if-no-files-found', () => {
  const args = (value?: string) => ({
    path: 'no-such-dir/*.zip',
    's3-url': `s3://${suite.bucket}/none/`,
    ...(value ? { 'if-no-files-found': value } : {}),
  });

  it('fails the step by default', async () => {
    expect(oneError(await run(args()))).toMatch(
      /^::error::No file matches path \(no-such-dir\/\*\.zip\)\. .*if-no-files-found: warn/,
    );
  });

  it('warns with warn and passes, uploading nothing', async () => {
    const result = await run(args('warn'));
    expect(result.code).toBe(0);
    const warnings = result.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    expect(warnings).toEqual([
      '::warning::No file matches path (no-such-dir/*.zip); nothing was uploaded',
    ]);
    expect(result.outputs.files).toBe('0');
    expect(result.outputs.results).toBe('[]');
  });

  it('only logs with ignore', async () => {
    const result = await run(args('IGNORE'));
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/::(warning|error)/);
    expect(result.stdout).toMatch(/No file matches path .*; nothing was uploaded/);
  });

  it('refuses another value with one error line', async () => {
    expect(oneError(await run(args('skip')))).toBe(
      '::error::Input if-no-files-found must be error, warn or ignore, got "skip"',
    );
  });
});

describe('if-not-found', () => {
  const args = (value?: string) => ({
    command: 'download',
    path: join(suite.job.dir, 'not-found'),
    's3-url': `s3://${suite.bucket}/none/app-1.zip`,
    ...(value ? { 'if-not-found': value } : {}),
  });

  it('fails a download of a missing key by default', async () => {
    expect(oneError(await run(args()))).toMatch(/^::error::Neither s3:\/\/.*app-1\.zip nor/);
  });

  it('passes with ignore: found=false, nothing written, no warning', async () => {
    const result = await run(args('ignore'));
    expect(result.code).toBe(0);
    expect(result.outputs).toMatchObject({ found: 'false', files: '0' });
    expect(result.stdout).not.toMatch(/::(warning|error)/);
    expect(existsSync(join(suite.job.dir, 'not-found', 'app-1.zip'))).toBe(false);
  });
});
