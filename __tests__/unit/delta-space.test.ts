import path, { join, resolve } from 'node:path';
import {
  assertValidName,
  deltaKey,
  directKey,
  formatSpace,
  referenceKey,
  referenceKeyFor,
} from '../../src/core/delta-space.js';
import { destinationPath } from '../../src/core/downloader.js';
import { InputError } from '../../src/core/errors.js';

describe('keys of a DeltaSpace', () => {
  const nested = { bucket: 'b', prefix: 'releases/app' };
  const root = { bucket: 'b', prefix: '' };

  it('places objects under the prefix, or at the bucket root', () => {
    expect([referenceKey(nested), deltaKey(nested, 'a.zip'), directKey(nested, 'a.txt')]).toEqual([
      'releases/app/reference.bin',
      'releases/app/a.zip.delta',
      'releases/app/a.txt',
    ]);
    expect([referenceKey(root), deltaKey(root, 'a.zip')]).toEqual(['reference.bin', 'a.zip.delta']);
    expect(formatSpace(root)).toBe('s3://b/');
    expect(formatSpace(nested)).toBe('s3://b/releases/app/');
  });

  it('resolves a delta reference as dirname(ref-key)/reference.bin', () => {
    expect(referenceKeyFor('releases/app/reference.bin')).toBe('releases/app/reference.bin');
    expect(referenceKeyFor('releases/app/whatever')).toBe('releases/app/reference.bin');
    expect(referenceKeyFor('reference.bin')).toBe('reference.bin');
  });
});

describe('logical names', () => {
  it.each(['', '.', '..', 'a/b', 'a\\b', 'x\ny', 'reference.bin', 'app.zip.delta'])(
    'rejects %j',
    (name) => {
      expect(() => assertValidName(name)).toThrow(InputError);
    },
  );

  it.each(['app.zip', 'my app (1).zip', 'приложение.tar', '..hidden'])('accepts %j', (name) => {
    expect(() => assertValidName(name)).not.toThrow();
  });
});

describe('destinationPath', () => {
  const dir = resolve('/tmp/dest');

  it('joins a plain name inside the directory', () => {
    expect(destinationPath(dir, 'app.zip')).toBe(join(dir, 'app.zip'));
  });

  it.each(['../escape', '../../etc/passwd', '.'])(
    'refuses %j, which leaves the directory',
    (name) => {
      expect(() => destinationPath(dir, name)).toThrow(/outside/);
    },
  );
  describe('with Windows path rules', () => {
    const out = 'D:\\work\\out';
    it('joins with backslashes under the drive', () => {
      expect(destinationPath(out, 'app.zip', path.win32)).toBe('D:\\work\\out\\app.zip');
    });
    it('keeps a drive letter or UNC prefix in a name under the directory (join never resets the root)', () => {
      expect(destinationPath(out, 'C:\\x.dll', path.win32)).toBe('D:\\work\\out\\C:\\x.dll');
      expect(destinationPath(out, '\\\\server\\x', path.win32)).toBe('D:\\work\\out\\server\\x');
    });
    it.each(['..\\escape', 'sub\\..\\..\\x', '..'])(
      'refuses %j, which leaves the directory there',
      (name) => {
        expect(() => destinationPath(out, name, path.win32)).toThrow(/outside/);
      },
    );
  });
});
