// The compatibility policy's fixtures (docs/format.md): one small DeltaSpace per form a v1
// writer stores, checked in under __tests__/fixtures/forms/. Each is loaded into the test
// S3 as stored, and again without dg-reader (as writers before 1.0 stored it), and every
// file is downloaded by the CLI to the sha256 its source file had when it was made.
//
// DG_WRITE_FORM_FIXTURES=1 remakes them first (needs tar, gzip and zip); see the README.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ArchiveCodec } from '../../src/adapters/archive/archive-codec.js';
import { EXPANDED_MAGIC } from '../../src/adapters/archive/expanded-format.js';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { noise, text } from '../helpers/archive-fixtures.js';
import { runCli } from '../helpers/cli.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { serviceOver } from '../helpers/service-fixture.js';

const run = promisify(execFile);
const FORMS = new URL('../fixtures/forms/', import.meta.url).pathname;
const SPACE = 'app';

/** What a fixture folder holds: the objects as stored, and the files they rebuild. */
interface Fixture {
  /** The metadata a writer gave each object (its body is `objects/<key>`). */
  objects: Record<string, Record<string, string>>;
  /** The sha256 of each file when it was uploaded. */
  files: Record<string, string>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Two versions of a release of each form; `archive` turns on archive-aware uploads. */
interface Maker {
  form: string;
  archive: boolean;
  /** Writes version `v` (1 or 2) into `dir` and returns its path. */
  make(dir: string, v: number): Promise<string>;
}

async function tarOf(dir: string, v: number): Promise<Buffer> {
  const tree = join(dir, `tree-${v}`);
  await mkdir(join(tree, 'pkg'), { recursive: true });
  await writeFile(join(tree, 'pkg/readme.txt'), text(6000 + v * 40, 7));
  await writeFile(join(tree, 'pkg/data.bin'), Buffer.concat([noise(1500, 3), noise(50, v)]));
  const out = join(dir, `tree-${v}.tar`);
  const flags = ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner'];
  await run('tar', [...flags, '-cf', out, '-C', tree, 'pkg']);
  return readFile(out);
}

const MAKERS: Maker[] = [
  {
    form: 'direct',
    archive: false,
    async make(dir, v) {
      const path = join(dir, `notes-${v}.txt`);
      await writeFile(path, text(2000, v));
      return path;
    },
  },
  {
    form: 'xdelta3-delta',
    archive: false,
    async make(dir, v) {
      const path = join(dir, `app-${v}.bin`);
      const base = noise(6000, 11);
      base.set(noise(64, 20 + v), 3000);
      await writeFile(path, base);
      return path;
    },
  },
  {
    // Node's zlib makes the deflate stream: a recipe without a gzip port, view-v1.
    form: 'gzip-view-v1',
    archive: true,
    async make(dir, v) {
      const path = join(dir, `app-${v}.tgz`);
      await writeFile(path, gzipSync(await tarOf(dir, v), { level: 9 }));
      return path;
    },
  },
  {
    // GNU gzip -n -6: the deflate recipe names the bundled gzip port.
    form: 'gzip-port',
    archive: true,
    async make(dir, v) {
      const tar = join(dir, `port-${v}.tar`);
      await writeFile(tar, await tarOf(dir, v));
      await run('gzip', ['-n', '-6', '-f', tar]);
      return `${tar}.gz`;
    },
  },
  {
    // Info-ZIP zip: expanded form 3 (zip records), against the reference's view-v2.
    form: 'zip-view-v2',
    archive: true,
    async make(dir, v) {
      const tree = join(dir, `zip-${v}`);
      await mkdir(tree, { recursive: true });
      // An edit at the start: every deflate block after it changes, the plain delta is big.
      await writeFile(join(tree, 'readme.txt'), Buffer.concat([text(40 * v, v), text(20000, 9)]));
      await writeFile(join(tree, 'data.bin'), noise(1500, 4));
      const path = join(dir, `app-${v}.zip`);
      await run('zip', ['-q', '-X', '-9', path, 'readme.txt', 'data.bin'], { cwd: tree });
      return path;
    },
  },
];

/** Uploads both versions of a form with this build and writes what the bucket holds. */
async function writeFixture(maker: Maker): Promise<void> {
  const storage = new MemoryStorage();
  const fx = await serviceOver(storage, { archiveAware: maker.archive, minDeltaBytes: 1024 });
  const folder = join(FORMS, maker.form);
  try {
    const files: Fixture['files'] = {};
    for (const v of [1, 2]) {
      const path = await maker.make(fx.dir, v);
      await fx.service.uploads.upload(path, { bucket: 'b', prefix: SPACE });
      files[path.split('/').pop()!] = sha256(await readFile(path));
    }
    await rm(folder, { recursive: true, force: true });
    const objects: Fixture['objects'] = {};
    for (const [id, { body, metadata }] of storage.objects) {
      const key = id.slice('b/'.length);
      objects[key] = metadata;
      await mkdir(dirname(join(folder, 'objects', key)), { recursive: true });
      await writeFile(join(folder, 'objects', key), body);
    }
    const fixture: Fixture = { objects, files };
    await writeFile(join(folder, 'fixture.json'), `${JSON.stringify(fixture, null, 2)}\n`);
  } finally {
    await fx.cleanup();
  }
}

if (process.env.DG_WRITE_FORM_FIXTURES === '1') {
  beforeAll(async () => {
    for (const maker of MAKERS) await writeFixture(maker);
  }, 120_000);
}

let server: S3TestServer;
let s3: ReturnType<typeof createS3Client>;
let work: string;

beforeAll(async () => {
  server = await startS3Server();
  s3 = createS3Client(s3TestOptions(server.endpoint));
  work = await mkdtemp(join(tmpdir(), 'dg-forms-'));
});

afterAll(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

async function loadFixture(form: string): Promise<Fixture> {
  return JSON.parse(await readFile(join(FORMS, form, 'fixture.json'), 'utf8')) as Fixture;
}

/** Puts a fixture's objects into a new bucket; `strip` drops these metadata keys. */
async function load(form: string, fixture: Fixture, strip: string[] = []): Promise<string> {
  const bucket = await server.createBucket();
  for (const [key, metadata] of Object.entries(fixture.objects)) {
    const kept = Object.fromEntries(Object.entries(metadata).filter(([k]) => !strip.includes(k)));
    const body = await readFile(join(FORMS, form, 'objects', key));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: kept }));
  }
  return bucket;
}

test('there is a fixture for every form, each a few KB', async () => {
  expect((await readdir(FORMS)).filter((name) => !name.includes('.')).sort()).toEqual(
    MAKERS.map((m) => m.form).sort(),
  );
  for (const { form } of MAKERS) {
    const fixture = await loadFixture(form);
    for (const key of Object.keys(fixture.objects)) {
      expect((await readFile(join(FORMS, form, 'objects', key))).length).toBeLessThan(16 * 1024);
    }
  }
});

test('each fixture holds the form it is named for', async () => {
  const deltas = async (form: string) =>
    Object.entries((await loadFixture(form)).objects)
      .filter(([key]) => key.endsWith('.delta') && !key.includes('-1.'))
      .map(([, meta]) => [meta['dg-archive-codec'], meta['dg-ref-view']]);
  expect(Object.keys((await loadFixture('direct')).objects)).toEqual([
    'app/notes-1.txt',
    'app/notes-2.txt',
  ]);
  expect(await deltas('xdelta3-delta')).toEqual([[undefined, undefined]]);
  expect(await deltas('gzip-view-v1')).toEqual([['gzip', 'view-v1']]);
  expect(await deltas('gzip-port')).toEqual([['gzip', 'view-v1']]);
  expect(await deltas('zip-view-v2')).toEqual([['zip', 'view-v2']]);
});

/** The expanded-form version and recipes of a file, as this build's codec expands it. */
async function expandedForm(path: string): Promise<{ version: number; recipes: unknown[] }> {
  const out = `${path}.expanded`;
  const found = await new ArchiveCodec({ tempDir: work }).expand(path, out);
  expect(found && !('declined' in found)).toBe(true);
  const form = await readFile(out);
  expect(form.subarray(0, 8).equals(EXPANDED_MAGIC)).toBe(true);
  const header = JSON.parse(form.subarray(13, 13 + form.readUInt32BE(9)).toString('utf8'));
  return { version: form[8]!, recipes: header.recipes };
}

// Which expanded form a fixture's delta holds, read from the file it rebuilds to (the
// writer expanded the same bytes): its version byte and its deflate recipes.
const ARCHIVE_FORMS: [string, number, (recipes: unknown[]) => boolean][] = [
  ['gzip-view-v1', 1, (r) => !JSON.stringify(r).includes('"port"')],
  ['gzip-port', 1, (r) => JSON.stringify(r).includes('"port"')],
  ['zip-view-v2', 3, () => true],
];

describe.each(MAKERS.map((m) => m.form))('%s', (form) => {
  test.each([
    ['as stored (dg-reader 1.0)', []],
    ['without dg-reader, as writers before 1.0 stored it', ['dg-reader']],
  ])('downloads byte-exact, %s', async (_how, strip) => {
    const fixture = await loadFixture(form);
    const bucket = await load(form, fixture, strip);
    const out = join(work, `${form}-${bucket}`);
    for (const [name, expected] of Object.entries(fixture.files)) {
      const cache = join(work, 'cache', bucket);
      const r = await runCli(
        ['cp', `s3://${bucket}/${SPACE}/${name}`, `${out}/`],
        server.endpoint,
        cache,
      );
      expect({ name, code: r.code, err: r.err }).toEqual({ name, code: 0, err: '' });
      expect(existsSync(join(out, name))).toBe(true);
      expect(sha256(await readFile(join(out, name)))).toBe(expected);
    }
    const archive = ARCHIVE_FORMS.find(([name]) => name === form);
    if (archive && strip.length === 0) {
      const [, version, recipesFit] = archive;
      const second = Object.keys(fixture.files)[1]!;
      const { version: found, recipes } = await expandedForm(join(out, second));
      expect({ version: found, recipesFit: recipesFit(recipes) }).toEqual({
        version,
        recipesFit: true,
      });
    }
  });
});
