// The go-flate engine against the real Go toolchain: byte for byte what Go's
// compress/flate writes at every level, for single Writes, io.Copy-sized Writes and odd
// ones, and the same Huffman codes as Go's own builder for frequency sets that hit its
// corner cases (ties, the 15-bit limit, one or two symbols). Skipped, with the reason in
// the test name, where Go is not installed or is not an encoder the port is of.
import { afterAll, expect, test } from '@jest/globals';
import { GoCompressor } from '../../src/adapters/archive/go-flate/compressor.js';
import { deflateWithGoFlate } from '../../src/adapters/archive/go-flate/engine.js';
import { goFlate } from '../../src/adapters/archive/go-flate/recipe.js';
import { orderForGoTail } from '../../src/adapters/archive/go-flate/candidate-order.js';
import { HuffmanEncoder } from '../../src/adapters/archive/go-flate/huffman-code.js';
import {
  candidateRecipes,
  describeRecipe,
  parseRecipe,
} from '../../src/adapters/archive/deflate-recipes.js';
import { withFile } from '../../src/adapters/archive/byte-sinks.js';
import { deflateRawSync } from 'node:zlib';
import {
  deflateInPieces,
  firstDifference,
  noise,
  scratch,
  text,
} from '../helpers/archive-fixtures.js';
import { goDeflate, goHuffman, goUnavailable } from '../helpers/go-flate-oracle.js';
import { testUnless } from '../helpers/skip-note.js';

const work = await scratch('dg-goflate-');
afterAll(() => work.cleanup());

const reason = goUnavailable();
const goTest = testUnless(reason);

/** A release-like mix: text modules, a table of numbers, a binary, long runs, tiny bits. */
function corpus(): Buffer {
  const numbers = Buffer.from(
    Array.from({ length: 40_000 }, (_, i) => `${(i * 7919) % 100_003}`).join(','),
  );
  return Buffer.concat([
    text(300_000, 1),
    noise(70_000, 2),
    numbers,
    Buffer.alloc(40_000, 0x20),
    text(120_000, 1), // repeats the first module: long matches far back
    noise(3, 4),
  ]);
}

/** What the engine writes, through its streaming interface, content in `chunk`-byte pieces. */
function engineDeflate(level: number, data: Buffer, chunk = 64 * 1024): Promise<Buffer> {
  return deflateInPieces(
    (content, consume) => deflateWithGoFlate(goFlate(level), content, consume),
    data,
    chunk,
  );
}

const data = corpus();
// Every level Go has: its default (6), archive/zip's (5), goreleaser's (9), BestSpeed (1),
// the rest, store (0) and HuffmanOnly (-2).
for (const level of [6, 5, 9, 1, 2, 3, 4, 7, 8, 0, -2]) {
  goTest(
    `level ${level}: byte for byte what Go's compress/flate writes`,
    async () => {
      const go = await goDeflate(work.dir, data, level);
      // The engine's content chunks never line up with Go's one Write; 17 KB pieces neither.
      expect(firstDifference(await engineDeflate(level, data), go)).toBe(-1);
      expect(firstDifference(await engineDeflate(level, data, 17_000), go)).toBe(-1);
    },
    120_000,
  );
}

goTest(
  "io.Copy's 32 KiB Writes and small or empty inputs match Go",
  async () => {
    for (const level of [9, 5, 6, 1]) {
      expect(
        firstDifference(
          await engineDeflate(level, data),
          await goDeflate(work.dir, data, level, 32 * 1024),
        ),
      ).toBe(-1);
      for (const small of [
        Buffer.alloc(0),
        Buffer.from('a'),
        text(16, 3),
        text(17, 3),
        text(200, 3),
      ]) {
        expect(
          firstDifference(
            await engineDeflate(level, small),
            await goDeflate(work.dir, small, level),
          ),
        ).toBe(-1);
      }
    }
  },
  120_000,
);

goTest(
  'replayed Go Writes of odd sizes match Go',
  async () => {
    const sample = data.subarray(0, 300_000);
    for (const [level, size] of [
      [6, 777],
      [9, 65_530],
      [5, 4099],
      [2, 1000],
    ] as const) {
      const compressor = new GoCompressor(level);
      for (let i = 0; i < sample.length; i += size)
        compressor.write(sample.subarray(i, i + size), true);
      compressor.close();
      const mine = Buffer.concat(compressor.take());
      expect(firstDifference(mine, await goDeflate(work.dir, sample, level, size))).toBe(-1);
    }
  },
  120_000,
);

/** Frequency sets that reach the Huffman builder's corner cases. */
const FREQUENCY_SETS: [string, number[], number][] = [
  ['Fibonacci frequencies (deeper than 15 bits unless limited)', fibonacci(30), 15],
  ['Fibonacci frequencies with the codegen limit of 7 bits', fibonacci(19), 7],
  ['all frequencies equal (ties broken by symbol)', Array(286).fill(5), 15],
  ['one symbol', [0, 0, 9, 0], 15],
  ['two symbols', [3, 0, 0, 1], 15],
  ['three symbols, zeros between', [0, 1, 0, 1, 0, 0, 2], 15],
  ['a literal/length alphabet shaped like text', textLike(), 15],
  ['powers of two', Array.from({ length: 20 }, (_, i) => 2 ** i), 15],
];

function fibonacci(n: number): number[] {
  const out = [1, 1];
  while (out.length < n) out.push(out.at(-1)! + out.at(-2)!);
  return out.reverse(); // high frequencies at low symbols: sorting must reorder them
}

function textLike(): number[] {
  const freq = Array<number>(286).fill(0);
  for (let i = 0; i < 286; i++)
    freq[i] = (Math.imul(i + 1, 2654435761) >>> 0) % 7 === 0 ? 0 : (i * 37) % 101;
  freq[256] = 1;
  return freq;
}

for (const [name, freq, maxBits] of FREQUENCY_SETS) {
  goTest(`Huffman codes equal Go's: ${name}`, async () => {
    const encoder = new HuffmanEncoder(freq.length);
    encoder.generate(Int32Array.from(freq), maxBits);
    const mine = freq.map((f, i) => [encoder.lengths[i]!, f === 0 ? 0 : encoder.codes[i]!]);
    expect(mine).toEqual(await goHuffman(work.dir, freq, maxBits));
    expect(Math.max(...mine.map(([length]) => length!))).toBeLessThanOrEqual(maxBits);
  });
}

test('Go candidates are tried first on a stream ending like Go and never on others', async () => {
  const candidates = candidateRecipes({ gzipBinary: true });
  expect(candidates.some((recipe) => recipe.engine === 'go')).toBe(true);
  const goEnded = await engineDeflate(6, text(50_000, 9));
  const zlibEnded = deflateRawSync(text(50_000, 9));
  const order = async (bytes: Buffer) => {
    const file = await work.file('stream', Buffer.concat([Buffer.from('head'), bytes]));
    return withFile(file, (handle) => orderForGoTail(handle, 4, bytes.length, candidates));
  };
  const forGo = await order(goEnded);
  expect(forGo.slice(0, 3).map(describeRecipe)).toEqual([
    'go-flate level 9',
    'go-flate level 6',
    'go-flate level 5',
  ]);
  expect(forGo).toHaveLength(candidates.length);
  const forZlib = await order(zlibEnded);
  expect(forZlib.some((recipe) => recipe.engine === 'go')).toBe(false);
  expect(forZlib).toEqual(candidates.filter((recipe) => recipe.engine !== 'go'));
});

test('go recipes read back from an expanded form are checked', () => {
  expect(parseRecipe({ engine: 'go', level: 9 })).toEqual(goFlate(9));
  expect(parseRecipe({ engine: 'go', level: -2 })).toEqual(goFlate(-2));
  for (const level of [-1, 10, 5.5, '9', undefined]) {
    expect(() => parseRecipe({ engine: 'go', level })).toThrow(/go-flate level/);
  }
});
