// The VCDIFF header reader and the part joiner of the segmented encode, and the segment
// plan, on hand-made bytes (the integration test runs them on real xdelta3 output).
import { describe, expect, test } from '@jest/globals';
import { encodeWorkersFrom, planSegments } from '../../src/adapters/xdelta3/segment-plan.js';
import {
  readVarint,
  VcdiffConcatenator,
  VcdiffFormatError,
  vcdiffHeaderLength,
} from '../../src/adapters/xdelta3/vcdiff-header.js';

const MAGIC = [0xd6, 0xc3, 0xc4, 0x00];
const bytes = (...values: number[]) => Buffer.from(values);

describe('vcdiffHeaderLength', () => {
  test('a bare header (xdelta3 -A -S none) is 5 bytes', () => {
    expect(vcdiffHeaderLength(bytes(...MAGIC, 0x00, 0x05, 0x01))).toBe(5);
  });

  test('secondary compressor id and application header are counted', () => {
    // VCD_SECONDARY (lzma = 2) + VCD_APPHEADER of 3 bytes.
    expect(vcdiffHeaderLength(bytes(...MAGIC, 0x05, 0x02, 0x03, 0x61, 0x62, 0x63, 0x07))).toBe(10);
    // An application header of 130 bytes: a two-byte length.
    const app = Buffer.concat([bytes(...MAGIC, 0x04, 0x81, 0x02), Buffer.alloc(130, 0x61)]);
    expect(vcdiffHeaderLength(app)).toBe(137);
  });

  test('undefined while the header is cut short, at every cut', () => {
    const whole = bytes(...MAGIC, 0x05, 0x02, 0x81, 0x00, ...new Array(128).fill(0x61));
    expect(vcdiffHeaderLength(whole)).toBe(whole.length);
    for (let cut = 0; cut < whole.length; cut++)
      expect(vcdiffHeaderLength(whole.subarray(0, cut))).toBeUndefined();
  });

  test('refuses what is not a VCDIFF header', () => {
    expect(() => vcdiffHeaderLength(bytes(0x1f, 0x8b, 0x08))).toThrow(VcdiffFormatError);
    expect(() => vcdiffHeaderLength(bytes(...MAGIC, 0x80))).toThrow(/indicator/);
    expect(() => vcdiffHeaderLength(bytes(...MAGIC, 0x04, 0xff, 0xff, 0x7f))).toThrow(/section of/);
  });
});

describe('readVarint', () => {
  test('base 128, most significant first', () => {
    expect(readVarint(bytes(0x00), 0)).toEqual({ value: 0, next: 1 });
    expect(readVarint(bytes(0x9, 0x81, 0x00), 1)).toEqual({ value: 128, next: 3 });
    expect(readVarint(bytes(0x8f, 0xff, 0xff, 0xff, 0x7f), 0)).toEqual({
      value: 0xffffffff,
      next: 5,
    });
    expect(readVarint(bytes(0x81), 0)).toBeUndefined();
    expect(() => readVarint(bytes(0x90, 0x80, 0x80, 0x80, 0x00), 0)).toThrow(/32 bits/);
    expect(() => readVarint(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 0)).toThrow(/5 bytes/);
  });
});

describe('VcdiffConcatenator', () => {
  const header = bytes(...MAGIC, 0x04, 0x02, 0x78, 0x79);
  /** Feeds `parts`, each cut into `chunk`-byte pieces, and returns what comes out. */
  function join(parts: Buffer[], chunk: number): Buffer {
    const concat = new VcdiffConcatenator();
    const out: Buffer[] = [];
    for (const part of parts) {
      concat.startPart();
      for (let i = 0; i < part.length; i += chunk)
        out.push(concat.push(part.subarray(i, i + chunk)));
      concat.endPart();
    }
    return Buffer.concat(out);
  }

  test('keeps the first header, drops the others, whatever the chunking', () => {
    const parts = [
      Buffer.concat([header, bytes(1, 2, 3)]),
      Buffer.concat([header, bytes(4, 5)]),
      Buffer.concat([header, bytes(6)]),
    ];
    const expected = Buffer.concat([header, bytes(1, 2, 3, 4, 5, 6)]);
    for (const chunk of [1, 2, 3, 7, 100]) expect(join(parts, chunk)).toEqual(expected);
  });

  test('refuses parts written with another header', () => {
    const other = bytes(...MAGIC, 0x01, 0x02);
    expect(() =>
      join([Buffer.concat([header, bytes(1)]), Buffer.concat([other, bytes(2)])], 4),
    ).toThrow(/part 2 has another VCDIFF header/);
  });

  test('refuses a part that ends inside its header (an empty or cut part)', () => {
    expect(() => join([Buffer.concat([header, bytes(1)]), Buffer.alloc(0)], 4)).toThrow(
      /part 2 ended inside its VCDIFF header/,
    );
    expect(() => join([header.subarray(0, 6)], 4)).toThrow(/part 1 ended/);
  });
});

describe('planSegments', () => {
  const MIB = 1024 * 1024;

  test('small targets and a single worker stay whole', () => {
    expect(planSegments(16 * MIB - 1, 4)).toEqual([{ start: 0, end: 16 * MIB - 1 }]);
    expect(planSegments(100 * MIB, 1)).toEqual([{ start: 0, end: 100 * MIB }]);
    expect(planSegments(0, 4)).toEqual([{ start: 0, end: 0 }]);
  });

  test('cuts at whole units, as even as they allow, the last taking the rest', () => {
    // 100 MiB = 13 units of 8 MiB (the last 4 MiB): 4 segments of 4, 3, 3, 3 units.
    expect(planSegments(100 * MIB, 4)).toEqual([
      { start: 0, end: 32 * MIB },
      { start: 32 * MIB, end: 56 * MIB },
      { start: 56 * MIB, end: 80 * MIB },
      { start: 80 * MIB, end: 100 * MIB },
    ]);
    // Never more segments than units.
    expect(planSegments(3 * MIB + 5, 8, MIB)).toHaveLength(4);
    expect(planSegments(3 * MIB + 5, 8, MIB).at(-1)).toEqual({ start: 3 * MIB, end: 3 * MIB + 5 });
  });
});

describe('encodeWorkersFrom', () => {
  test('DG_ENCODE_WORKERS when set, else a positive CPU count', () => {
    expect(encodeWorkersFrom({ DG_ENCODE_WORKERS: '4' })).toBe(4);
    expect(encodeWorkersFrom({})).toBeGreaterThan(0);
    expect(encodeWorkersFrom({ DG_ENCODE_WORKERS: ' ' })).toBeGreaterThan(0);
  });

  test('one clear error for a value that is not a worker count', () => {
    for (const value of ['0', '2.5', 'four', '65'])
      expect(() => encodeWorkersFrom({ DG_ENCODE_WORKERS: value })).toThrow(
        /DG_ENCODE_WORKERS must be a whole number from 1 to 64/,
      );
  });
});
