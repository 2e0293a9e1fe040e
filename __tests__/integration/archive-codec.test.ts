// ArchiveCodec against real compressors: Node's zlib, GNU gzip, GNU tar, Info-ZIP zip, npm
// (`npm pack` from the registry), and xdelta3 for the delta round trip. Every success is
// checked by sha256 of the rebuilt bytes; every fallback must leave no file behind.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { DeltaGliderError, IntegrityError } from '../../src/core/errors.js';
import {
  ArchiveCodec,
  looksExpanded,
  sniffContainer,
  type ArchiveCodecOptions,
  type ExpandReport,
} from '../../src/adapters/archive/index.js';
import { withFile } from '../../src/adapters/archive/byte-sinks.js';
import { readExpandedHeader } from '../../src/adapters/archive/expanded-format.js';
import { noise, scratch, sha256, text } from '../helpers/archive-fixtures.js';

const run = promisify(execFile);
const work = await scratch('dg-archive-test-');
const workDir = work.dir;
const tempPath = work.tempPath;
const file = work.file;

afterAll(() => work.cleanup());

/** Where an expanded form's JSON header length sits: after the 8-byte magic and the version. */
const HEADER_LENGTH_AT = 9;

/** A small source tree: text files of several sizes, one binary, one empty file. */
async function sourceTree(seed: number): Promise<string> {
  const root = tempPath('tree');
  await mkdir(path.join(root, 'pkg', 'lib'), { recursive: true });
  await writeFile(
    path.join(root, 'pkg', 'package.json'),
    `{"name":"pkg","version":"1.${seed}.0"}\n`,
  );
  await writeFile(path.join(root, 'pkg', 'lib', 'index.js'), text(300_000, 1));
  await writeFile(path.join(root, 'pkg', 'lib', 'util.js'), text(40_000 + seed, 2 + seed));
  await writeFile(path.join(root, 'pkg', 'lib', 'tiny.js'), text(200, 3));
  await writeFile(path.join(root, 'pkg', 'README.md'), text(5_000, 4));
  await writeFile(path.join(root, 'pkg', 'blob.bin'), noise(30_000, 5));
  await writeFile(path.join(root, 'pkg', 'empty.txt'), '');
  return root;
}

function codec(options: ArchiveCodecOptions = {}): ArchiveCodec {
  return new ArchiveCodec({ tempDir: workDir, ...options });
}

/** expand -> rebuild -> the same sha256; returns the report for further checks. */
async function roundTrip(
  original: string,
  options: ArchiveCodecOptions = {},
): Promise<ExpandReport> {
  const expanded = tempPath('expanded');
  const rebuilt = tempPath('rebuilt');
  const report = await codec(options).expandWithReport(original, expanded);
  expect(report).toBeDefined();
  const expandedBytes = await readFile(expanded);
  expect(looksExpanded(expandedBytes)).toBe(true);
  // A fresh instance: nothing carried over from the expansion but the file.
  await codec(options).rebuild(expanded, rebuilt);
  expect(sha256(await readFile(rebuilt))).toBe(sha256(await readFile(original)));
  return report!;
}

/** expand resolves undefined and leaves nothing at the expanded path. */
async function expectFallback(original: string, options: ArchiveCodecOptions = {}) {
  const expanded = tempPath('expanded');
  await expect(codec(options).expand(original, expanded)).resolves.toBeUndefined();
  expect(existsSync(expanded)).toBe(false);
}

/** A valid single-member gzip no candidate writes: a sync flush part-way through. */
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

/** `gzip <flags> -c file` as bytes. */
async function gzipFile(flags: string[], source: string): Promise<Buffer> {
  const { stdout } = await run('gzip', [...flags, '-c', source], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout as unknown as Buffer;
}

function deflateBody(gzipped: Buffer, headerLength = 10): Buffer {
  return gzipped.subarray(headerLength, gzipped.length - 8);
}

interface ZipInput {
  name: string;
  content: Buffer;
  /** Raw deflate data for the entry; stored when absent. */
  deflated?: Buffer;
}

/**
 * A zip written the way java.util.zip does it: UTF-8 names, sizes and CRC in a data
 * descriptor after each entry (general-purpose bit 3), central directory at the end.
 */
function jarLikeZip(inputs: ZipInput[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, content, deflated } of inputs) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = deflated ?? content;
    const method = deflated ? 8 : 0;
    const crc = zlib.crc32(content);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0808, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x21, 12);
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
    header.writeUInt16LE(0x0808, 8);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(0x21, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(content.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, nameBytes);
    parts.push(local, nameBytes, data, descriptor);
    offset += local.length + nameBytes.length + data.length + descriptor.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(inputs.length, 8);
  end.writeUInt16LE(inputs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

describe('gzip', () => {
  const content = text(600_000, 42);

  test.each([1, 6, 9])('made by Node zlib at level %i: rebuilt byte for byte', async (level) => {
    const original = await file(`zlib-${level}.gz`, zlib.gzipSync(content, { level }));
    const report = await roundTrip(original);
    expect(report.codec).toBe('gzip');
    expect(report.recipes).toEqual([expect.stringContaining(`zlib level ${level} `)]);
    expect(report.contentBytes).toBe(content.length);
    // The expanded form holds the content itself, where a delta encoder can see it.
    const expanded = tempPath('expanded');
    await codec().expand(original, expanded);
    expect((await readFile(expanded)).includes(content.subarray(100_000, 100_200))).toBe(true);
  });

  test.each([
    { command: 'gzip -n -9', named: false },
    { command: 'gzip -6', named: true }, // keeps the file name and mtime in the header
  ])('made by $command: header restored as found', async ({ command, named }) => {
    const source = await file('data.tar', content);
    await run('touch', ['-d', '2021-03-04 05:06:07', source]);
    const gzipped = await gzipFile(command.split(' ').slice(1), source);
    expect((gzipped[3]! & 0x08) !== 0).toBe(named);
    expect(gzipped.readUInt32LE(4) !== 0).toBe(named);
    const report = await roundTrip(await file('gnu.gz', gzipped));
    expect(report.recipes).toEqual([`gzip -n ${command.split(' ').at(-1)}`]);
  });

  test('made by tar czf: rebuilt byte for byte', async () => {
    const tree = await sourceTree(1);
    const original = tempPath('release.tar.gz');
    await run('tar', ['czf', original, '-C', tree, 'pkg']);
    const report = await roundTrip(original);
    expect(report.recipes[0]).toMatch(/^gzip -n -6/);
  });

  test('npm tarballs as published (npm pack), or built the way npm builds them', async () => {
    const dir = tempPath('npm');
    await mkdir(dir);
    let tarballs: string[];
    try {
      const { stdout } = await run(
        'npm',
        ['pack', 'is-number@7.0.0', '@actions/core@3.0.1', '--pack-destination', dir, '--silent'],
        { timeout: 45_000 },
      );
      tarballs = stdout
        .trim()
        .split('\n')
        .map((name) => path.join(dir, name.trim()));
    } catch (error) {
      console.log(
        `npm pack failed (${(error as Error).message.split('\n')[0]}); ` +
          'testing a tarball built the way npm builds them (Node zlib, level 9) instead',
      );
      const tar = tempPath('package.tar');
      await run('tar', ['cf', tar, '-C', await sourceTree(2), 'pkg']);
      tarballs = [await file('package.tgz', zlib.gzipSync(await readFile(tar), { level: 9 }))];
    }
    for (const tarball of tarballs) {
      const report = await roundTrip(tarball);
      expect(report.codec).toBe('gzip');
    }
  });

  test('content beyond the searched prefix is still proven to the last byte', async () => {
    const big = Buffer.concat([text(1_500_000, 7), noise(200_000, 8), text(500_000, 9)]);
    const original = await file('big.gz', zlib.gzipSync(big, { level: 9 }));
    const report = await roundTrip(original, { prefixBytes: 4096 });
    expect(report.contentBytes).toBe(big.length);
  });

  test('a compressor outside the candidate list: falls back', async () => {
    await expectFallback(await file('unknown.gz', await gzipWithSyncFlush(content, 2_000)));
  });

  test('a stream that matches the searched prefix but not the rest: the proof rejects it', async () => {
    const gzipped = await gzipWithSyncFlush(content, 400_000);
    // The scenario holds: only the proof, not the prefix search, can tell them apart.
    const usual = deflateBody(zlib.gzipSync(content, { level: 6 }));
    expect(deflateBody(gzipped).subarray(0, 4096).equals(usual.subarray(0, 4096))).toBe(true);
    await expectFallback(await file('late.gz', gzipped), { prefixBytes: 4096 });
  });

  test('multi-member, trailing garbage, truncated, empty: fall back', async () => {
    const member = zlib.gzipSync(content, { level: 9 });
    await expectFallback(await file('multi.gz', Buffer.concat([member, member])));
    await expectFallback(await file('garbage.gz', Buffer.concat([member, Buffer.from('junk')])));
    await expectFallback(await file('cut.gz', member.subarray(0, member.length >> 1)));
    await expectFallback(await file('header-only.gz', member.subarray(0, 12)));
  });

  test('without GNU gzip, its output is reproduced and rebuilt by the bundled port', async () => {
    const original = await file('gnu.gz', await gzipFile(['-n', '-6'], await file('x', content)));
    for (const gzipBinary of [false, path.join(workDir, 'no-such-gzip')] as const) {
      const report = await roundTrip(original, { gzipBinary });
      expect(report.recipes).toEqual(['gzip -n -6']);
    }
    // The form names the port's version: a reader whose port is older uses the binary.
    const expanded = tempPath('expanded');
    await codec({ gzipBinary: false }).expand(original, expanded);
    const { header } = await withFile(expanded, readExpandedHeader);
    expect(header.recipes).toEqual([{ engine: 'gzip', level: 6, rsyncable: false, port: 1 }]);
    expect(header.producers['gzip-port']).toMatch(/^gzip-port 1 /);
  });

  test('with GNU gzip installed, the search spawns no gzip: only the proof runs it', async () => {
    const log = tempPath('gzip-runs');
    const counting = tempPath('counting-gzip');
    await writeFile(counting, `#!/bin/sh\necho "$*" >> '${log}'\nexec gzip "$@"\n`, {
      mode: 0o755,
    });
    const original = await file('gnu.gz', await gzipFile(['-n', '-6'], await file('x', content)));
    const report = await roundTrip(original, { gzipBinary: counting });
    expect(report.recipes).toEqual(['gzip -n -6']);
    // The version probes, then one run each for the proof and the rebuild; gzip -9 and -6,
    // tried before the match, ran in the port.
    const runs = (await readFile(log, 'utf8')).trim().split('\n');
    expect(runs.filter((args) => args !== '--version')).toEqual(['-n -6 -c', '-n -6 -c']);
  });

  test('a form written before the port (no port version) rebuilds without GNU gzip', async () => {
    const source = await file('data', content);
    await run('gzip', ['-k', '-9', source]);
    const expanded = tempPath('expanded');
    expect(await codec().expand(`${source}.gz`, expanded)).toEqual({ codec: 'gzip' });
    // What releases before the port wrote: the same form without `port`.
    const form = await readFile(expanded);
    const old = Buffer.from(form.toString('latin1').replace(',"port":1', ''), 'latin1');
    expect(old.length).toBe(form.length - ',"port":1'.length);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(form.readUInt32BE(HEADER_LENGTH_AT) - ',"port":1'.length);
    header.copy(old, HEADER_LENGTH_AT);
    const oldForm = await file('old-form', old);
    expect((await withFile(oldForm, readExpandedHeader)).header.recipes).toEqual([
      { engine: 'gzip', level: 9, rsyncable: false },
    ]);
    const rebuilt = tempPath('rebuilt');
    await codec({ gzipBinary: false }).rebuild(oldForm, rebuilt);
    expect((await readFile(rebuilt)).equals(await readFile(`${source}.gz`))).toBe(true);
  });

  test('a GZIP environment variable (which changes gzip output) is ignored', async () => {
    const original = await file('gnu.gz', await gzipFile(['-n', '-6'], await file('x', content)));
    const saved = process.env.GZIP;
    process.env.GZIP = '--rsyncable';
    try {
      const report = await roundTrip(original);
      expect(report.recipes).toEqual(['gzip -n -6']);
    } finally {
      if (saved === undefined) delete process.env.GZIP;
      else process.env.GZIP = saved;
    }
  });

  test('a rebuild that needs GNU gzip where there is none fails with the cause, writes nothing', async () => {
    // --rsyncable is the one gzip recipe the port does not make.
    const source = await file('data', content);
    await run('gzip', ['-k', '-9', '--rsyncable', source]);
    const expanded = tempPath('expanded');
    expect(await codec().expand(`${source}.gz`, expanded)).toEqual({ codec: 'gzip' });
    const rebuilt = tempPath('rebuilt');
    const rebuild = codec({ gzipBinary: path.join(workDir, 'no-such-gzip') }).rebuild(
      expanded,
      rebuilt,
    );
    await expect(rebuild).rejects.toThrow(DeltaGliderError);
    await expect(rebuild).rejects.toThrow(/needs GNU gzip \(gzip -n -9 --rsyncable/);
    expect(existsSync(rebuilt)).toBe(false);
  });
});

describe('zip', () => {
  async function zipTree(flags: string[], tree: string): Promise<string> {
    const original = tempPath('release.zip');
    await run('zip', ['-q', '-r', '-X', ...flags, original, 'pkg'], { cwd: tree });
    return original;
  }

  test.each([['-9'], ['-6'], ['-1']])(
    'made by zip %s: every deflated entry rebuilt',
    async (level) => {
      const original = await zipTree([level], await sourceTree(1));
      const report = await roundTrip(original);
      expect(report.codec).toBe('zip');
      // zip stores what deflate does not shrink (blob.bin, empty.txt, the folders).
      const { stdout } = await run('zipinfo', [original]);
      expect(report.streams).toBe(stdout.match(/ def[NXFS] /g)?.length);
      expect(report.reproducedStreams).toBe(report.streams);
      expect(report.recipes).toEqual([`gzip -n ${level}`]);
    },
  );

  test('a zip whose entries GNU gzip proved in batches rebuilds without it, and back', async () => {
    const original = await zipTree(['-6'], await sourceTree(2));
    // Expanded where gzip is installed (batches of entries in one gzip process)...
    const expanded = tempPath('expanded');
    const report = await codec().expandWithReport(original, expanded);
    expect(report?.recipes).toEqual(['gzip -n -6']);
    expect(report?.provenBySearch).toBeGreaterThan(0);
    // ...rebuilt entry by entry by the port where it is not.
    const rebuilt = tempPath('rebuilt');
    await codec({ gzipBinary: false }).rebuild(expanded, rebuilt);
    expect((await readFile(rebuilt)).equals(await readFile(original))).toBe(true);
    // Expanded without gzip (the port only), rebuilt with it.
    const portOnly = tempPath('expanded');
    expect(
      (await codec({ gzipBinary: false }).expandWithReport(original, portOnly))?.recipes,
    ).toEqual(['gzip -n -6']);
    const again = tempPath('rebuilt');
    await codec().rebuild(portOnly, again);
    expect((await readFile(again)).equals(await readFile(original))).toBe(true);
  });

  // Empty records take their recipe's output for no content, computed once (rebuild.ts):
  // Python's zipfile deflates empty files into 2-byte streams.
  test('deflated empty entries (Python zipfile) rebuild byte-exact', async () => {
    const original = tempPath('empties.zip');
    await run('python3', [
      '-c',
      'import sys, zipfile\n' +
        'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:\n' +
        '  for i in range(5): z.writestr(f"empty{i}.txt", b"")\n' +
        '  z.writestr("text.txt", sys.argv[2])',
      original,
      text(20_000, 7).toString('latin1'),
    ]);
    const { stdout } = await run('zipinfo', [original]);
    expect(stdout.match(/ 0 b- def[NXFS] .* empty\d\.txt/g)).toHaveLength(5);
    const report = await roundTrip(original);
    expect(report.streams).toBe(6);
    expect(report.reproducedStreams).toBe(6);
  });

  test('stored entries stay verbatim next to deflated ones', async () => {
    const tree = await sourceTree(3);
    const original = await zipTree(['-6', '-n', '.md:.bin'], tree);
    const { stdout } = await run('zipinfo', [original]);
    expect(stdout).toMatch(/stor .*README\.md/);
    const report = await roundTrip(original);
    expect(report.reproducedStreams).toBe(report.streams);
    expect(report.verbatimBytes).toBeGreaterThan(35_000);
  });

  test('a zip with nothing deflated (zip -0) gains nothing: falls back', async () => {
    await expectFallback(await zipTree(['-0'], await sourceTree(4)));
  });

  test('streamed by zip to a pipe (data descriptors); zip64 forced (zip64 end records)', async () => {
    const tree = await sourceTree(5);
    const streamed = tempPath('streamed.zip');
    await run('sh', ['-c', 'zip -q -r - pkg | cat > "$0"', streamed], { cwd: tree });
    expect((await readFile(streamed)).includes(Buffer.from('PK\x07\x08', 'latin1'))).toBe(true);
    await roundTrip(streamed);
    const zip64 = await zipTree(['-fz'], tree);
    expect((await readFile(zip64)).includes(Buffer.from('PK\x06\x06', 'latin1'))).toBe(true);
    const report = await roundTrip(zip64);
    expect(report.reproducedStreams).toBe(report.streams);
  });

  test('jar-like: data descriptors, deflated by zlib, manifest first', async () => {
    const files = [
      { name: 'META-INF/MANIFEST.MF', content: Buffer.from('Manifest-Version: 1.0\r\n\r\n') },
      { name: 'com/example/App.class', content: Buffer.concat([noise(2_000, 1), text(9_000, 2)]) },
      { name: 'com/example/Util.class', content: text(120_000, 3) },
      { name: 'application.properties', content: text(700, 4) },
    ];
    const jar = jarLikeZip(
      files.map((entry) => ({
        ...entry,
        deflated: zlib.deflateRawSync(entry.content, { level: 6 }),
      })),
    );
    const report = await roundTrip(await file('app.jar', jar));
    expect(report.reproducedStreams).toBe(4);
    expect(report.recipes).toEqual([expect.stringContaining('zlib level 6 ')]);
  });

  test('an entry no recipe reproduces stays compressed; the others are rebuilt', async () => {
    const odd = text(500_000, 11);
    const entries = [
      { name: 'a.txt', content: text(50_000, 10) },
      { name: 'odd.txt', content: odd, deflated: deflateBody(await gzipWithSyncFlush(odd, 2_000)) },
      { name: 'c.txt', content: text(60_000, 12) },
    ].map((entry) => ({ deflated: zlib.deflateRawSync(entry.content, { level: 6 }), ...entry }));
    const report = await roundTrip(await file('mixed.zip', jarLikeZip(entries)));
    expect([report.streams, report.reproducedStreams]).toEqual([3, 2]);
  });

  test('an entry a batched gzip run fails on gets its own search; the run resumes after it', async () => {
    const gzipDeflate = async (content: Buffer) =>
      deflateBody(await gzipFile(['-n', '-6'], await file('entry', content)));
    const odd = text(80_000, 31);
    const entries: ZipInput[] = [];
    for (const seed of [30, 32]) {
      const content = text(30_000 + seed, seed);
      entries.push({ name: `${seed}.txt`, content, deflated: await gzipDeflate(content) });
    }
    entries.push({
      name: 'odd.txt',
      content: odd,
      deflated: deflateBody(await gzipWithSyncFlush(odd, 1_000)),
    });
    for (const seed of [33, 34, 35]) {
      const content = text(20_000 + seed, seed);
      entries.push({ name: `${seed}.txt`, content, deflated: await gzipDeflate(content) });
    }
    const report = await roundTrip(await file('batched.zip', jarLikeZip(entries)));
    expect([report.streams, report.reproducedStreams]).toEqual([6, 5]);
    expect(report.recipes).toEqual(['gzip -n -6']);
  });

  test('an entry that passes the prefix search but fails the proof is dropped, the rest kept', async () => {
    const odd = text(500_000, 21);
    const lateFlush = deflateBody(await gzipWithSyncFlush(odd, 300_000));
    const usual = zlib.deflateRawSync(odd, { level: 6 });
    expect(lateFlush.subarray(0, 4096).equals(usual.subarray(0, 4096))).toBe(true);
    const entries = [
      { name: 'a.txt', content: text(50_000, 20), deflated: undefined as Buffer | undefined },
      { name: 'odd.txt', content: odd, deflated: lateFlush },
      { name: 'c.txt', content: text(60_000, 22), deflated: undefined },
    ].map((entry) => ({
      ...entry,
      deflated: entry.deflated ?? zlib.deflateRawSync(entry.content, { level: 6 }),
    }));
    const report = await roundTrip(await file('late.zip', jarLikeZip(entries)), {
      prefixBytes: 4096,
    });
    expect([report.streams, report.reproducedStreams]).toEqual([3, 2]);
  });

  test('encrypted entries are not touched; with nothing else to rebuild, falls back', async () => {
    const tree = await sourceTree(6);
    const original = tempPath('secret.zip');
    await run('zip', ['-q', '-r', '-P', 'secret', original, 'pkg'], { cwd: tree });
    await expectFallback(original);
  });

  test('not a zip after all (truncated central directory): falls back', async () => {
    const whole = await readFile(await zipTree(['-6'], await sourceTree(7)));
    await expectFallback(await file('cut.zip', whole.subarray(0, whole.length - 30)));
  });
});

describe('expanded form', () => {
  async function expandedSample(): Promise<{ original: string; expanded: Buffer }> {
    const original = await file('sample.gz', zlib.gzipSync(text(100_000, 5), { level: 9 }));
    const expanded = tempPath('expanded');
    await codec().expand(original, expanded);
    return { original, expanded: await readFile(expanded) };
  }

  test('sniffing: gzip and zip by magic number, nothing else', () => {
    expect(sniffContainer(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(sniffContainer(Buffer.from('PK\x03\x04'))).toBe('zip');
    expect(sniffContainer(Buffer.from('hello'))).toBeUndefined();
  });

  test('a plain file is not expanded', async () => {
    await expectFallback(await file('plain.txt', text(10_000, 1)));
  });

  test.each([
    ['wrong magic number', (bytes: Buffer) => Buffer.concat([Buffer.from('x'), bytes.subarray(1)])],
    ['cut short', (bytes: Buffer) => bytes.subarray(0, bytes.length - 1000)],
    ['bytes after the end record', (bytes: Buffer) => Buffer.concat([bytes, Buffer.from('x')])],
    [
      'unknown record type',
      (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        copy[13 + copy.readUInt32BE(9)] = 0x5a;
        return copy;
      },
    ],
    [
      'a newer format version',
      (bytes: Buffer) => {
        const copy = Buffer.from(bytes);
        copy[8] = 4; // 2 is read since near-miss corrections, 3 since view-v2
        return copy;
      },
    ],
  ])('rebuild fails loudly on a malformed expanded form: %s', async (_what, damage) => {
    const { expanded } = await expandedSample();
    const broken = await file('broken', damage(expanded));
    const rebuilt = tempPath('rebuilt');
    await expect(codec().rebuild(broken, rebuilt)).rejects.toThrow(IntegrityError);
    expect(existsSync(rebuilt)).toBe(false);
  });

  test('a delta between two expanded forms (xdelta3) decodes and rebuilds exactly', async () => {
    const versions: string[] = [];
    for (const seed of [1, 2]) {
      const tree = await sourceTree(seed);
      versions.push(tempPath(`v${seed}.tar.gz`), tempPath(`v${seed}.zip`));
      await run('tar', ['czf', versions.at(-2)!, '-C', tree, 'pkg']);
      await run('zip', ['-q', '-r', versions.at(-1)!, 'pkg'], { cwd: tree });
    }
    for (const [older, newer] of [
      [versions[0]!, versions[2]!],
      [versions[1]!, versions[3]!],
    ]) {
      const [olderExpanded, newerExpanded] = [tempPath('old.x'), tempPath('new.x')];
      expect(await codec().expand(older!, olderExpanded)).toBeDefined();
      expect(await codec().expand(newer!, newerExpanded)).toBeDefined();
      const [delta, decoded, rebuilt] = [
        tempPath('delta'),
        tempPath('decoded'),
        tempPath('rebuilt'),
      ];
      await run('xdelta3', ['-e', '-f', '-9', '-D', '-s', olderExpanded, newerExpanded, delta]);
      await run('xdelta3', ['-d', '-f', '-D', '-R', '-s', olderExpanded, delta, decoded]);
      await codec().rebuild(decoded, rebuilt);
      expect(sha256(await readFile(rebuilt))).toBe(sha256(await readFile(newer!)));
    }
  });
});

describe('expanded form version 3 (zip): the recipe table', () => {
  /** A zip of three zlib-deflated entries, expanded: version 3, a table of 3 recipes. */
  async function zipForm(): Promise<Buffer> {
    const entries = [1, 2, 3].map((seed) => {
      const content = text(20_000 * seed, seed);
      return {
        name: `f${seed}.txt`,
        content,
        deflated: zlib.deflateRawSync(content, { level: 6 }),
      };
    });
    const expanded = tempPath('expanded');
    await codec().expand(await file('three.zip', jarLikeZip(entries)), expanded);
    const form = await readFile(expanded);
    expect([form[8], form.readUInt32BE(form.length - 4)]).toEqual([3, 3]);
    return form;
  }

  /** The table's entries (u16 each) and its count (u32), replaced. */
  function withTable(form: Buffer, entries: number[], count = entries.length): Buffer {
    const table = Buffer.alloc(2 * entries.length + 4);
    entries.forEach((entry, at) => table.writeUInt16BE(entry, 2 * at));
    table.writeUInt32BE(count, 2 * entries.length);
    return Buffer.concat([form.subarray(0, form.length - 10), table]);
  }

  test.each([
    [
      'a count larger than the file',
      (form: Buffer) => withTable(form, [0, 0, 0], 0xffff_ffff),
      /its recipe table claims 4294967295 records, more than the file holds/,
    ],
    [
      'one recipe short',
      (form: Buffer) => withTable(form, [0, 0]),
      /its recipe table lists 2 recipes, but more records follow/,
    ],
    [
      'one recipe too many',
      (form: Buffer) => withTable(form, [0, 0, 0, 0]),
      /its recipe table lists 4 recipes for 3 deflated records/,
    ],
    [
      'a count that does not match its entries',
      (form: Buffer) => withTable(form, [0, 0, 0], 2),
      /The expanded archive is malformed/,
    ],
    [
      'a recipe the header does not list',
      (form: Buffer) => withTable(form, [0, 7, 0]),
      /a record names recipe 7/,
    ],
    ['cut inside the table', (form: Buffer) => form.subarray(0, form.length - 3), /malformed/],
    [
      'marked version 2 (the records read with recipe indices)',
      (form: Buffer) => Buffer.concat([form.subarray(0, 8), Buffer.from([2]), form.subarray(9)]),
      /malformed/,
    ],
  ])('%s: refused before anything is rebuilt', async (_what, damage, message) => {
    const broken = await file('broken', damage(await zipForm()));
    const rebuilt = tempPath('rebuilt');
    const rebuilding = codec().rebuild(broken, rebuilt);
    await expect(rebuilding).rejects.toThrow(IntegrityError);
    await expect(rebuilding).rejects.toThrow(message);
    expect(existsSync(rebuilt)).toBe(false);
  });

  /** Where the form's 'Z' record (the central directory) starts, walking the records. */
  function directoryRecordAt(form: Buffer): number {
    for (let at = 13 + form.readUInt32BE(9); ;) {
      const kind = String.fromCharCode(form[at]!);
      const length = Number(form.readBigUInt64BE(at + 1));
      if (kind === 'Z') return at;
      if (kind === 'R') at += 9 + length;
      else if (kind === 'D') at += 17 + length;
      else throw new Error(`no central directory record (found '${kind}')`);
    }
  }

  test('a central directory record (Z) claiming more than the form holds is refused', async () => {
    const form = await zipForm();
    form.writeBigUInt64BE(2n ** 40n, directoryRecordAt(form) + 1);
    const rebuilt = tempPath('rebuilt');
    await expect(codec().rebuild(await file('broken', form), rebuilt)).rejects.toThrow(
      /a verbatim record runs past its end/,
    );
    expect(existsSync(rebuilt)).toBe(false);
  });

  test('a central directory record (Z) in a gzip form (version 1) is refused', async () => {
    const expanded = tempPath('expanded');
    await codec().expand(await file('one.gz', zlib.gzipSync(text(50_000, 4))), expanded);
    const form = await readFile(expanded);
    expect(form[8]).toBe(1);
    const first = 13 + form.readUInt32BE(9);
    expect(form[first]).toBe(0x52);
    form[first] = 0x5a;
    const rebuilt = tempPath('rebuilt');
    await expect(codec().rebuild(await file('v1', form), rebuilt)).rejects.toThrow(
      /unknown record type 0x5a/,
    );
    expect(existsSync(rebuilt)).toBe(false);
  });

  test('the untouched form rebuilds', async () => {
    const rebuilt = tempPath('rebuilt');
    await codec().rebuild(await file('intact', await zipForm()), rebuilt);
    expect(existsSync(rebuilt)).toBe(true);
  });
});
