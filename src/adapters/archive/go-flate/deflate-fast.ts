// Go's BestSpeed (level 1) matcher (compress/flate deflatefast.go, itself after Snappy):
// a 16K-entry hash table of 4-byte values, match skipping that speeds up over literals,
// and matches into the previous 64 KiB block.
//
// Origin: Go's compress/flate (Go 1.19). Copyright 2016 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license: see LICENSE in this folder.
import { MAX_STORE_BLOCK_SIZE } from './bit-writer.js';
import { literalToken, matchToken } from './tokens.js';

const TABLE_BITS = 14;
const TABLE_SIZE = 1 << TABLE_BITS;
const TABLE_MASK = TABLE_SIZE - 1;
const TABLE_SHIFT = 32 - TABLE_BITS;
const MAX_MATCH_OFFSET = 1 << 15;
const MAX_MATCH_LENGTH = 258;
const BUFFER_RESET = 0x7fffffff - MAX_STORE_BLOCK_SIZE * 2;
const INPUT_MARGIN = 16 - 1;
const MIN_NON_LITERAL_BLOCK_SIZE = 1 + 1 + INPUT_MARGIN;

// Taken once: `Math.imul` looked up per call is 30x slower in Jest's sandbox.
const { imul, min } = Math;

function load32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function hash(u: number): number {
  return imul(u, 0x1e35a7bd) >>> TABLE_SHIFT;
}

/** Tokens out: `encode` fills `dst` and returns how many it wrote. */
export class DeflateFast {
  private readonly tableVal = new Uint32Array(TABLE_SIZE);
  private readonly tableOffset = new Int32Array(TABLE_SIZE);
  private readonly prev = new Uint8Array(MAX_STORE_BLOCK_SIZE);
  private prevLength = 0;
  private cur = MAX_STORE_BLOCK_SIZE;

  encode(dst: Uint32Array, src: Uint8Array): number {
    if (this.cur >= BUFFER_RESET) this.shiftOffsets();
    let count = 0;
    const emitLiteral = (from: number, to: number) => {
      for (let i = from; i < to; i++) dst[count++] = literalToken(src[i]!);
    };
    if (src.length < MIN_NON_LITERAL_BLOCK_SIZE) {
      this.cur += MAX_STORE_BLOCK_SIZE;
      this.prevLength = 0;
      emitLiteral(0, src.length);
      return count;
    }
    const { tableVal, tableOffset } = this;
    const sLimit = src.length - INPUT_MARGIN;
    let nextEmit = 0;
    let s = 0;
    let cv = load32(src, s);
    let nextHash = hash(cv);
    outer: for (;;) {
      let skip = 32;
      let nextS = s;
      let candidateVal = 0;
      let candidateOffset = 0;
      for (;;) {
        s = nextS;
        const bytesBetweenHashLookups = skip >> 5;
        nextS = s + bytesBetweenHashLookups;
        skip += bytesBetweenHashLookups;
        if (nextS > sLimit) break outer;
        const slot = nextHash & TABLE_MASK;
        candidateVal = tableVal[slot]!;
        candidateOffset = tableOffset[slot]!;
        const now = load32(src, nextS);
        tableVal[slot] = cv;
        tableOffset[slot] = s + this.cur;
        nextHash = hash(now);
        const offset = s - (candidateOffset - this.cur);
        if (offset > MAX_MATCH_OFFSET || cv !== candidateVal) {
          cv = now;
          continue;
        }
        break;
      }
      emitLiteral(nextEmit, s);
      for (;;) {
        // A 4-byte match at s: extend it, then look for another right after.
        s += 4;
        const t = candidateOffset - this.cur + 4;
        const l = this.matchLen(s, t, src);
        dst[count++] = matchToken(l + 4 - 3, s - t - 1);
        s += l;
        nextEmit = s;
        if (s >= sLimit) break outer;
        const prevVal = load32(src, s - 1);
        const prevSlot = hash(prevVal) & TABLE_MASK;
        tableVal[prevSlot] = prevVal;
        tableOffset[prevSlot] = this.cur + s - 1;
        const currVal = load32(src, s);
        const currSlot = hash(currVal) & TABLE_MASK;
        candidateVal = tableVal[currSlot]!;
        candidateOffset = tableOffset[currSlot]!;
        tableVal[currSlot] = currVal;
        tableOffset[currSlot] = this.cur + s;
        const offset = s - (candidateOffset - this.cur);
        if (offset > MAX_MATCH_OFFSET || currVal !== candidateVal) {
          cv = load32(src, s + 1);
          nextHash = hash(cv);
          s++;
          break;
        }
      }
    }
    if (nextEmit < src.length) emitLiteral(nextEmit, src.length);
    this.cur += src.length;
    this.prev.set(src, 0);
    this.prevLength = src.length;
    return count;
  }

  /** Match length at s against t (negative t: inside the previous block). */
  private matchLen(s: number, t: number, src: Uint8Array): number {
    const s1 = min(s + MAX_MATCH_LENGTH - 4, src.length);
    if (t >= 0) {
      for (let i = 0; s + i < s1; i++) if (src[s + i] !== src[t + i]) return i;
      return s1 - s;
    }
    const tp = this.prevLength + t;
    if (tp < 0) return 0;
    const n = min(s1 - s, this.prevLength - tp);
    for (let i = 0; i < n; i++) if (src[s + i] !== this.prev[tp + i]) return i;
    if (s + n === s1) return n;
    // Continues from the previous block into the start of this one.
    for (let i = 0; s + n + i < s1; i++) if (src[s + n + i] !== src[i]) return i + n;
    return s1 - s;
  }

  /** Forgets history (Go's reset): no later match may reach back past this point. */
  reset(): void {
    this.prevLength = 0;
    this.cur += MAX_MATCH_OFFSET;
    if (this.cur >= BUFFER_RESET) this.shiftOffsets();
  }

  private shiftOffsets(): void {
    if (this.prevLength === 0) {
      this.tableVal.fill(0);
      this.tableOffset.fill(0);
      this.cur = MAX_MATCH_OFFSET + 1;
      return;
    }
    for (let i = 0; i < TABLE_SIZE; i++) {
      const v = this.tableOffset[i]! - this.cur + MAX_MATCH_OFFSET + 1;
      this.tableOffset[i] = v < 0 ? 0 : v;
    }
    this.cur = MAX_MATCH_OFFSET + 1;
  }
}
