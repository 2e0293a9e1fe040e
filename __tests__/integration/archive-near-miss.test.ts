// Near misses: deflate streams an engine reproduces except for their last bytes are
// expanded with a bounded correction (src/adapters/archive/correction.ts), proven at
// upload, rebuilt byte-exact, and refused when the correction is tampered with.
// The streams are real: Node's zlib, flushed before it finishes (as some tools do), so
// that the usual encoder differs only from the start of the last block on.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { IntegrityError } from '../../src/core/errors.js';
import { ArchiveCodec, type ArchiveCodecOptions } from '../../src/adapters/archive/index.js';
import { maxCorrectionBytes } from '../../src/adapters/archive/correction.js';
import { candidateRecipes } from '../../src/adapters/archive/deflate-recipes.js';
import { levelsFromZipFlags } from '../../src/adapters/archive/zip-structure.js';
import { scratch, sha256, text } from '../helpers/archive-fixtures.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver } from '../helpers/service-fixture.js';

const work = await scratch('dg-near-miss-');
afterAll(() => work.cleanup());

// Only Node's zlib: the near-miss recipe (level 6, memLevel 1) is one of its candidates,
// and the search stays short.
const ZLIB_ONLY: ArchiveCodecOptions = { engines: ['zlib'], tempDir: work.dir };

/** zlib level 6 of `content`, with a flush of `flush` before its last `tailBytes` bytes. */
function flushedDeflate(
  content: Buffer,
  tailBytes: number,
  memLevel: number,
  flush = zlib.constants.Z_SYNC_FLUSH,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const deflater = zlib.createDeflateRaw({ level: 6, memLevel });
    const chunks: Buffer[] = [];
    deflater.on('data', (chunk: Buffer) => chunks.push(chunk));
    deflater.on('end', () => resolve(Buffer.concat(chunks)));
    deflater.on('error', reject);
    const at = content.length - tailBytes;
    deflater.write(content.subarray(0, at));
    deflater.flush(flush, () => deflater.end(content.subarray(at)));
  });
}

/** A gzip file around a raw deflate stream (header as Node writes it, CRC and size). */
function gzipAround(content: Buffer, deflated: Buffer): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(content), 0);
  trailer.writeUInt32LE(content.length % 2 ** 32, 4);
  return Buffer.concat([header, deflated, trailer]);
}

/** A minimal zip of deflated entries (local headers, central directory, end record). */
function zipOf(entries: { name: string; content: Buffer; deflated: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, content, deflated } of entries) {
    const nameBytes = Buffer.from(name);
    const fields = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at);
      header.writeUInt16LE(8, at + 4);
      header.writeUInt32LE(zlib.crc32(content), at + 10);
      header.writeUInt32LE(deflated.length, at + 14);
      header.writeUInt32LE(content.length, at + 18);
      header.writeUInt16LE(nameBytes.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    fields(header, 6);
    header.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, deflated);
    central.push(header, nameBytes);
    offset += local.length + nameBytes.length + deflated.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

/** Expands, checks the form rebuilds byte-exact on a fresh codec, returns both. */
async function expandAndRebuild(original: string, options: ArchiveCodecOptions = {}) {
  const expanded = work.tempPath('expanded');
  const report = await new ArchiveCodec({ ...ZLIB_ONLY, ...options }).expandWithReport(
    original,
    expanded,
  );
  expect(report).toBeDefined();
  const rebuilt = work.tempPath('rebuilt');
  await new ArchiveCodec(ZLIB_ONLY).rebuild(expanded, rebuilt);
  expect(sha256(await readFile(rebuilt))).toBe(sha256(await readFile(original)));
  return { report: report!, expanded };
}

const content = text(3_000_000, 17);
// Flushed 1 KB before the end: the usual encoder differs from the last block on.
const nearMissStream = await flushedDeflate(content, 1024, 1);
const usual = zlib.deflateRawSync(content, { level: 6, memLevel: 1 });

describe('near miss', () => {
  test('the scenario: the usual encoder differs only in the last bytes, within the bound', () => {
    let same = 0;
    while (nearMissStream[same] === usual[same]) same++;
    const tail = nearMissStream.length - same;
    expect(tail).toBeGreaterThan(0);
    expect(tail).toBeLessThanOrEqual(maxCorrectionBytes(nearMissStream.length));
  });

  test.each([
    ['found by the proof (the search compares a prefix)', {}],
    ['found by the search (the whole stream compared)', { prefixBytes: 16 * 1024 * 1024 }],
  ])('gzip: expanded with a correction, %s, rebuilt byte-exact', async (_how, options) => {
    const original = await work.file('near.gz', gzipAround(content, nearMissStream));
    const { report, expanded } = await expandAndRebuild(original, options);
    expect(report).toMatchObject({
      recipes: ['zlib level 6 memLevel 1 windowBits 15 strategy default'],
      reproducedStreams: 1,
      correctedStreams: 1,
      contentBytes: content.length,
    });
    expect(report.correctionBytes).toBeGreaterThan(0);
    expect(report.correctionBytes).toBeLessThanOrEqual(maxCorrectionBytes(nearMissStream.length));
    // Version 2: a release that cannot apply corrections refuses the form up front.
    expect((await readFile(expanded))[8]).toBe(2);
  });

  test('a form without corrections stays version 1', async () => {
    const original = await work.file('exact.gz', gzipAround(content, usual));
    const { report, expanded } = await expandAndRebuild(original);
    expect([report.correctedStreams, report.correctionBytes]).toEqual([0, 0]);
    expect((await readFile(expanded))[8]).toBe(1);
  });

  test('zip: the near-miss entry is corrected, the exact one is not', async () => {
    const small = text(200_000, 3);
    const entries = [
      { name: 'exact.txt', content: small, deflated: zlib.deflateRawSync(small, { level: 6 }) },
      { name: 'near.txt', content, deflated: nearMissStream },
    ];
    const original = await work.file('near.zip', zipOf(entries));
    const { report } = await expandAndRebuild(original);
    expect(report).toMatchObject({ streams: 2, reproducedStreams: 2, correctedStreams: 1 });
  });

  test('a difference further from the end than the bound: no correction, falls back', async () => {
    // With the default memLevel the last block spans ~15 KB of a 110 KB stream.
    const small = text(600_000, 5);
    const far = await flushedDeflate(small, 1024, 8, zlib.constants.Z_PARTIAL_FLUSH);
    const original = await work.file('far.gz', gzipAround(small, far));
    const expanded = work.tempPath('expanded');
    await expect(new ArchiveCodec(ZLIB_ONLY).expand(original, expanded)).resolves.toBeUndefined();
    expect(existsSync(expanded)).toBe(false);
  });
});

/** The expanded form's single 'C' record: where its correction length field sits. */
function correctionLengthAt(form: Buffer): number {
  const jsonLength = form.readUInt32BE(9);
  let at = 13 + jsonLength;
  for (;;) {
    const kind = String.fromCharCode(form[at]!);
    if (kind === 'R') at += 9 + Number(form.readBigUInt64BE(at + 1));
    else if (kind === 'C') return at + 19;
    else throw new Error(`no correction record (found '${kind}')`);
  }
}

describe('a tampered correction', () => {
  test.each([
    ['longer than its bound', (length: number) => length + 1_000_000, /at most \d+ allowed/],
    ['claiming 4 GiB', () => 0xffff_ffff, /at most \d+ allowed/],
    [
      'within its bound but running past the end of the form',
      (_length: number, deflateLength: number) => maxCorrectionBytes(deflateLength),
      /a correction runs past its end/,
    ],
  ])('%s: refused before anything is rebuilt', async (_what, tamper, message) => {
    const original = await work.file('near.gz', gzipAround(content, nearMissStream));
    const { expanded } = await expandAndRebuild(original);
    const form = await readFile(expanded);
    const field = correctionLengthAt(form);
    const deflateLength = Number(form.readBigUInt64BE(field - 8));
    form.writeUInt32BE(tamper(form.readUInt32BE(field), deflateLength), field);
    await writeFile(expanded, form);
    const out = work.tempPath('out');
    const rebuilt = new ArchiveCodec(ZLIB_ONLY).rebuild(expanded, out);
    await expect(rebuilt).rejects.toThrow(IntegrityError);
    await expect(rebuilt).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  test('in a version 1 form: the record type is refused', async () => {
    const original = await work.file('near.gz', gzipAround(content, nearMissStream));
    const { expanded } = await expandAndRebuild(original);
    const form = await readFile(expanded);
    form[8] = 1;
    await writeFile(expanded, form);
    const out = work.tempPath('out');
    await expect(new ArchiveCodec(ZLIB_ONLY).rebuild(expanded, out)).rejects.toThrow(
      /unknown record type 0x43/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

test('through the core: near-miss releases delta through their content, download byte-exact', async () => {
  const storage = new MemoryStorage();
  const writer = await serviceOver(storage, {
    archiveAware: true,
    minDeltaBytes: 0,
    codec: { engines: ['zlib'] },
  });
  const space = { bucket: 'bucket', prefix: 'rel' };
  try {
    // A small edit near the start: every compressed byte after it changes.
    const edited = Buffer.from(content);
    edited.write('changed in release 2', 5_000);
    const files = [
      ['app-1.tgz', content],
      ['app-2.tgz', edited],
    ] as const;
    const paths: string[] = [];
    for (const [name, body] of files) {
      const path = join(writer.dir, name);
      await writeFile(path, gzipAround(body, await flushedDeflate(body, 1024, 1)));
      paths.push(path);
    }
    expect((await writer.service.uploads.upload(paths[0]!, space)).kind).toBe('reference');
    const second = await writer.service.uploads.upload(paths[1]!, space);
    expect(second).toMatchObject({ kind: 'delta', archiveAware: true });
    expect(second.storedBytes * 3).toBeLessThan((await readFile(paths[1]!)).length);

    const reader = await serviceOver(storage);
    try {
      const out = join(reader.dir, 'out');
      await reader.service.downloads.downloadAll(space, out);
      for (const path of paths) {
        const name = path.slice(path.lastIndexOf('/') + 1);
        expect(sha256(await readFile(join(out, name)))).toBe(sha256(await readFile(path)));
      }
    } finally {
      await reader.cleanup();
    }
  } finally {
    await writer.cleanup();
  }
});

test('search cost: after an entry no candidate reproduces, the next gets the head of the list', async () => {
  const odd = (seed: number) => text(400_000, seed);
  const entries = await Promise.all(
    [1, 2].map(async (seed) => ({
      name: `odd-${seed}.txt`,
      content: odd(seed),
      // Flushed half-way: every candidate differs long before the end (no near miss).
      deflated: await flushedDeflate(odd(seed), 200_000, 8),
    })),
  );
  const good = text(100_000, 3);
  entries.push({ name: 'good.txt', content: good, deflated: zlib.deflateRawSync(good) });
  const original = await work.file('misses.zip', zipOf(entries));
  const { report } = await expandAndRebuild(original);
  expect([report.streams, report.reproducedStreams]).toEqual([3, 1]);
  const fullList = candidateRecipes({
    likelyLevels: levelsFromZipFlags(0),
    gzipBinary: false,
    engines: ['zlib'],
  }).length;
  // The first miss costs the whole list; the second only its head, the third entry's match
  // is in the head too.
  expect(report.candidatesTried).toBeGreaterThan(fullList);
  expect(report.candidatesTried).toBeLessThan(fullList + 20);
});
