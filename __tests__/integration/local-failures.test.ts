// A full disk, a read-only one, too many open files: problems of this machine, reported as
// such (naming the path, and the bytes needed when known), never as a corrupt object.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { ArchiveCodec } from '../../src/adapters/archive/index.js';
import {
  asLocalError,
  localErrorInStderr,
  withLocalErrors,
} from '../../src/adapters/local-errors.js';
import { Sha256Hasher } from '../../src/adapters/sha256-hasher.js';
import { Xdelta3Differ } from '../../src/adapters/xdelta3/differ.js';
import { IntegrityError, LocalFileError } from '../../src/core/errors.js';
import { mountTmpfs, skipWithoutTmpfs } from '../helpers/tmpfs.js';

const MIB = 1024 * 1024;

describe('errno codes and xdelta3 messages become LocalFileErrors', () => {
  it('EMFILE from opening a file names the file and the fix', () => {
    const error = Object.assign(new Error('EMFILE: too many open files, open'), {
      code: 'EMFILE',
      path: '/work/out/app.zip',
    });
    const local = asLocalError(error, '/elsewhere');
    expect(local).toBeInstanceOf(LocalFileError);
    expect((local as LocalFileError).describe()).toBe(
      'Cannot write /work/out/app.zip: too many open files (EMFILE). This is a problem of this ' +
        'machine, not of the bucket: raise the open-file limit (ulimit -n), or lower concurrency',
    );
  });

  it('a spawn failure names the file being written, not the program', () => {
    const error = Object.assign(new Error('spawn xdelta3 EMFILE'), {
      code: 'EMFILE',
      path: 'xdelta3',
    });
    const local = asLocalError(error, '/out/app.bin', { ownPath: false }) as LocalFileError;
    expect(local.local.path).toBe('/out/app.bin');
  });

  it('hashing a file that cannot be opened names it', async () => {
    const path = join(tmpdir(), 'y'.repeat(300));
    const error = await new Sha256Hasher().sha256File(path).catch((e: unknown) => e);
    expect((error as LocalFileError).local).toMatchObject({
      code: 'ENAMETOOLONG',
      path,
      verb: 'read',
    });
  });

  it('other errors pass through unchanged', () => {
    const error = Object.assign(new Error('ECONNRESET'), { code: 'ECONNRESET' });
    expect(asLocalError(error, '/x')).toBe(error);
  });

  it.each([
    ['xdelta3: write failed: /d/out.bin: No space left on device', 'ENOSPC', '/d/out.bin', 'write'],
    [
      'xdelta3: file open failed: write: /ro/out: Read-only file system',
      'EROFS',
      '/ro/out',
      'write',
    ],
    [
      'xdelta3: file open failed: read: /r/ref.bin: Permission denied',
      'EACCES',
      '/r/ref.bin',
      'read',
    ],
  ])('reads %s', (stderr, code, path, verb) => {
    const local = localErrorInStderr(stderr, '/fallback');
    expect(local?.local).toMatchObject({ code, path, verb });
  });

  it('a corrupt delta is not mistaken for a local problem', () => {
    expect(
      localErrorInStderr('xdelta3: target window checksum mismatch: XD3_INVALID_INPUT', '/o'),
    ).toBeUndefined();
  });
});

const skip = skipWithoutTmpfs('local failures on tmpfs');

(skip ? describe.skip : describe)('on a real full or read-only disk', () => {
  let dir: string;
  const unmounts: (() => void)[] = [];
  const differ = new Xdelta3Differ({ binary: process.env.XDELTA3 ?? 'xdelta3' });
  let reference: string;
  let delta: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dg-local-'));
    reference = join(dir, 'v1.bin');
    const target = join(dir, 'v2.bin');
    delta = join(dir, 'v2.delta');
    await writeArtifact(reference, 3 * MIB, 1);
    await writeNextVersion(reference, target, { seed: 2 });
    await differ.encode(reference, target, delta);
  });

  afterAll(async () => {
    for (const unmount of unmounts.reverse()) unmount();
    await rm(dir, { recursive: true, force: true });
  });

  function mount(name: string, bytes: number, readOnly = false): string {
    const at = join(dir, name);
    unmounts.push(mountTmpfs(at, bytes, { readOnly }));
    return at;
  }

  it('decoding onto a full disk is ENOSPC on the output, not a corrupt delta', async () => {
    const full = mount('full', MIB);
    const out = join(full, 'v2.bin');
    const error = await differ.decode(reference, delta, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalFileError);
    expect(error).not.toBeInstanceOf(IntegrityError);
    const message = (error as LocalFileError).describe();
    expect(message).toMatch(
      new RegExp(
        `^Cannot write ${out}: no space left on the device \\(ENOSPC\\); [\\d,]+ bytes free there`,
      ),
    );
    expect(message).not.toMatch(/corrupt/);
  });

  it('decoding onto a read-only disk is EROFS on the output', async () => {
    const readOnly = mount('ro', MIB, true);
    const out = join(readOnly, 'v2.bin');
    const error = await differ.decode(reference, delta, out).catch((e: unknown) => e);
    expect((error as LocalFileError).local).toMatchObject({ code: 'EROFS', path: out });
  });

  it('writing a reference view onto a full disk names the view', async () => {
    // A gzip whose content is much bigger than the file: its view does not fit.
    const tar = join(dir, 'content.bin');
    await writeFile(tar, Buffer.alloc(4 * MIB, 'a'));
    execFileSync('gzip', ['-k', '-n', '-9', tar]);
    const full = mount('views', MIB);
    const viewPath = join(full, 'reference.view');
    const codec = withLocalErrors(new ArchiveCodec({ tempDir: dir }));
    const error = await codec.view(`${tar}.gz`, viewPath).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalFileError);
    expect((error as LocalFileError).local).toMatchObject({ code: 'ENOSPC', path: viewPath });
    expect(await readdir(full)).toEqual([]);
  });
});
