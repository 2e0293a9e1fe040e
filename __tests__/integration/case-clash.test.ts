// Keys that differ only in case, downloaded where the destination ignores case. Linux file
// systems here respect case, so the destination's case-swapped name is made a symlink to
// it: the probe (which only stats) then sees what it sees on NTFS or APFS.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { ignoresCase, swapCase } from '../../src/adapters/case-probe.js';
import { extractTar } from '../../src/adapters/tar/extract.js';
import { readTarIndex } from '../../src/adapters/tar/reader.js';
import { caseClashes } from '../../src/core/case-clash.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';

const space = { bucket: 'bucket', prefix: 'rel' };
let root: string;
let fx: ServiceFixture;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'case-clash-'));
  fx = await serviceOver(new MemoryStorage());
  for (const [name, text] of [
    ['App.bin', 'upper'],
    ['app.bin', 'lower'],
    ['other.bin', 'other'],
  ]) {
    const file = join(fx.dir, name!);
    await writeFile(file, text!);
    await fx.service.uploads.upload(file, space);
  }
});

afterAll(async () => {
  await fx.cleanup();
  await rm(root, { recursive: true, force: true });
});

/** A destination folder that answers to its case-swapped name too. */
async function caseInsensitiveDir(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  await symlink(dir, join(root, swapCase(name)));
  return dir;
}

it('refuses the whole download, writing nothing, where the destination ignores case', async () => {
  const dest = await caseInsensitiveDir('insensitive');

  const failure = fx.service.downloads.downloadAll(space, dest);

  await expect(failure).rejects.toMatchObject({ code: 'bad-input' });
  await expect(failure).rejects.toThrow(
    `differ only in case: ${join(dest, 'App.bin')} and ${join(dest, 'app.bin')}`,
  );
  expect(await readdir(dest)).toEqual([]);
});

it('downloads both where the destination respects case', async () => {
  const dest = join(root, 'sensitive');
  await mkdir(dest);

  await fx.service.downloads.downloadAll(space, dest);

  expect((await readdir(dest)).sort()).toEqual(['App.bin', 'app.bin', 'other.bin']);
  expect((await readFile(join(dest, 'App.bin'))).equals(Buffer.from('upper'))).toBe(true);
  expect((await readFile(join(dest, 'app.bin'))).equals(Buffer.from('lower'))).toBe(true);
});

it('refuses to unpack tar entries that differ only in case there, and unpacks both elsewhere', async () => {
  const tree = join(root, 'tar-tree');
  await mkdir(tree);
  await writeFile(join(tree, 'README'), 'upper');
  await writeFile(join(tree, 'readme'), 'lower');
  const tar = join(root, 'two.tar');
  execFileSync('tar', ['-cf', tar, '-C', tree, 'README', 'readme']);
  const entries = await readTarIndex(tar, 'two.tar');

  const dest = await caseInsensitiveDir('unpack-insensitive');
  const failure = extractTar(tar, entries, join(dest, 'out'), { overwrite: false });
  await expect(failure).rejects.toThrow(/differ only in case: .*README and .*readme/);
  expect(await readdir(dest)).toEqual([]);

  const sensitive = join(root, 'unpack-sensitive');
  await extractTar(tar, entries, sensitive, { overwrite: false });
  expect((await readdir(sensitive)).sort()).toEqual(['README', 'readme']);
});

describe('the probe', () => {
  it('answers for a folder that does not exist yet from its nearest existing one', async () => {
    const dest = await caseInsensitiveDir('probe-parent');
    expect(await ignoresCase(join(dest, 'not', 'yet', 'file.bin'))).toBe(true);
    expect(await ignoresCase(join(root, 'absent', 'file.bin'), 'linux')).toBe(false);
  });

  it('walks up past a folder name with no letter to swap', async () => {
    const digits = join(root, '123');
    await mkdir(digits);
    expect(swapCase('123-_')).toBe('123-_');
    expect(await ignoresCase(digits, 'linux')).toBe(false);
    const swappedParent = await caseInsensitiveDir('walk-up');
    await mkdir(join(swappedParent, '456'));
    expect(await ignoresCase(join(swappedParent, '456'), 'linux')).toBe(true);
  });

  it('groups names a case-insensitive file system would merge, also across NFC/NFD', () => {
    const nfd = 'd/cafe\u0301.bin';
    expect(
      caseClashes(['d/A.bin', 'd/a.bin', 'd/b.bin', 'D/B.BIN', 'd/caf\u00e9.bin', nfd]),
    ).toEqual([['d/A.bin', 'd/a.bin'], ['D/B.BIN', 'd/b.bin'], [nfd, 'd/caf\u00e9.bin'].sort()]);
    expect(caseClashes(['d/a.bin', 'd/a.bin', 'd/b.bin'])).toEqual([]);
    expect(caseClashes([path.win32.join('C:\\out', 'X.zip'), 'C:\\out\\x.zip'])).toHaveLength(1);
  });
});
