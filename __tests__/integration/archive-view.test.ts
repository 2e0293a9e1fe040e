// ArchiveCodec.view, the reference side of archive-aware deltas, against real containers
// (Node's zlib, GNU gzip, GNU tar, Info-ZIP zip) and xdelta3. The expected views are built
// from the contents the tests compressed, never taken from the code under test; every
// "no view" must leave no file behind.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import {
  ArchiveCodec,
  VIEW_VERSION,
  type ArchiveCodecOptions,
} from '../../src/adapters/archive/index.js';
import { offsetsAsDifferences } from '../../src/adapters/archive/zip-structure.js';
import { noise, scratch, sha256, text } from '../helpers/archive-fixtures.js';

const run = promisify(execFile);
const work = await scratch('dg-archive-view-test-');
const workDir = work.dir;
const tempPath = work.tempPath;
const file = work.file;

afterAll(() => work.cleanup());

function codec(options: ArchiveCodecOptions = {}): ArchiveCodec {
  return new ArchiveCodec({ tempDir: workDir, ...options });
}

/** The view's bytes, or undefined when there is none (and then no file was left). */
async function viewOf(
  original: string,
  viewer: ArchiveCodec = codec(),
  version?: string,
): Promise<Buffer | undefined> {
  const target = tempPath('view');
  const viewed = await viewer.view(original, target, { version });
  if (!viewed) {
    expect(existsSync(target)).toBe(false);
    return undefined;
  }
  return readFile(target);
}

/** Compares large buffers without Jest diffing megabytes on failure. */
function expectSameBytes(actual: Buffer | undefined, expected: Buffer): void {
  expect(actual).toBeDefined();
  expect({ length: actual!.length, sha256: sha256(actual!) }).toEqual({
    length: expected.length,
    sha256: sha256(expected),
  });
}

/** `gzip <flags> -c file` as bytes. */
async function gzipFile(flags: string[], source: string): Promise<Buffer> {
  const { stdout } = await run('gzip', [...flags, '-c', source], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout as unknown as Buffer;
}

/** A valid single-member gzip that no expand recipe writes: a sync flush part-way through. */
async function gzipWithSyncFlush(content: Buffer, flushAt: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level: 6 });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => gzip.on('end', resolve));
  gzip.write(content.subarray(0, flushAt));
  await new Promise<void>((resolve) => gzip.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve()));
  gzip.end(content.subarray(flushAt));
  await done;
  return Buffer.concat(chunks);
}

/** A source tree of text files, one binary, one empty file; `edit` makes the next release. */
async function sourceTree(edit: number): Promise<string> {
  const root = tempPath('tree');
  await mkdir(path.join(root, 'pkg', 'lib'), { recursive: true });
  const edited = (content: Buffer) => {
    const copy = Buffer.from(content);
    // A few scattered changes per file, as between two releases of the same code.
    for (let at = 1_000; edit > 0 && at < copy.length; at += 97_000) {
      copy.write(`/* release ${edit} */`, at);
    }
    return copy;
  };
  await writeFile(path.join(root, 'pkg', 'package.json'), `{"name":"pkg","version":"1.${edit}"}`);
  await writeFile(path.join(root, 'pkg', 'lib', 'index.js'), edited(text(900_000, 1)));
  await writeFile(path.join(root, 'pkg', 'lib', 'util.js'), edited(text(200_000, 2)));
  await writeFile(path.join(root, 'pkg', 'lib', 'tiny.js'), text(200, 3));
  await writeFile(path.join(root, 'pkg', 'README.md'), edited(text(5_000, 4)));
  await writeFile(path.join(root, 'pkg', 'blob.bin'), noise(30_000, 5));
  await writeFile(path.join(root, 'pkg', 'empty.txt'), '');
  if (edit > 0) await writeFile(path.join(root, 'pkg', 'lib', 'new.js'), text(20_000, 6));
  return root;
}

/** Every regular file of a tree with its bytes. */
async function treeFiles(root: string): Promise<{ name: string; content: Buffer }[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const full = path.join(entry.parentPath, entry.name);
        return { name: path.relative(root, full), content: await readFile(full) };
      }),
  );
}

describe('gzip', () => {
  test('the view is the content, whatever compressor wrote it', async () => {
    const content = text(1_500_000, 7);
    const source = await file('content.txt', content);
    const made = {
      'Node zlib level 9': zlib.gzipSync(content, { level: 9 }),
      'gzip -6 (file name and mtime in the header)': await gzipFile(['-6'], source),
      'gzip -1 -n': await gzipFile(['-1', '-n'], source),
      'a sync flush no expand recipe reproduces': await gzipWithSyncFlush(content, 700_000),
    };
    for (const [what, bytes] of Object.entries(made)) {
      const original = await file('content.gz', bytes);
      expect([what, (await viewOf(original))?.equals(content)]).toEqual([what, true]);
    }
    // The last one has a view but no expanded form: the view depends on no recipe.
    const flushed = await file('flushed.gz', made['a sync flush no expand recipe reproduces']);
    await expect(codec().expand(flushed, tempPath('expanded'))).resolves.toBeUndefined();
  });

  test('several members: their contents back to back, across read-chunk boundaries', async () => {
    const [first, second, third] = [text(1_300_000, 8), Buffer.alloc(0), text(2_100_000, 9)];
    const members = Buffer.concat([
      zlib.gzipSync(first, { level: 6 }),
      zlib.gzipSync(second),
      await gzipFile(['-9'], await file('third.txt', third)),
    ]);
    expectSameBytes(
      await viewOf(await file('members.gz', members)),
      Buffer.concat([first, second, third]),
    );
  });

  const sample = zlib.gzipSync(text(200_000, 10), { level: 6 });
  const flip = (at: number) => {
    const copy = Buffer.from(sample);
    copy[at] = copy[at]! ^ 0xff;
    return copy;
  };
  test.each([
    ['trailing garbage', Buffer.concat([sample, Buffer.from('garbage')])],
    ['zero padding', Buffer.concat([sample, Buffer.alloc(512)])],
    // Node's gunzip alone would stop at the zero byte and silently skip the second member.
    ['a member after zero padding', Buffer.concat([sample, Buffer.alloc(4), sample])],
    ['truncated in the deflate stream', sample.subarray(0, sample.length - 1_000)],
    ['truncated in the trailer', sample.subarray(0, sample.length - 3)],
    ['a header and nothing else', sample.subarray(0, 10)],
    ['a corrupt deflate stream', flip(Math.floor(sample.length / 2))],
    ['a wrong CRC-32 in the trailer', flip(sample.length - 6)],
  ])('no view, and no file, for %s', async (_what, bytes) => {
    await expect(viewOf(await file('bad.gz', bytes))).resolves.toBeUndefined();
  });
});

/** One entry of a zip written by `buildZip`. */
interface ZipInput {
  name: string;
  content: Buffer;
  /** The entry's data as stored in the zip (defaults to deflateRaw(content)). */
  data?: Buffer;
  method?: number;
  flags?: number;
  /** Whether the view must show `content` in place of `data` (the definition under test). */
  viewed: boolean;
}

/** Records as docs/format.md defines them for view-v2: 'R' u64 length, 'D' u64 u64, 'E'. */
function u64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}
const rawRecord = (bytes: Buffer) => Buffer.concat([Buffer.from('R'), u64(bytes.length), bytes]);
const contentRecord = (content: Buffer, deflateLength: number) =>
  Buffer.concat([Buffer.from('D'), u64(content.length), u64(deflateLength), content]);
const END_RECORD = Buffer.from('E');
/** 'Z': a central directory whose local header offsets are differences from the previous. */
function directoryRecord(directory: Buffer): Buffer {
  const copy = Buffer.from(directory);
  let previous = 0;
  for (let at = 0; at < copy.length;) {
    const offset = copy.readUInt32LE(at + 42);
    copy.writeUInt32LE((offset - previous) >>> 0, at + 42);
    previous = offset;
    at += 46 + copy.readUInt16LE(at + 28) + copy.readUInt16LE(at + 30) + copy.readUInt16LE(at + 32);
  }
  return Buffer.concat([Buffer.from('Z'), u64(copy.length), copy]);
}

/**
 * A zip with data descriptors (as java.util.zip writes), and the views the definition
 * gives it: every byte as written, except the data of the entries marked `viewed`, which
 * is replaced by the content (view-v1); the same as records (view-v2), each verbatim run
 * in one 'R' record, each content in a 'D' record, the central directory in a 'Z' record.
 */
function buildZip(inputs: ZipInput[]): { zip: Buffer; view: Buffer; records: Buffer } {
  const parts: Buffer[] = [];
  const viewParts: Buffer[] = [];
  const records: Buffer[] = [];
  let verbatim: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const input of inputs) {
    const { name, content, method = 8, viewed } = input;
    const flags = (input.flags ?? 0) | 0x0808;
    const data = input.data ?? zlib.deflateRawSync(content, { level: 6 });
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = zlib.crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(nameBytes.length, 26);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(data.length, 8);
    descriptor.writeUInt32LE(content.length, 12);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(content.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, nameBytes);
    parts.push(local, nameBytes, data, descriptor);
    viewParts.push(local, nameBytes, viewed ? content : data, descriptor);
    verbatim.push(local, nameBytes);
    if (viewed) {
      records.push(rawRecord(Buffer.concat(verbatim)), contentRecord(content, data.length));
      verbatim = [];
    } else {
      verbatim.push(data);
    }
    verbatim.push(descriptor);
    offset += local.length + nameBytes.length + data.length + descriptor.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(inputs.length, 8);
  end.writeUInt16LE(inputs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return {
    zip: Buffer.concat([...parts, directory, end]),
    view: Buffer.concat([...viewParts, directory, end]),
    records: Buffer.concat([
      ...records,
      ...(verbatim.length > 0 ? [rawRecord(Buffer.concat(verbatim))] : []),
      directoryRecord(directory),
      rawRecord(end),
      END_RECORD,
    ]),
  };
}

describe('zip', () => {
  async function zipTree(flags: string[], tree: string): Promise<string> {
    const original = tempPath('release.zip');
    await run('zip', ['-q', '-r', '-X', ...flags, original, 'pkg'], { cwd: tree });
    return original;
  }

  test('made by zip -r: every entry content in the view, byte for byte the same from any codec', async () => {
    const tree = await sourceTree(0);
    const original = await zipTree(['-6'], tree);
    const zipped = await readFile(original);
    const shared = codec();
    const views = [
      await viewOf(original, shared),
      await viewOf(original, shared),
      await viewOf(original, codec({ gzipBinary: false })),
      await viewOf(original, codec({ gzipBinary: '/nonexistent/gzip' })),
      await viewOf(original, codec({ searchBudgetMs: 1, prefixBytes: 1 })),
    ];
    const view = views[0]!;
    expect(views.map((each) => each && sha256(each))).toEqual(views.map(() => sha256(view)));
    for (const { name, content } of await treeFiles(tree)) {
      if (content.length === 0) continue;
      expect([name, view.includes(content)]).toEqual([name, true]);
    }
    // The big text files are deflated in the zip: only the view shows them.
    const index = await readFile(path.join(tree, 'pkg', 'lib', 'index.js'));
    expect(zipped.includes(index.subarray(0, 1_000))).toBe(false);
    // Structure bytes stay verbatim: the central directory and end records close the view
    // (in view-v2 as records: the directory's offsets as differences, then 'E').
    const directoryStart = zipped.readUInt32LE(zipped.length - 22 + 16);
    const directory = zipped.subarray(directoryStart);
    const tail = Buffer.concat([
      directoryRecord(directory.subarray(0, -22)),
      rawRecord(directory.subarray(-22)),
      END_RECORD,
    ]);
    expect(view.subarray(-tail.length)).toEqual(tail);
    const v1 = await viewOf(original, shared, 'view-v1');
    expect(v1!.subarray(-directory.length)).toEqual(directory);
  });

  test('the definition: deflated data replaced by its content, everything else verbatim', async () => {
    const content = (bytes: number, seed: number) => text(bytes, seed);
    const { zip, view, records } = buildZip([
      { name: 'META-INF/MANIFEST.MF', content: content(60, 1), viewed: true },
      { name: 'big.txt', content: content(1_500_000, 2), viewed: true },
      { name: 'stored.txt', content: content(5_000, 3), method: 0, viewed: false },
      { name: 'empty.txt', content: Buffer.alloc(0), data: Buffer.alloc(0), viewed: false },
      // Flag bit 0: encrypted, so the data is not a deflate stream anyone may inflate.
      { name: 'secret.txt', content: content(4_000, 4), flags: 1, viewed: false },
      {
        name: 'trailing-bytes.txt',
        content: content(9_000, 5),
        data: Buffer.concat([zlib.deflateRawSync(content(9_000, 5)), Buffer.from('junk')]),
        viewed: false,
      },
      {
        name: 'not-deflate.txt',
        content: content(9_000, 6),
        data: noise(3_000, 6),
        viewed: false,
      },
      {
        name: 'cut-short.txt',
        content: content(9_000, 7),
        data: zlib.deflateRawSync(content(9_000, 7)).subarray(0, 500),
        viewed: false,
      },
      { name: 'deflate64.txt', content: content(2_000, 8), method: 9, viewed: false },
      { name: 'last.txt', content: content(70_000, 9), viewed: true },
    ]);
    const original = await file('defined.zip', zip);
    expectSameBytes(await viewOf(original, codec(), 'view-v1'), view);
    expectSameBytes(await viewOf(original, codec(), 'view-v2'), records);
    expectSameBytes(await viewOf(original), records);
  });

  test('data descriptors from a pipe; zip64 end records: views with every content', async () => {
    const tree = await sourceTree(0);
    const streamed = tempPath('streamed.zip');
    await run('sh', ['-c', 'zip -q -r - pkg | cat > "$0"', streamed], { cwd: tree });
    expect((await readFile(streamed)).includes(Buffer.from('PK\x07\x08', 'latin1'))).toBe(true);
    const zip64 = await zipTree(['-fz'], tree);
    expect((await readFile(zip64)).includes(Buffer.from('PK\x06\x06', 'latin1'))).toBe(true);
    const files = await treeFiles(tree);
    for (const original of [streamed, zip64]) {
      const view = await viewOf(original);
      expect(view).toBeDefined();
      expect((await viewOf(original, codec({ gzipBinary: false })))?.equals(view!)).toBe(true);
      for (const { name, content } of files) {
        expect([name, view!.includes(content)]).toEqual([name, true]);
      }
    }
  });

  test('nothing to inflate (zip -0, or every entry encrypted): the view is the file itself', async () => {
    const tree = await sourceTree(0);
    const stored = await zipTree(['-0'], tree);
    const encrypted = tempPath('secret.zip');
    await run('zip', ['-q', '-r', '-P', 'secret', encrypted, 'pkg'], { cwd: tree });
    for (const original of [stored, encrypted]) {
      const bytes = await readFile(original);
      expectSameBytes(await viewOf(original, codec(), 'view-v1'), bytes);
      const directoryStart = bytes.readUInt32LE(bytes.length - 22 + 16);
      expectSameBytes(
        await viewOf(original),
        Buffer.concat([
          rawRecord(bytes.subarray(0, directoryStart)),
          directoryRecord(bytes.subarray(directoryStart, -22)),
          rawRecord(bytes.subarray(-22)),
          END_RECORD,
        ]),
      );
    }
  });

  test('view-v2 is the records of the expanded form of the same zip, byte for byte', async () => {
    // Whatever the expanded form's header and recipe table say, its records are what a
    // later release's form is matched against: a difference costs every delta bytes.
    const original = await zipTree(['-6'], await sourceTree(0));
    const expanded = tempPath('expanded');
    expect(await codec().expand(original, expanded)).toBeDefined();
    const form = await readFile(expanded);
    expect(form[8]).toBe(3);
    const recordsStart = 13 + form.readUInt32BE(9);
    const tableBytes = 4 + 2 * form.readUInt32BE(form.length - 4);
    expectSameBytes(await viewOf(original), form.subarray(recordsStart, form.length - tableBytes));
  });

  test("the central directory's offsets as differences: undone exactly, whatever the bytes", async () => {
    const zipped = await readFile(await zipTree(['-6'], await sourceTree(0)));
    const directory = zipped.subarray(zipped.readUInt32LE(zipped.length - 22 + 16), -22);
    const cases = [
      directory, // a real one: its record is what the expected views above hold
      directory.subarray(0, 100), // cut inside the second header
      Buffer.concat([directory, noise(500, 2)]), // followed by bytes that are no header
      noise(4_000, 3), // not a directory at all
      Buffer.alloc(0),
    ];
    for (const bytes of cases) {
      const differences = offsetsAsDifferences(Buffer.from(bytes));
      expect(offsetsAsDifferences(Buffer.from(differences), true).equals(bytes)).toBe(true);
    }
    expect(offsetsAsDifferences(Buffer.from(directory))).toEqual(
      directoryRecord(directory).subarray(9),
    );
  });

  test('the view names: the newest for zip, view-v1 for gzip (the same bytes), or as asked', async () => {
    const tree = await sourceTree(0);
    const zipped = await zipTree(['-6'], tree);
    const gzipped = await file('one.gz', zlib.gzipSync(text(50_000, 3)));
    const target = () => tempPath('view');
    expect(await codec().view(zipped, target())).toBe('view-v2');
    expect(await codec().view(gzipped, target())).toBe('view-v1');
    expect(await codec().view(zipped, target(), { version: 'view-v1' })).toBe('view-v1');
    expect(await codec().view(gzipped, target(), { version: 'view-v2' })).toBe('view-v2');
    expectSameBytes(
      await viewOf(gzipped, codec(), 'view-v2'),
      (await viewOf(gzipped, codec(), 'view-v1'))!,
    );
    const unknown = tempPath('view');
    await expect(codec().view(zipped, unknown, { version: 'view-v9' })).rejects.toMatchObject({
      code: 'unsupported-format',
    });
    expect(existsSync(unknown)).toBe(false);
  });

  test('not a zip this codec reads (cut short, or only the magic number): no view, no file', async () => {
    const whole = await readFile(await zipTree(['-6'], await sourceTree(0)));
    await expect(
      viewOf(await file('cut.zip', whole.subarray(0, whole.length - 30))),
    ).resolves.toBeUndefined();
    await expect(
      viewOf(await file('magic.zip', Buffer.concat([Buffer.from('PK\x03\x04'), noise(4096, 1)]))),
    ).resolves.toBeUndefined();
  });
});

describe('anything else', () => {
  test('neither gzip nor zip (text, a tar, an empty file): no view, no file', async () => {
    const tree = await sourceTree(0);
    const tar = tempPath('release.tar');
    await run('tar', ['cf', tar, '-C', tree, 'pkg']);
    for (const original of [
      await file('plain.txt', text(10_000, 1)),
      tar,
      await file('e', Buffer.alloc(0)),
    ]) {
      await expect(viewOf(original)).resolves.toBeUndefined();
    }
  });

  test('a reference that cannot be read is an error, not "no view"', async () => {
    const target = tempPath('view');
    await expect(codec().view(path.join(workDir, 'missing.tgz'), target)).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(existsSync(target)).toBe(false);
  });
});

describe('what the view is for', () => {
  const xdelta = ['-e', '-f', '-9', '-D', '-B', '268435456'];

  /** Delta of view(older) -> expand(newer); checks that a downloader gets newer back. */
  async function viewDelta(older: string, newer: string): Promise<number> {
    const [olderView, newerExpanded, delta] = [tempPath('v'), tempPath('x'), tempPath('d')];
    const name = await codec().view(older, olderView);
    expect(name).toMatch(/^view-v\d$/);
    expect(await codec().expand(newer, newerExpanded)).toBeDefined();
    await run('xdelta3', [...xdelta, '-s', olderView, newerExpanded, delta]);
    // The downloader: its own codec (no gzip this time), the reference and the delta only.
    const downloader = codec({ gzipBinary: false });
    const [theirView, decoded, rebuilt] = [tempPath('v'), tempPath('x'), tempPath('r')];
    expect(await downloader.view(older, theirView, { version: name })).toBe(name);
    await run('xdelta3', ['-d', '-f', '-s', theirView, delta, decoded]);
    await codec().rebuild(decoded, rebuilt);
    expect(sha256(await readFile(rebuilt))).toBe(sha256(await readFile(newer)));
    return (await stat(delta)).size;
  }

  async function plainDelta(older: string, newer: string): Promise<number> {
    const delta = tempPath('d');
    await run('xdelta3', [...xdelta, '-s', older, newer, delta]);
    return (await stat(delta)).size;
  }

  /** Two consecutive releases of the same tree, packed by `pack(tree, target)`. */
  async function releases(
    extension: string,
    pack: (tree: string, target: string) => Promise<unknown>,
  ): Promise<[string, string]> {
    const packed: string[] = [];
    for (const edit of [1, 2]) {
      packed.push(tempPath(`v${edit}.${extension}`));
      await pack(await sourceTree(edit), packed.at(-1)!);
    }
    return packed as [string, string];
  }

  test.each([
    ['tar.gz', (tree: string, target: string) => run('tar', ['czf', target, '-C', tree, 'pkg'])],
    [
      'zip',
      (tree: string, target: string) => run('zip', ['-q', '-r', target, 'pkg'], { cwd: tree }),
    ],
  ])(
    `consecutive releases as .%s: view(v1) -> expand(v2) is at least 3x smaller than v1 -> v2 (view ${VIEW_VERSION})`,
    async (extension, pack) => {
      const [older, newer] = await releases(extension, pack);
      const plain = await plainDelta(older, newer);
      const archiveAware = await viewDelta(older, newer);
      expect(archiveAware * 3).toBeLessThanOrEqual(plain);
    },
  );
});
