// The compatibility policy (docs/format.md): every writer records dg-reader, and a reader
// refuses an object that names a newer release before it reads anything of it. Objects
// without the key (everything written before 1.0) read as they always did.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { DeltaGliderError } from '../../src/core/errors.js';
import { readability, WRITTEN_READER } from '../../src/core/form-level.js';
import {
  decodeObject,
  encodeDelta,
  encodeDirect,
  encodeReference,
} from '../../src/core/metadata.js';
import { ACTION_HINTS } from '../../src/action/hints.js';
import { CLI_HINTS } from '../../src/cli/hints.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';

const sha = 'a'.repeat(64);
const at = new Date('2026-12-08T01:00:00Z');

it('reads its own level and older ones, and refuses newer or unparsable values', () => {
  expect(readability(undefined)).toEqual({ readable: true });
  expect(readability('1.0')).toEqual({ readable: true });
  expect(readability('0.9')).toEqual({ readable: true });
  expect(readability('1.1')).toEqual({ readable: false, recorded: '1.1', release: '1.1' });
  expect(readability('2.0')).toEqual({ readable: false, recorded: '2.0', release: '2.0' });
  expect(readability('1.10')).toMatchObject({ readable: false, release: '1.10' });
  // Untrusted: cut, escaped, never a version it does not parse.
  expect(readability(`2\n${'9'.repeat(40)}`)).toEqual({
    readable: false,
    recorded: `2\\n${'9'.repeat(14)}`,
  });
  expect(readability(' 1.0')).toMatchObject({ readable: false });
});

it('is written by every writer, and decodes as unreadable whatever else the object holds', () => {
  const written = [
    encodeReference({ sourceName: 'a', sha256: sha, createdAt: at }),
    encodeDirect({ originalName: 'a', sha256: sha, size: 1, createdAt: at }),
    encodeDelta({
      ...{ originalName: 'a', sha256: sha, size: 1, createdAt: at, refKey: 'p/reference.bin' },
      ...{ refSha256: sha, deltaSize: 1, deltaCmd: 'xdelta3' },
    }),
  ];
  for (const meta of written) expect(meta['dg-reader']).toBe(WRITTEN_READER);
  expect(decodeObject(written[1]!).unreadable).toBeUndefined();
  expect(decodeObject({ ...written[1]!, 'dg-reader': '1.4' }).unreadable).toEqual({
    recorded: '1.4',
    release: '1.4',
  });
  // Even an object that otherwise looks plain (a future form may drop dg-file-sha256).
  expect(decodeObject({ 'dg-reader': '3.0' })).toMatchObject({ type: 'plain' });
  expect(decodeObject({ 'dg-reader': '3.0' }).unreadable?.release).toBe('3.0');
});

it('hints name the release in each shell', () => {
  const error = new DeltaGliderError('m', undefined, {
    code: 'unsupported-format',
    fields: { release: '1.3' },
  });
  expect(ACTION_HINTS['unsupported-format'](error)).toContain('1.3 or later: @v1');
  expect(CLI_HINTS['unsupported-format'](error)).toContain('npx @deltaglider-action/cli@1');
});

describe('downloads', () => {
  const BUCKET = 'bucket';
  const space = { bucket: BUCKET, prefix: 'app' };
  let storage: MemoryStorage;
  let fx: ServiceFixture;
  let v2: string;

  beforeEach(async () => {
    storage = new MemoryStorage();
    fx = await serviceOver(storage);
    const v1 = join(fx.dir, 'app-1.bin');
    v2 = join(fx.dir, 'app-2.bin');
    await writeArtifact(v1, 2 * 1024 * 1024, 3);
    await writeNextVersion(v1, v2, { seed: 4 });
    await fx.service.uploads.upload(v1, space);
    await fx.service.uploads.upload(v2, space);
  });
  afterEach(() => fx.cleanup());

  function setReader(key: string, value: string | undefined): void {
    const object = storage.objects.get(`${BUCKET}/${key}`)!;
    const { 'dg-reader': _old, ...rest } = object.metadata;
    object.metadata = value === undefined ? rest : { ...rest, 'dg-reader': value };
  }

  it('refuses a delta of a newer form with one error naming the release, and writes nothing', async () => {
    setReader('app/app-2.bin.delta', '1.3');
    const out = join(fx.dir, 'out');
    await mkdir(out);
    const failure = fx.service.downloads.download(space, 'app-2.bin', out);
    await expect(failure).rejects.toMatchObject({
      code: 'unsupported-format',
      fields: { release: '1.3' },
      message:
        's3://bucket/app/app-2.bin.delta records dg-reader 1.3: a form that deltaglider/action ' +
        '1.3 and later read, and this is 1.0.0; nothing was read',
    });
    expect(await readdir(out)).toEqual([]);
  });

  it('refuses a reference of a newer form before downloading it', async () => {
    setReader('app/reference.bin', '2.0');
    // Another job: the uploader's local copy of the reference is not there.
    const reader = await serviceOver(storage);
    try {
      const failure = reader.service.downloads.download(space, 'app-2.bin', join(fx.dir, 'out'));
      await expect(failure).rejects.toMatchObject({
        code: 'unsupported-format',
        fields: { release: '2.0' },
      });
      await expect(failure).rejects.toThrow('s3://bucket/app/reference.bin records dg-reader 2.0');
    } finally {
      await reader.cleanup();
    }
  });

  it('reads objects written before dg-reader existed exactly as before', async () => {
    setReader('app/app-2.bin.delta', undefined);
    setReader('app/reference.bin', undefined);
    const out = join(fx.dir, 'out');
    await fx.service.downloads.download(space, 'app-2.bin', out);
    expect((await readFile(join(out, 'app-2.bin'))).equals(await readFile(v2))).toBe(true);
  });
});
