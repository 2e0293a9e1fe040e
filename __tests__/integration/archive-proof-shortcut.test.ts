// The upload proof takes deflate streams a batched gzip run compared whole as proven
// instead of recompressing them (src/adapters/archive/compared-streams.ts). These tests
// fail if it takes one it must not: content that is not what the search compressed, a
// record with another recipe, a corrected record. And they show that it does take the
// others: the proof then passes on a machine whose gzip cannot run.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { ArchiveCodec } from '../../src/adapters/archive/index.js';
import { withFile } from '../../src/adapters/archive/byte-sinks.js';
import type { ComparedStream } from '../../src/adapters/archive/compared-streams.js';
import { describeRecipe } from '../../src/adapters/archive/deflate-recipes.js';
import { proveExpanded, type ProofResult } from '../../src/adapters/archive/expand-context.js';
import {
  ExpandedWriter,
  expandedRecords,
  readExpandedHeader,
} from '../../src/adapters/archive/expanded-format.js';
import { scratch, sha256, text } from '../helpers/archive-fixtures.js';

const run = promisify(execFile);
const work = await scratch('dg-proof-shortcut-');
afterAll(() => work.cleanup());

const engines = { gzipBinary: 'gzip', gzipPort: false, tempRoot: work.dir };
// The port off: these recompressions need the binary, so a missing one shows the shortcut.
const noGzip = {
  gzipBinary: path.join(work.dir, 'no-such-gzip'),
  gzipPort: false,
  tempRoot: work.dir,
};

/** Adds `files` (name -> content) to the zip at `zipPath` with `zip -<level>`, in order. */
async function addToZip(zipPath: string, level: number, files: [string, Buffer][]) {
  const root = work.tempPath('tree');
  await mkdir(root);
  for (const [name, content] of files) await writeFile(path.join(root, name), content);
  await run('zip', ['-q', '-X', `-${level}`, zipPath, ...files.map(([name]) => name)], {
    cwd: root,
  });
}

function textFiles(prefix: string, count: number, seed: number): [string, Buffer][] {
  return Array.from({ length: count }, (_, i) => [
    `${prefix}-${i}.js`,
    text(20_000 + 3_000 * i, seed + i),
  ]);
}

/**
 * What an honest search would have recorded for the form: every uncorrected gzip record,
 * where its output starts, and the sha256 of its content.
 */
async function comparedFromForm(expanded: string): Promise<ComparedStream[]> {
  const bytes = await readFile(expanded);
  return withFile(expanded, async (handle) => {
    const { header, recordsStart, version } = await readExpandedHeader(handle);
    const records = expandedRecords(handle, bytes.length, recordsStart, header.recipes, version);
    const compared: ComparedStream[] = [];
    let position = 0;
    for await (const record of records) {
      if (record.kind === 'raw') {
        position += record.length;
        continue;
      }
      if (record.recipe.engine === 'gzip' && !record.correction) {
        compared.push({
          start: position,
          length: record.deflateLength,
          recipe: describeRecipe(record.recipe),
          contentSha256: sha256(bytes.subarray(record.start, record.start + record.contentLength)),
        });
      }
      position += record.deflateLength;
    }
    return compared;
  });
}

async function prove(
  expanded: string,
  original: string,
  compared: ComparedStream[],
  options = engines,
): Promise<ProofResult> {
  const { size } = await stat(original);
  return proveExpanded(expanded, original, size, options, undefined, compared);
}

describe('a zip made by zip -6', () => {
  let original: string;
  let expanded: string;
  let compared: ComparedStream[];

  beforeAll(async () => {
    original = work.tempPath('release.zip');
    await addToZip(original, 6, textFiles('lib', 20, 100));
    expanded = work.tempPath('expanded');
    const report = await new ArchiveCodec({ tempDir: work.dir }).expandWithReport(
      original,
      expanded,
    );
    expect(report).toMatchObject({ streams: 20, reproducedStreams: 20 });
    // The first entry has the full search; the batches after it compare whole.
    expect(report!.provenBySearch).toBeGreaterThanOrEqual(15);
    compared = await comparedFromForm(expanded);
    expect(compared).toHaveLength(20);
  });

  test('entries the search compared whole are proven without recompressing them', async () => {
    await expect(prove(expanded, original, compared, noGzip)).resolves.toEqual({
      provenBySearch: 20,
    });
    // Without the search's record, the same proof needs gzip: the shortcut is what passed.
    await expect(prove(expanded, original, [], noGzip)).rejects.toThrow(/GNU gzip was not found/);
    await expect(prove(expanded, original, [])).resolves.toEqual({ provenBySearch: 0 });
  });

  test('content that is not what the search compressed is recompressed, and caught', async () => {
    const form = await readFile(expanded);
    // One letter in the content of an entry in the middle, same length.
    const victim = compared[10]!;
    const at = form.indexOf(text(200, 110), 0);
    expect(at).toBeGreaterThan(0);
    form[at + 100] = form[at + 100] === 0x61 ? 0x62 : 0x61;
    const tampered = await work.file('tampered', form);
    const proof = await prove(tampered, original, compared);
    expect(proof).toHaveProperty('mismatch');
    const { offset } = (proof as { mismatch: { offset: number } }).mismatch;
    expect(offset).toBeGreaterThanOrEqual(victim.start);
    expect(offset).toBeLessThanOrEqual(victim.start + victim.length);
  });

  test('a record whose recipe is not the one the search compared is recompressed', async () => {
    const form = await readFile(expanded);
    const header = '"engine":"gzip","level":6';
    const at = form.indexOf(header);
    expect(at).toBeGreaterThan(0);
    form.write('"engine":"gzip","level":1', at);
    const relabelled = await work.file('relabelled', form);
    await expect(prove(relabelled, original, compared)).resolves.toHaveProperty('mismatch');
  });
});

test('a corrected record is recompressed: its correction bytes are not in the content hash', async () => {
  const content = text(300_000, 7);
  const source = await work.file('content.txt', content);
  const { stdout } = await run('gzip', ['-n', '-6', '-c', source], {
    encoding: 'buffer',
    maxBuffer: 16 * 1024 * 1024,
  });
  const gzipped = stdout as unknown as Buffer;
  const original = await work.file('content.txt.gz', gzipped);
  const bodyLength = gzipped.length - 18;
  const expanded = work.tempPath('corrected');
  const recipe = { engine: 'gzip' as const, level: 6, rsyncable: false };
  const writer = await ExpandedWriter.create(expanded, {
    codec: 'gzip',
    recipes: [recipe],
    producers: {},
  });
  await writer.raw(original, 0, 10);
  await writer.deflated(0, bodyLength, Readable.from([content]), {
    path: original,
    start: 10 + bodyLength - 4,
    length: 4,
  });
  await writer.raw(original, 10 + bodyLength, 8);
  await writer.finish();
  const compared: ComparedStream[] = [
    {
      start: 10,
      length: bodyLength,
      recipe: describeRecipe(recipe),
      contentSha256: sha256(content),
    },
  ];
  await expect(prove(expanded, original, compared)).resolves.toEqual({ provenBySearch: 0 });
  // The correction is the 4 bytes before the trailer's record ('R', u64 length, 8 bytes, 'E').
  const form = await readFile(expanded);
  const correctionEnd = form.length - 1 - 8 - 9;
  form[correctionEnd - 2] = form[correctionEnd - 2]! ^ 0xff;
  const tampered = await work.file('tampered-correction', form);
  const proof = await prove(tampered, original, compared);
  expect(proof).toHaveProperty('mismatch');
  expect((proof as { mismatch: { offset: number } }).mismatch.offset).toBe(10 + bodyLength - 2);
});

test('zip entries of two levels: batches split across two gzip runs keep every entry', async () => {
  // Level 1 entries among level 6 ones: batched runs fail on them in either half.
  const original = work.tempPath('mixed.zip');
  await addToZip(original, 6, textFiles('a', 12, 200));
  await addToZip(original, 1, textFiles('odd', 1, 300));
  await addToZip(original, 6, textFiles('b', 30, 400));
  await addToZip(original, 1, textFiles('late', 1, 500));
  await addToZip(original, 6, textFiles('c', 9, 600));
  const expanded = work.tempPath('expanded');
  const codec = new ArchiveCodec({ tempDir: work.dir });
  const report = await codec.expandWithReport(original, expanded);
  expect(report).toMatchObject({ streams: 53, reproducedStreams: 53 });
  expect(report!.recipes.sort()).toEqual(['gzip -n -1', 'gzip -n -6']);
  const rebuilt = work.tempPath('rebuilt');
  await codec.rebuild(expanded, rebuilt);
  expect(sha256(await readFile(rebuilt))).toBe(sha256(await readFile(original)));
});

test('an entry whose header understates its size: inflated as a stream, still rebuilt', async () => {
  const original = work.tempPath('understated.zip');
  const big = text(5 * 1024 * 1024, 700);
  await addToZip(original, 6, [
    ...textFiles('a', 10, 710),
    ['big.js', big],
    ...textFiles('b', 10, 720),
  ]);
  // The central directory says 100 bytes: whole-buffer inflation (bounded) must not take it.
  const zip = await readFile(original);
  const name = zip.indexOf('big.js', zip.lastIndexOf('PK\x05\x06') - 2_000);
  const central = zip.lastIndexOf('PK\x01\x02', name);
  expect(zip.readUInt32LE(central + 24)).toBe(big.length);
  zip.writeUInt32LE(100, central + 24);
  await writeFile(original, zip);
  const expanded = work.tempPath('expanded');
  const codec = new ArchiveCodec({ tempDir: work.dir });
  const report = await codec.expandWithReport(original, expanded);
  expect(report).toMatchObject({ streams: 21, reproducedStreams: 21 });
  expect(report!.contentBytes).toBeGreaterThan(big.length);
  const rebuilt = work.tempPath('rebuilt');
  await codec.rebuild(expanded, rebuilt);
  expect(sha256(await readFile(rebuilt))).toBe(sha256(zip));
});

test('entries that do not inflate, among batched ones, stay verbatim; the rest are rebuilt', async () => {
  const original = work.tempPath('corrupt.zip');
  await addToZip(original, 6, textFiles('lib', 24, 800));
  const zip = await readFile(original);
  // Block type 3 (reserved) at the start of four entries' data: inflating them fails at once.
  for (const name of ['lib-2.js', 'lib-4.js', 'lib-6.js', 'lib-17.js']) {
    const local = zip.indexOf(`PK\x03\x04`, zip.indexOf(name) - 40);
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    expect(zip.toString('latin1', local + 30, local + 30 + name.length)).toBe(name);
    zip[dataStart] = 0xff;
  }
  await writeFile(original, zip);
  const expanded = work.tempPath('expanded');
  const codec = new ArchiveCodec({ tempDir: work.dir });
  const report = await codec.expandWithReport(original, expanded);
  expect(report).toMatchObject({ streams: 24, reproducedStreams: 20 });
  const rebuilt = work.tempPath('rebuilt');
  await codec.rebuild(expanded, rebuilt);
  expect(sha256(await readFile(rebuilt))).toBe(sha256(zip));
});
