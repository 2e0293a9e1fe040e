// Go's deflate compressor (compress/flate deflate.go, before Go 1.27) in TypeScript: the
// level table, the hash chains with lazy matching (levels 2–9), BestSpeed (level 1),
// store (0) and Huffman-only (-2), with the same block boundaries and the same closing
// empty stored block, so that its output equals Go's byte for byte.
//
// Go's output depends on where its Write calls split the input in one narrow case: the
// window slides when a Write starts with the window nearly full, so a Write that ends in
// the last 262 bytes before the window is full slides it earlier than one long Write
// would. `write(bytes, true)` replays one Go Write call; `write(bytes, false)` continues a
// single long Write (what io.Copy's 32 KiB chunks amount to, as they end where the window
// fills).
//
// Origin: Go's compress/flate (Go 1.19). Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license: see LICENSE in this folder.
import { BitWriter, MAX_STORE_BLOCK_SIZE } from './bit-writer.js';
import { DeflateFast } from './deflate-fast.js';
import { literalToken, matchToken } from './tokens.js';

const LOG_WINDOW_SIZE = 15;
const WINDOW_SIZE = 1 << LOG_WINDOW_SIZE;
const WINDOW_MASK = WINDOW_SIZE - 1;
const MIN_MATCH_LENGTH = 4;
const MAX_MATCH_LENGTH = 258;
const BASE_MATCH_LENGTH = 3;
const BASE_MATCH_OFFSET = 1;
const MAX_FLATE_BLOCK_TOKENS = 1 << 14;
const HASH_BITS = 17;
const HASH_SIZE = 1 << HASH_BITS;
const MAX_HASH_OFFSET = 1 << 24;
const SKIP_NEVER = 0x7fffffff;
const HASH_MUL = 0x1e35a7bd;

/** Go's levels: good, lazy, nice, chain, fastSkipHashing (index = level). */
const LEVELS: readonly (readonly [number, number, number, number, number])[] = [
  [0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0],
  [4, 0, 16, 8, 5],
  [4, 0, 32, 32, 6],
  [4, 4, 16, 16, SKIP_NEVER],
  [8, 16, 32, 32, SKIP_NEVER],
  [8, 16, 128, 128, SKIP_NEVER],
  [8, 32, 128, 256, SKIP_NEVER],
  [32, 128, 258, 1024, SKIP_NEVER],
  [32, 258, 258, 4096, SKIP_NEVER],
];

/** Go's flate.HuffmanOnly. */
export const HUFFMAN_ONLY = -2;

// Math's functions taken once: looked up on `Math` in a hot loop they cost 30x more inside
// Jest's sandbox (its `Math` is not the engine's own object), and this runs per byte.
const { imul, min, max } = Math;

function hash4(b: Uint8Array, i: number): number {
  const u = b[i + 3]! | (b[i + 2]! << 8) | (b[i + 1]! << 16) | (b[i]! << 24);
  return imul(u, HASH_MUL) >>> (32 - HASH_BITS);
}

type Step = 'store' | 'huff' | 'fast' | 'deflate';

export class GoCompressor {
  private readonly w = new BitWriter();
  private readonly mode: Step;
  private readonly window: Uint8Array;
  private windowEnd = 0;
  private sync = false;
  private closed = false;
  private readonly tokens: Uint32Array;
  private ntokens = 0;
  // Levels 2–9.
  private readonly good: number;
  private readonly lazy: number;
  private readonly nice: number;
  private readonly chain: number;
  private readonly fastSkipHashing: number;
  private hashHead = new Uint32Array(0);
  private hashPrev = new Uint32Array(0);
  private chainHead = -1;
  private hashOffset = 1;
  private index = 0;
  private blockStart = 0;
  private byteAvailable = false;
  private length = MIN_MATCH_LENGTH - 1;
  private offset = 0;
  private maxInsertIndex = 0;
  private matchLength = 0;
  private matchOffset = 0;
  // Level 1.
  private readonly fast: DeflateFast | undefined;

  constructor(level: number) {
    if (!Number.isInteger(level) || level < HUFFMAN_ONLY || level > 9 || level === -1) {
      throw new RangeError(`go-flate: unsupported level ${level}`);
    }
    [this.good, this.lazy, this.nice, this.chain, this.fastSkipHashing] = LEVELS[max(level, 0)]!;
    if (level === 0 || level === HUFFMAN_ONLY) {
      this.mode = level === 0 ? 'store' : 'huff';
      this.window = new Uint8Array(MAX_STORE_BLOCK_SIZE);
      this.tokens = new Uint32Array(1);
    } else if (level === 1) {
      this.mode = 'fast';
      this.window = new Uint8Array(MAX_STORE_BLOCK_SIZE);
      this.tokens = new Uint32Array(MAX_STORE_BLOCK_SIZE + 1);
      this.fast = new DeflateFast();
    } else {
      this.mode = 'deflate';
      this.window = new Uint8Array(2 * WINDOW_SIZE);
      this.tokens = new Uint32Array(MAX_FLATE_BLOCK_TOKENS + 1);
      this.hashHead = new Uint32Array(HASH_SIZE);
      this.hashPrev = new Uint32Array(WINDOW_SIZE);
    }
  }

  /**
   * Compresses `data`. `asOneGoWrite`: exactly as one Go Write call; otherwise as the
   * continuation of one long Write begun earlier.
   */
  write(data: Uint8Array, asOneGoWrite: boolean): void {
    let rest = data;
    let first = asOneGoWrite;
    while (rest.length > 0) {
      if (first || this.windowEnd === this.window.length) this.step();
      first = false;
      rest = rest.subarray(this.fill(rest));
    }
  }

  /** Ends the stream (Go's Close): the last block, then an empty final stored block. */
  close(): void {
    if (this.closed) return;
    this.sync = true;
    this.step();
    this.w.writeStoredHeader(0, true);
    this.w.flush();
    this.closed = true;
  }

  /** Output bytes produced since the last call. */
  take(): Uint8Array[] {
    return this.w.take();
  }

  private step(): void {
    switch (this.mode) {
      case 'store':
        return this.store();
      case 'huff':
        return this.storeHuff();
      case 'fast':
        return this.encSpeed();
      case 'deflate':
        return this.deflate();
    }
  }

  private fill(b: Uint8Array): number {
    if (this.mode === 'deflate') this.slideIfNeeded();
    const n = min(b.length, this.window.length - this.windowEnd);
    this.window.set(b.subarray(0, n), this.windowEnd);
    this.windowEnd += n;
    return n;
  }

  private slideIfNeeded(): void {
    if (this.index < 2 * WINDOW_SIZE - (MIN_MATCH_LENGTH + MAX_MATCH_LENGTH)) return;
    this.window.copyWithin(0, WINDOW_SIZE, 2 * WINDOW_SIZE);
    this.index -= WINDOW_SIZE;
    this.windowEnd -= WINDOW_SIZE;
    // A block that started before the slide loses its bytes: it can no longer be stored.
    this.blockStart = this.blockStart >= WINDOW_SIZE ? this.blockStart - WINDOW_SIZE : SKIP_NEVER;
    this.hashOffset += WINDOW_SIZE;
    if (this.hashOffset > MAX_HASH_OFFSET) {
      const delta = this.hashOffset - 1;
      this.hashOffset -= delta;
      this.chainHead -= delta;
      for (const table of [this.hashPrev, this.hashHead]) {
        for (let i = 0; i < table.length; i++) {
          const v = table[i]!;
          table[i] = v > delta ? v - delta : 0;
        }
      }
    }
  }

  private store(): void {
    if (this.windowEnd > 0 && (this.windowEnd === MAX_STORE_BLOCK_SIZE || this.sync)) {
      this.writeStoredBlock(this.window.subarray(0, this.windowEnd));
      this.windowEnd = 0;
    }
  }

  private storeHuff(): void {
    if ((this.windowEnd < this.window.length && !this.sync) || this.windowEnd === 0) return;
    this.w.writeBlockHuff(false, this.window.subarray(0, this.windowEnd));
    this.windowEnd = 0;
  }

  private writeStoredBlock(buf: Uint8Array): void {
    this.w.writeStoredHeader(buf.length, false);
    this.w.writeBytes(buf);
  }

  private encSpeed(): void {
    const fast = this.fast!;
    if (this.windowEnd < MAX_STORE_BLOCK_SIZE) {
      if (!this.sync) return;
      if (this.windowEnd < 128) {
        if (this.windowEnd === 0) return;
        const small = this.window.subarray(0, this.windowEnd);
        if (this.windowEnd <= 16) this.writeStoredBlock(small);
        else this.w.writeBlockHuff(false, small);
        this.windowEnd = 0;
        fast.reset();
        return;
      }
    }
    const input = this.window.subarray(0, this.windowEnd);
    const count = fast.encode(this.tokens, input);
    // Less than 1/16 removed: Huffman-only is as good and cheaper to decode.
    if (count > this.windowEnd - (this.windowEnd >> 4)) this.w.writeBlockHuff(false, input);
    else this.w.writeBlockDynamic(this.tokens, count, false, input);
    this.windowEnd = 0;
  }

  private writeBlock(index: number): void {
    if (index <= 0) return;
    const input =
      this.blockStart <= index ? this.window.subarray(this.blockStart, index) : undefined;
    this.blockStart = index;
    this.w.writeBlock(this.tokens, this.ntokens, false, input);
  }

  /** Go's findMatch: true with `matchLength`/`matchOffset` set when a longer match is found. */
  private findMatch(pos: number, prevHead: number, prevLength: number, lookahead: number) {
    const win = this.window;
    const minMatchLook = min(MAX_MATCH_LENGTH, lookahead);
    const nice = min(this.nice, minMatchLook);
    let tries = this.chain;
    let length = prevLength;
    if (length >= this.good) tries >>= 2;
    let offset = 0;
    let ok = false;
    let wEnd = win[pos + length]!;
    const minIndex = pos - WINDOW_SIZE;
    const { hashPrev, hashOffset } = this;
    for (let i = prevHead; tries > 0; tries--) {
      if (wEnd === win[i + length]) {
        let n = 0;
        while (n < minMatchLook && win[i + n] === win[pos + n]) n++;
        if (n > length && (n > MIN_MATCH_LENGTH || pos - i <= 4096)) {
          length = n;
          offset = pos - i;
          ok = true;
          if (n >= nice) break;
          wEnd = win[pos + n]!;
        }
      }
      if (i === minIndex) break;
      i = hashPrev[i & WINDOW_MASK]! - hashOffset;
      if (i < minIndex || i < 0) break;
    }
    this.matchLength = length;
    this.matchOffset = offset;
    return ok;
  }

  private insertHash(index: number): void {
    const hash = hash4(this.window, index);
    this.hashPrev[index & WINDOW_MASK] = this.hashHead[hash]!;
    this.hashHead[hash] = index + this.hashOffset;
  }

  private pushToken(token: number): boolean {
    this.tokens[this.ntokens++] = token;
    return this.ntokens === MAX_FLATE_BLOCK_TOKENS;
  }

  private deflate(): void {
    const lookaheadNeeded = MIN_MATCH_LENGTH + MAX_MATCH_LENGTH;
    if (this.windowEnd - this.index < lookaheadNeeded && !this.sync) return;
    this.maxInsertIndex = this.windowEnd - (MIN_MATCH_LENGTH - 1);
    const win = this.window;
    const skip = this.fastSkipHashing;
    for (;;) {
      const lookahead = this.windowEnd - this.index;
      if (lookahead < lookaheadNeeded) {
        if (!this.sync) break;
        if (lookahead === 0) {
          if (this.byteAvailable) {
            this.pushToken(literalToken(win[this.index - 1]!));
            this.byteAvailable = false;
          }
          if (this.ntokens > 0) {
            this.writeBlock(this.index);
            this.ntokens = 0;
          }
          break;
        }
      }
      if (this.index < this.maxInsertIndex) {
        const hash = hash4(win, this.index);
        this.chainHead = this.hashHead[hash]!;
        this.hashPrev[this.index & WINDOW_MASK] = this.chainHead;
        this.hashHead[hash] = this.index + this.hashOffset;
      }
      const prevLength = this.length;
      const prevOffset = this.offset;
      this.length = MIN_MATCH_LENGTH - 1;
      this.offset = 0;
      const minIndex = max(this.index - WINDOW_SIZE, 0);
      if (
        this.chainHead - this.hashOffset >= minIndex &&
        ((skip !== SKIP_NEVER && lookahead > MIN_MATCH_LENGTH - 1) ||
          (skip === SKIP_NEVER && lookahead > prevLength && prevLength < this.lazy))
      ) {
        if (
          this.findMatch(
            this.index,
            this.chainHead - this.hashOffset,
            MIN_MATCH_LENGTH - 1,
            lookahead,
          )
        ) {
          this.length = this.matchLength;
          this.offset = this.matchOffset;
        }
      }
      if (
        (skip !== SKIP_NEVER && this.length >= MIN_MATCH_LENGTH) ||
        (skip === SKIP_NEVER && prevLength >= MIN_MATCH_LENGTH && this.length <= prevLength)
      ) {
        // The previous match (lazy levels), or this one, is output.
        const full =
          skip !== SKIP_NEVER
            ? this.pushToken(
                matchToken(this.length - BASE_MATCH_LENGTH, this.offset - BASE_MATCH_OFFSET),
              )
            : this.pushToken(
                matchToken(prevLength - BASE_MATCH_LENGTH, prevOffset - BASE_MATCH_OFFSET),
              );
        if (this.length <= skip) {
          const newIndex =
            skip !== SKIP_NEVER ? this.index + this.length : this.index + prevLength - 1;
          let index = this.index;
          for (index++; index < newIndex; index++) {
            if (index < this.maxInsertIndex) this.insertHash(index);
          }
          this.index = index;
          if (skip === SKIP_NEVER) {
            this.byteAvailable = false;
            this.length = MIN_MATCH_LENGTH - 1;
          }
        } else {
          // Too long to be worth hashing every position (levels 2–3).
          this.index += this.length;
        }
        if (full) {
          this.writeBlock(this.index);
          this.ntokens = 0;
        }
      } else {
        if (skip !== SKIP_NEVER || this.byteAvailable) {
          const i = skip !== SKIP_NEVER ? this.index : this.index - 1;
          if (this.pushToken(literalToken(win[i]!))) {
            this.writeBlock(i + 1);
            this.ntokens = 0;
          }
        }
        this.index++;
        if (skip === SKIP_NEVER) this.byteAvailable = true;
      }
    }
  }
}
