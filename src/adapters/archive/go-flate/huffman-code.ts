// Go's Huffman code builder (compress/flate huffman_code.go), re-implemented in TypeScript.
// A deflate stream's bytes depend on exactly which code lengths the encoder picks among
// equally good ones, so this follows Go's algorithm step for step: frequencies sorted by
// (frequency, literal), a package-merge style count of literals per bit length with the
// length limit, then codes assigned in literal order within each length.
//
// Origin: Go's compress/flate (Go 1.19). Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license: see LICENSE in this folder.

/** Codes and lengths of one alphabet; `codes[i]` is bit-reversed, ready to write LSB first. */
export class HuffmanEncoder {
  readonly codes: Uint16Array;
  readonly lengths: Uint8Array;

  constructor(size: number) {
    this.codes = new Uint16Array(size);
    this.lengths = new Uint8Array(size);
  }

  /** Total bits to write `freq` with this code. */
  bitLength(freq: Int32Array): number {
    let total = 0;
    for (let i = 0; i < freq.length; i++) {
      const f = freq[i]!;
      if (f !== 0) total += f * this.lengths[i]!;
    }
    return total;
  }

  /** The minimum code for `freq` (one entry a symbol), no length above `maxBits`. */
  generate(freq: Int32Array, maxBits: number): void {
    const list: { literal: number; freq: number }[] = [];
    for (let i = 0; i < freq.length; i++) {
      const f = freq[i]!;
      if (f !== 0) list.push({ literal: i, freq: f });
      else this.lengths[i] = 0;
    }
    if (list.length <= 2) {
      // Go: with two or fewer symbols every one gets length 1, codes in literal order.
      list.forEach((node, i) => this.set(node.literal, i, 1));
      return;
    }
    list.sort((a, b) => a.freq - b.freq || a.literal - b.literal);
    this.assignEncodingAndSize(bitCounts(list, maxBits), list);
  }

  private set(literal: number, code: number, length: number): void {
    this.codes[literal] = code;
    this.lengths[literal] = length;
  }

  private assignEncodingAndSize(bitCount: Int32Array, sorted: { literal: number; freq: number }[]) {
    let code = 0;
    let list = sorted;
    for (let n = 0; n < bitCount.length; n++) {
      code <<= 1;
      const bits = bitCount[n]!;
      if (n === 0 || bits === 0) continue;
      // The `bits` least frequent remaining symbols get length n, numbered in literal order.
      const chunk = list.slice(list.length - bits).sort((a, b) => a.literal - b.literal);
      for (const node of chunk) {
        this.set(node.literal, reverseBits(code, n), n);
        code++;
      }
      list = list.slice(0, list.length - bits);
    }
  }
}

const MAX_BITS_LIMIT = 16;
const MAX_INT32 = 0x7fffffff;

/**
 * How many symbols get each bit length (`result[i]`: symbols of length i), for a list of at
 * least 3 symbols sorted by increasing frequency. Go's bitCounts, line for line.
 */
export function bitCounts(list: readonly { freq: number }[], maxBitsIn: number): Int32Array {
  if (maxBitsIn >= MAX_BITS_LIMIT) throw new Error('flate: maxBits too large');
  const n = list.length;
  const freqAt = (i: number) => (i < n ? list[i]!.freq : MAX_INT32);
  const maxBits = Math.min(maxBitsIn, n - 1);
  const lastFreq = new Float64Array(MAX_BITS_LIMIT);
  const nextCharFreq = new Float64Array(MAX_BITS_LIMIT);
  const nextPairFreq = new Float64Array(MAX_BITS_LIMIT);
  const needed = new Int32Array(MAX_BITS_LIMIT);
  // leafCounts[i][j]: literals left of the level-j ancestor of the rightmost node at level i.
  const leafCounts = new Int32Array(MAX_BITS_LIMIT * MAX_BITS_LIMIT);
  const lc = (i: number, j: number) => i * MAX_BITS_LIMIT + j;
  for (let level = 1; level <= maxBits; level++) {
    lastFreq[level] = freqAt(1);
    nextCharFreq[level] = freqAt(2);
    nextPairFreq[level] = level === 1 ? MAX_INT32 : freqAt(0) + freqAt(1);
    leafCounts[lc(level, level)] = 2;
  }
  needed[maxBits] = 2 * n - 4;
  let level = maxBits;
  for (;;) {
    if (nextPairFreq[level] === MAX_INT32 && nextCharFreq[level] === MAX_INT32) {
      // Out of leaves and pairs: this level is done for good.
      needed[level] = 0;
      nextPairFreq[level + 1] = MAX_INT32;
      level++;
      continue;
    }
    const prevFreq = lastFreq[level]!;
    if (nextCharFreq[level]! < nextPairFreq[level]!) {
      const count = leafCounts[lc(level, level)]! + 1;
      lastFreq[level] = nextCharFreq[level]!;
      leafCounts[lc(level, level)] = count;
      nextCharFreq[level] = freqAt(count);
    } else {
      lastFreq[level] = nextPairFreq[level]!;
      for (let j = 0; j < level; j++) leafCounts[lc(level, j)] = leafCounts[lc(level - 1, j)]!;
      needed[level - 1] = 2;
    }
    if (--needed[level]! === 0) {
      if (level === maxBits) break;
      nextPairFreq[level + 1] = prevFreq + lastFreq[level]!;
      level++;
    } else {
      while (needed[level - 1]! > 0) level--;
    }
  }
  if (leafCounts[lc(maxBits, maxBits)] !== n) {
    throw new Error('flate: leafCounts[maxBits][maxBits] != n');
  }
  const bitCount = new Int32Array(maxBits + 1);
  let bits = 1;
  for (let lv = maxBits; lv > 0; lv--) {
    bitCount[bits] = leafCounts[lc(maxBits, lv)]! - leafCounts[lc(maxBits, lv - 1)]!;
    bits++;
  }
  return bitCount;
}

export function reverseBits(number: number, bitLength: number): number {
  let result = 0;
  for (let i = 0; i < bitLength; i++) result |= ((number >>> i) & 1) << (bitLength - 1 - i);
  return result;
}

export const MAX_NUM_LIT = 286;
export const OFFSET_CODE_COUNT = 30;

function fixedLiteralEncoding(): HuffmanEncoder {
  const h = new HuffmanEncoder(MAX_NUM_LIT);
  for (let ch = 0; ch < MAX_NUM_LIT; ch++) {
    let bits: number;
    let size: number;
    if (ch < 144) [bits, size] = [ch + 48, 8];
    else if (ch < 256) [bits, size] = [ch + 400 - 144, 9];
    else if (ch < 280) [bits, size] = [ch - 256, 7];
    else [bits, size] = [ch + 192 - 280, 8];
    h.codes[ch] = reverseBits(bits, size);
    h.lengths[ch] = size;
  }
  return h;
}

function fixedOffsetEncoding(): HuffmanEncoder {
  const h = new HuffmanEncoder(OFFSET_CODE_COUNT);
  for (let ch = 0; ch < OFFSET_CODE_COUNT; ch++) {
    h.codes[ch] = reverseBits(ch, 5);
    h.lengths[ch] = 5;
  }
  return h;
}

export const FIXED_LITERALS = fixedLiteralEncoding();
export const FIXED_OFFSETS = fixedOffsetEncoding();
