// The pack tar adapter against the real GNU tar and Python's tarfile: what it writes is
// deterministic and read by tar, what tar writes it reads back, and what a hostile tar
// holds (escaping paths, links, devices, duplicates, too many entries) is refused with
// one error before anything is written.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CleanupRegistry } from '../../src/adapters/cleanup.js';
import { extractTar } from '../../src/adapters/tar/extract.js';
import { DEFAULT_TAR_LIMITS, readTarIndex } from '../../src/adapters/tar/reader.js';
import { writeTar, type PackEntry } from '../../src/adapters/tar/writer.js';
import { packRoot } from '../../src/action/pack.js';

let dir: string;
let counter = 0;
const fresh = async (name: string) => {
  const path = join(dir, `${name}-${++counter}`);
  await mkdir(path, { recursive: true });
  return path;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dg-tar-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const LONG = `${'deep/'.repeat(30)}${'n'.repeat(120)}-é.bin`;

/** A build directory: nested files, an executable, an empty file, a long non-ASCII name, a symlink. */
async function makeBuild(root: string, version: string): Promise<void> {
  await mkdir(join(root, 'lib', 'sub'), { recursive: true });
  await writeFile(join(root, 'lib', 'a.js'), `export const version = '${version}';\n`.repeat(50));
  await writeFile(join(root, 'lib', 'sub', 'empty.txt'), '');
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\necho hi\n');
  await chmod(join(root, 'run.sh'), 0o755);
  await mkdir(join(root, LONG, '..'), { recursive: true });
  await writeFile(join(root, LONG), Buffer.alloc(70_000, version));
  await symlink('lib/a.js', join(root, 'link.js'));
}

async function entriesOf(root: string): Promise<PackEntry[]> {
  const all = await readdir(root, { recursive: true, withFileTypes: true });
  const out: PackEntry[] = [];
  for (const e of all) {
    const full = join(e.parentPath, e.name);
    if ((await stat(full)).isFile()) out.push({ path: full.slice(root.length + 1), source: full });
  }
  return out.reverse(); // any order: writeTar sorts
}

/** Relative path -> [mode, content] of every regular file under `root`. */
async function snapshot(root: string): Promise<Record<string, [string, string]>> {
  const out: Record<string, [string, string]> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    const full = join(e.parentPath, e.name);
    if (!(await stat(full)).isFile()) continue; // symlinks followed, as pack does
    const mode = ((await stat(full)).mode & 0o777).toString(8);
    out[full.slice(root.length + 1)] = [mode, (await readFile(full)).toString('base64')];
  }
  return out;
}

describe('writeTar', () => {
  it('writes the same bytes for the same files, whatever their mtimes, and GNU tar reads them', async () => {
    const build = await fresh('build');
    await makeBuild(build, '1');
    const first = join(await fresh('out'), 'a.tar');
    await writeTar(await entriesOf(build), first);
    await utimes(join(build, 'lib', 'a.js'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    const second = join(await fresh('out'), 'b.tar');
    await writeTar(await entriesOf(build), second);
    expect((await readFile(first)).equals(await readFile(second))).toBe(true);

    const listing = execFileSync('tar', ['--numeric-owner', '-tvf', first], { encoding: 'utf8' });
    const lines = listing.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/).slice(5).join(' '))).toEqual(
      [...lines.map((l) => l.split(/\s+/).slice(5).join(' '))].sort((a, b) =>
        Buffer.compare(Buffer.from(a), Buffer.from(b)),
      ),
    );
    for (const line of lines) expect(line).toMatch(/^-\S+ 0\/0 .* 2000-01-01 /);

    const byTar = await fresh('gnu-x');
    execFileSync('tar', ['-xf', first, '-C', byTar]);
    const expected = await snapshot(build);
    expect(await snapshot(byTar)).toEqual(expected);
    // The symlink was followed: link.js is a regular file with a.js's bytes.
    expect(expected['link.js']).toEqual(expected['lib/a.js']);
    expect(expected['run.sh']![0]).toBe('755');
  });

  it('round-trips through its own reader and extractor, modes kept', async () => {
    const build = await fresh('build');
    await makeBuild(build, '2');
    const tar = join(await fresh('out'), 'b.tar');
    await writeTar(await entriesOf(build), tar);
    const dest = join(await fresh('dest'), 'restored');
    const entries = await readTarIndex(tar, 'b.tar');
    const report = await extractTar(tar, entries, dest, { overwrite: false });
    expect(report.written).toBe(5);
    expect(await snapshot(dest)).toEqual(await snapshot(build));
    // Again: every file is already there with the same bytes.
    const again = await extractTar(tar, entries, dest, { overwrite: false });
    expect(again).toEqual({ written: 0, unchanged: 5, bytes: 0 });
  });

  it('reads what GNU tar writes (long names, directories, ./ prefixes)', async () => {
    const build = await fresh('build');
    await makeBuild(build, '3');
    await rm(join(build, 'link.js'));
    await mkdir(join(build, 'emptydir'));
    const tar = join(await fresh('out'), 'gnu.tar');
    execFileSync('tar', ['--format=gnu', '-cf', tar, '-C', build, '.']);
    const dest = await fresh('dest');
    await extractTar(tar, await readTarIndex(tar, 'gnu.tar'), dest, { overwrite: false });
    expect(await snapshot(dest)).toEqual(await snapshot(build));
    expect((await stat(join(dest, 'emptydir'))).isDirectory()).toBe(true);
  });

  it('refuses two files that would have the same path', async () => {
    const build = await fresh('build');
    await writeFile(join(build, 'x'), 'x');
    const tar = join(build, 'x.tar');
    await expect(
      writeTar(
        [
          { path: 'x', source: join(build, 'x') },
          { path: 'x', source: join(build, 'x') },
        ],
        tar,
      ),
    ).rejects.toThrow(/Two matched files would be packed as "x"/);
  });
});

describe('packRoot (upload-artifact rule)', () => {
  it('is the search path, the directory of a single file, or the common ancestor', () => {
    expect(packRoot(['/w/dist'], ['/w/dist/a', '/w/dist/b/c'])).toBe('/w/dist');
    expect(packRoot(['/w/dist/app.bin'], ['/w/dist/app.bin'])).toBe('/w/dist');
    expect(packRoot(['/w/a/x', '/w/b'], ['/w/a/x/1', '/w/b/2'])).toBe('/w');
    expect(packRoot(['/a', '/b'], ['/a/1', '/b/2'])).toBe('/');
  });
});

/** A tar made by Python's tarfile from a small script describing hostile members. */
function pythonTar(path: string, members: string): void {
  const script = `
import io, sys, tarfile
t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
def add(name, data=b'x', type=tarfile.REGTYPE, link=''):
    info = tarfile.TarInfo(name); info.type = type; info.linkname = link
    if type == tarfile.REGTYPE: info.size = len(data); t.addfile(info, io.BytesIO(data))
    else: t.addfile(info)
${members}
t.close()
`;
  execFileSync('python3', ['-c', script, path]);
}

describe('readTarIndex and extractTar on hostile archives', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a path with ..',
      `add('ok.txt'); add('a/../../evil')`,
      /entry "a\/..\/..\/evil" leaves the destination/,
    ],
    ['an absolute path', `add('/etc/evil')`, /entry "\/etc\/evil" is an absolute path/],
    [
      'a symlink',
      `add('ok.txt'); add('l', type=tarfile.SYMTYPE, link='/etc/passwd')`,
      /entry "l" is a symbolic link to "\/etc\/passwd"/,
    ],
    [
      'a hard link',
      `add('ok.txt'); add('h', type=tarfile.LNKTYPE, link='ok.txt')`,
      /entry "h" is a hard link/,
    ],
    ['a device', `add('dev', type=tarfile.CHRTYPE)`, /entry "dev" is a device file/],
    ['a FIFO', `add('p', type=tarfile.FIFOTYPE)`, /entry "p" is a FIFO/],
    ['a duplicate', `add('a'); add('./a', b'y')`, /entry "a" appears twice/],
    [
      'a file used as a directory',
      `add('a'); add('a/b')`,
      /entry "a\/b" is inside "a", which is a file/,
    ],
    [
      'a control character',
      `add('x\\n::error::y')`,
      /entry "x\\n::error::y" has a control character/,
    ],
    ['a long PAX path', `add('a/' * 2100 + 'x')`, /longer than 4096 bytes/],
  ];

  it.each(cases)('refuses %s, writing nothing', async (_label, members, message) => {
    const work = await fresh('hostile');
    const tar = join(work, 'h.tar');
    pythonTar(tar, members);
    const dest = join(work, 'dest');
    const attempt = readTarIndex(tar, 's3://b/p/h.tar').then((entries) =>
      extractTar(tar, entries, dest, { overwrite: false }),
    );
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toThrow(
      /^s3:\/\/b\/p\/h\.tar cannot be unpacked: .*Nothing was written$/,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses more entries than its limit', async () => {
    const tar = join(await fresh('many'), 'm.tar');
    pythonTar(tar, `for i in range(11): add('f%d' % i)`);
    await expect(
      readTarIndex(tar, 'm.tar', { ...DEFAULT_TAR_LIMITS, maxEntries: 10 }),
    ).rejects.toThrow(/it has more than 10 entries/);
  });

  it('refuses a truncated archive and one that is not a tar', async () => {
    const work = await fresh('trunc');
    const tar = join(work, 't.tar');
    pythonTar(tar, `add('big', b'z' * 5000)`);
    const bytes = await readFile(tar);
    await writeFile(tar, bytes.subarray(0, 2048));
    await expect(readTarIndex(tar, 't.tar')).rejects.toThrow(/the archive is truncated/);
    await writeFile(tar, Buffer.alloc(1024, 'A'));
    await expect(readTarIndex(tar, 't.tar')).rejects.toThrow(/bad checksum/);
  });

  it('never writes through a symlink in the destination', async () => {
    const work = await fresh('through');
    const outside = join(work, 'outside');
    await mkdir(outside);
    const dest = join(work, 'dest');
    await mkdir(dest);
    await symlink(outside, join(dest, 'sub'));
    const tar = join(work, 's.tar');
    pythonTar(tar, `add('top.txt'); add('sub/x.txt')`);
    const entries = await readTarIndex(tar, 's.tar');
    await expect(extractTar(tar, entries, dest, { overwrite: true })).rejects.toThrow(
      /^Cannot unpack into .*\/dest: .*\/dest\/sub is a symbolic link$/,
    );
    expect(await readdir(outside)).toEqual([]);
    expect((await readdir(dest)).sort()).toEqual(['sub']);
  });

  it('keeps an existing file with other bytes unless overwrite, and writes nothing then', async () => {
    const work = await fresh('exists');
    const dest = join(work, 'dest');
    await mkdir(dest);
    await writeFile(join(dest, 'b'), 'mine');
    const tar = join(work, 'e.tar');
    pythonTar(tar, `add('a', b'1'); add('b', b'2')`);
    const entries = await readTarIndex(tar, 'e.tar');
    await expect(extractTar(tar, entries, dest, { overwrite: false })).rejects.toThrow(
      /A file already exists with other content: .*\/b/,
    );
    expect((await readdir(dest)).sort()).toEqual(['b']);
    await extractTar(tar, entries, dest, { overwrite: true });
    expect(await readFile(join(dest, 'b'), 'utf8')).toBe('2');
    expect(await readFile(join(dest, 'a'), 'utf8')).toBe('1');
  });
});

describe('writeTar refuses what unpacking would refuse', () => {
  it('names the file whose path has a backslash', async () => {
    const build = await fresh('build');
    await writeFile(join(build, 'a\\b.txt'), 'x');
    await expect(
      writeTar([{ path: 'a\\b.txt', source: join(build, 'a\\b.txt') }], join(build, 'o.tar')),
    ).rejects.toThrow(
      /^Cannot pack .*a\\b\.txt: its path in the tar \("a\\\\b\.txt"\) has a backslash in its name, which unpacking refuses$/,
    );
  });
});

describe('extractTar and interrupts', () => {
  // A signal is handled between two steps of the event loop; a directory or file made
  // before it was tracked stayed behind when the signal came in between (seen in the
  // CLI's cancellation test: an empty lib/ left in the destination).
  it('tracks each directory and file before it exists, the missing parents of the destination included', async () => {
    const work = await fresh('track-first');
    const tar = join(work, 't.tar');
    pythonTar(tar, `add('a/one.txt', b'1' * 600); add('two.txt', b'2')`);
    const entries = await readTarIndex(tar, 't.tar');
    const dest = join(work, 'missing', 'dest');
    const existedWhenTracked: Record<string, boolean> = {};
    const registry = new CleanupRegistry();
    const tracker = {
      track: (path: string) => {
        if (!/\.dg-/.test(path)) existedWhenTracked[path.slice(work.length)] = existsSync(path);
        return registry.track(path);
      },
    };
    await extractTar(tar, entries, dest, { overwrite: false, cleanup: tracker });
    expect(existedWhenTracked).toEqual({
      '/missing': false,
      '/missing/dest/a': false,
      '/missing/dest/a/one.txt': false,
      '/missing/dest/two.txt': false,
    });
    expect(registry.tracked).toEqual([]);
  });
});

describe('extractTar when a write fails half-way', () => {
  it('removes what it created, and tells the cleanup registry only while it works', async () => {
    const work = await fresh('halfway');
    const tar = join(work, 'h.tar');
    pythonTar(tar, `add('a/one.txt', b'1' * 600); add('b/two.txt', b'2' * 600)`);
    const entries = await readTarIndex(tar, 'h.tar');
    // The index is read; then the tar loses its second file's bytes.
    await writeFile(tar, (await readFile(tar)).subarray(0, 512 * 4));
    const dest = join(work, 'dest');
    const registry = new CleanupRegistry();
    const seen: string[] = [];
    const tracker = {
      track: (path: string) => {
        seen.push(path.slice(dest.length));
        return registry.track(path);
      },
    };
    await expect(
      extractTar(tar, entries, dest, { overwrite: false, cleanup: tracker }),
    ).rejects.toThrow(/changed while it was unpacked/);
    expect(existsSync(dest)).toBe(false);
    expect(registry.tracked).toEqual([]);
    expect(seen.filter((p) => !/\.dg-/.test(p))).toEqual(['', '/a', '/b', '/a/one.txt']);
  });
});
