// Temporary names never grow with the file's name, names too long for the file system
// are refused before anything is written, and what an interrupted run must remove is
// tracked exactly while it exists.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CleanupRegistry } from '../../src/adapters/cleanup.js';
import { LocalFiles } from '../../src/adapters/local-files.js';
import { LocalFileError } from '../../src/core/errors.js';

let dir: string;
let registry: CleanupRegistry;
let files: LocalFiles;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dg-local-files-'));
  registry = new CleanupRegistry();
  files = new LocalFiles(join(dir, 'scratch'), registry);
});

afterEach(async () => {
  await files.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('short temporary names', () => {
  const long = `${'n'.repeat(250)}.bin`;

  it('partial files beside a 254-byte name are .dg-<8 hex>', () => {
    expect(basename(files.partialPathFor(join(dir, long)))).toMatch(/^\.dg-[0-9a-f]{8}$/);
  });

  it('scratch files keep a short hint, and only the extension of a long one', () => {
    expect(basename(files.tempPath('reference.view'))).toMatch(/^[0-9a-f]{12}-reference\.view$/);
    expect(basename(files.tempPath(`${long}.delta`))).toMatch(/^[0-9a-f]{12}\.delta$/);
  });
});

describe('checkName', () => {
  it('refuses a name over 255 bytes, naming the path, without writing', async () => {
    const path = join(dir, 'out', `${'é'.repeat(128)}`); // 256 bytes
    const error = await files.checkName(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LocalFileError);
    expect((error as LocalFileError).local).toMatchObject({ code: 'ENAMETOOLONG', path });
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('accepts 255 bytes', async () => {
    await expect(files.checkName(join(dir, 'x'.repeat(255)))).resolves.toBeUndefined();
  });
});

describe('cleanup tracking', () => {
  it('tracks the scratch directory and partial files until they are removed or renamed', async () => {
    const a = files.partialPathFor(join(dir, 'a.bin'));
    const b = files.partialPathFor(join(dir, 'b.bin'));
    await writeFile(a, 'a');
    await writeFile(b, 'b');
    expect(registry.tracked.sort()).toEqual([a, b, files.scratchDir].sort());
    await files.rename(a, join(dir, 'a.bin'));
    await files.remove(b);
    expect(registry.tracked).toEqual([files.scratchDir]);
  });

  it('removeAllSync removes what is tracked, and nothing else', async () => {
    const partial = files.partialPathFor(join(dir, 'c.bin'));
    await writeFile(partial, 'partial');
    await writeFile(join(files.scratchDir, 'delta'), 'd');
    await writeFile(join(dir, 'c.bin.keep'), 'keep');
    registry.removeAllSync();
    expect(existsSync(partial)).toBe(false);
    expect(existsSync(files.scratchDir)).toBe(false);
    expect(existsSync(join(dir, 'c.bin.keep'))).toBe(true);
  });
});
