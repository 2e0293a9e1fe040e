// GNU gzip's deflate, reimplemented from the algorithm's description (see LICENSE): the
// classic lazy-match deflate of Jean-loup Gailly (the same design as zlib's deflate.c)
// with GNU gzip's settings and the choices in which its output differs from zlib's:
// - one 32 KiB window and 32K-entry hash (zlib's memLevel 8 hash, memLevel 9 buffer);
// - a block ends after 32767 symbols, or, from level 4, at a multiple of 4096 symbols
//   when fewer than half are matches and the block's estimate is under half its input
//   (the guess old zlib had under TRUNCATE_BLOCK);
// - matches are sought only while strstart <= 64 KiB - 262, and are not cut to the
//   lookahead before the search (zlib clamps nice_match), only after it;
// - at the end of input the two bytes after the data are zeroed and strings are still
//   inserted up to the end, so the search may read the window's earlier bytes there.
// The window is kept exactly as gzip keeps it (never cleared, slid by copying its upper
// half down) because a search near the end of input reads bytes past the data.
import { BlockWriter } from './block-writer.js';

const WSIZE = 0x8000;
const WMASK = WSIZE - 1;
const WINDOW_SIZE = 2 * WSIZE;
const HASH_SIZE = 0x8000;
const HASH_MASK = HASH_SIZE - 1;
const H_SHIFT = 5;
const MIN_MATCH = 3;
const MAX_MATCH = 258;
const MIN_LOOKAHEAD = MAX_MATCH + MIN_MATCH + 1;
const MAX_DIST = WSIZE - MIN_LOOKAHEAD;
const TOO_FAR = 4096;
const LIT_BUFSIZE = 0x8000;

/** good_length, max_lazy (max_insert for 1–3), nice_length, max_chain, per level. */
const CONFIGURATION: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 0, 0],
  [4, 4, 8, 4],
  [4, 5, 16, 8],
  [4, 6, 32, 32],
  [4, 4, 16, 16],
  [8, 16, 32, 32],
  [8, 16, 128, 128],
  [8, 32, 128, 256],
  [32, 128, 258, 1024],
  [32, 258, 258, 4096],
];

export class GzipDeflater {
  private readonly window = new Uint8Array(WINDOW_SIZE);
  private readonly prev = new Uint16Array(WSIZE);
  private readonly head = new Uint16Array(HASH_SIZE);
  private readonly blocks = new BlockWriter(LIT_BUFSIZE);
  private readonly goodMatch: number;
  private readonly maxLazy: number;
  private readonly niceMatch: number;
  private readonly maxChain: number;
  private insH = 0;
  private strstart = 0;
  private blockStart = 0;
  private lookahead = 0;
  private matchStart = 0;
  private prevLength = MIN_MATCH - 1;
  private matchLength = MIN_MATCH - 1;
  private matchAvailable = false;
  /** end() was called: no more input will come. */
  private eof = false;
  /** The input has been read to its end (gzip's eofile). */
  private eofFound = false;
  private started = false;
  private finished = false;
  /** Input not yet in the window. */
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private output: Uint8Array[] = [];

  constructor(private readonly level: number) {
    if (!Number.isInteger(level) || level < 1 || level > 9) {
      throw new RangeError(`gzip level ${level} is not 1..9`);
    }
    [this.goodMatch, this.maxLazy, this.niceMatch, this.maxChain] = CONFIGURATION[level]!;
  }

  /**
   * Adds content. It is compressed once a full window's worth is waiting, so every fill
   * reads as much as gzip's reads of a file do and the output does not depend on how the
   * content was split.
   */
  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WINDOW_SIZE) this.run();
  }

  /** Compresses what is left and ends the stream. */
  end(): void {
    this.eof = true;
    this.run();
  }

  /** The deflate bytes produced so far. */
  take(): Uint8Array[] {
    const out = this.output;
    this.output = [];
    return out;
  }

  /** Copies pending input into the window (read_buf); 0 at the end of input. */
  private read(at: number, size: number): number {
    let copied = 0;
    while (copied < size && this.pending.length > 0) {
      const first = this.pending[0]!;
      const n = Math.min(first.length, size - copied);
      this.window.set(first.subarray(0, n), at + copied);
      copied += n;
      if (n === first.length) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    }
    this.pendingBytes -= copied;
    return copied;
  }

  /** fill_window: slides when the window is almost full, then reads. */
  private fill(): void {
    let more = WINDOW_SIZE - this.lookahead - this.strstart;
    if (this.strstart >= WSIZE + MAX_DIST) {
      this.window.copyWithin(0, WSIZE, WINDOW_SIZE);
      this.matchStart -= WSIZE;
      this.strstart -= WSIZE;
      this.blockStart -= WSIZE;
      for (let n = 0; n < HASH_SIZE; n++) {
        const m = this.head[n]!;
        this.head[n] = m >= WSIZE ? m - WSIZE : 0;
      }
      for (let n = 0; n < WSIZE; n++) {
        const m = this.prev[n]!;
        this.prev[n] = m >= WSIZE ? m - WSIZE : 0;
      }
      more += WSIZE;
    }
    const n = this.read(this.strstart + this.lookahead, more);
    if (n === 0) {
      // gzip keeps the bytes after the data from polluting the hash: they are zeroed.
      this.eofFound = true;
      const end = this.strstart + this.lookahead;
      this.window.fill(0, end, end + MIN_MATCH - 1);
    } else {
      this.lookahead += n;
    }
  }

  /** Fills until there is enough lookahead; false when it must wait for more input. */
  private ensureLookahead(): boolean {
    while (this.lookahead < MIN_LOOKAHEAD && !this.eofFound) {
      if (!this.eof && this.pendingBytes < WINDOW_SIZE) return false;
      this.fill();
    }
    return true;
  }

  private run(): void {
    if (this.finished) return;
    if (!this.started) {
      if (!this.eof && this.pendingBytes < WINDOW_SIZE) return;
      this.started = true;
      // lm_init: the first read fills the whole window; an empty input reads nothing.
      this.lookahead = this.read(0, WINDOW_SIZE);
      if (this.lookahead === 0) this.eofFound = true;
      else if (!this.ensureLookahead()) throw new Error('gzip-port: first fill incomplete');
      this.insH = 0;
      for (let j = 0; j < MIN_MATCH - 1; j++) this.updateHash(this.window[j]!);
    }
    const complete = this.level <= 3 ? this.deflateFast() : this.deflateLazy();
    if (!complete) return;
    if (this.level > 3 && this.matchAvailable) {
      this.blocks.literal(this.window[this.strstart - 1]!);
    }
    this.flushBlock(true);
    this.finished = true;
  }

  private updateHash(c: number): void {
    this.insH = ((this.insH << H_SHIFT) ^ c) & HASH_MASK;
  }

  /** INSERT_STRING: returns the previous head of the string's hash chain. */
  private insert(s: number): number {
    this.updateHash(this.window[s + MIN_MATCH - 1]!);
    const head = this.head[this.insH]!;
    this.prev[s & WMASK] = head;
    this.head[this.insH] = s;
    return head;
  }

  /** Ends the current block (FLUSH_BLOCK) and starts the next at strstart. */
  private flushBlock(last: boolean): void {
    const length = this.strstart - this.blockStart;
    const stored =
      this.blockStart >= 0 ? this.window.subarray(this.blockStart, this.strstart) : null;
    this.blocks.flush(stored, length, last);
    this.blockStart = this.strstart;
    const out = this.blocks.take();
    if (out.length > 0) this.output.push(out);
  }

  /** ct_tally's verdict after a symbol: whether the block should end here. */
  private blockFull(): boolean {
    const { symbols, matches } = this.blocks;
    if (this.level > 2 && (symbols & 0xfff) === 0) {
      const inLength = this.strstart - this.blockStart;
      if (matches < symbols >>> 1 && this.blocks.estimatedBytes() < Math.floor(inLength / 2)) {
        return true;
      }
    }
    return symbols === LIT_BUFSIZE - 1 || matches === LIT_BUFSIZE;
  }

  private tallyLiteral(byte: number): boolean {
    this.blocks.literal(byte);
    return this.blockFull();
  }

  private tallyMatch(distance: number, length: number): boolean {
    this.blocks.match(distance, length - MIN_MATCH);
    return this.blockFull();
  }

  private canSearch(hashHead: number): boolean {
    return (
      hashHead !== 0 &&
      this.strstart - hashHead <= MAX_DIST &&
      this.strstart <= WINDOW_SIZE - MIN_LOOKAHEAD
    );
  }

  /** Levels 1–3: no lazy evaluation; strings inside long matches are not inserted. */
  private deflateFast(): boolean {
    const window = this.window;
    for (;;) {
      if (!this.ensureLookahead()) return false;
      if (this.lookahead === 0) return true;
      const hashHead = this.insert(this.strstart);
      if (this.canSearch(hashHead)) {
        this.matchLength = Math.min(this.longestMatch(hashHead), this.lookahead);
      }
      let flush: boolean;
      if (this.matchLength >= MIN_MATCH) {
        flush = this.tallyMatch(this.strstart - this.matchStart, this.matchLength);
        this.lookahead -= this.matchLength;
        if (this.matchLength <= this.maxLazy) {
          this.matchLength--;
          do {
            this.strstart++;
            this.insert(this.strstart);
          } while (--this.matchLength !== 0);
          this.strstart++;
        } else {
          this.strstart += this.matchLength;
          this.matchLength = 0;
          this.insH = window[this.strstart]!;
          this.updateHash(window[this.strstart + 1]!);
        }
      } else {
        flush = this.tallyLiteral(window[this.strstart]!);
        this.lookahead--;
        this.strstart++;
      }
      if (flush) this.flushBlock(false);
    }
  }

  /** Levels 4–9: a match is taken only if the next position has no longer one. */
  private deflateLazy(): boolean {
    const window = this.window;
    for (;;) {
      if (!this.ensureLookahead()) return false;
      if (this.lookahead === 0) return true;
      const hashHead = this.insert(this.strstart);
      this.prevLength = this.matchLength;
      const prevMatch = this.matchStart;
      this.matchLength = MIN_MATCH - 1;
      if (this.prevLength < this.maxLazy && this.canSearch(hashHead)) {
        this.matchLength = Math.min(this.longestMatch(hashHead), this.lookahead);
        if (this.matchLength === MIN_MATCH && this.strstart - this.matchStart > TOO_FAR) {
          this.matchLength--;
        }
      }
      if (this.prevLength >= MIN_MATCH && this.matchLength <= this.prevLength) {
        const flush = this.tallyMatch(this.strstart - 1 - prevMatch, this.prevLength);
        this.lookahead -= this.prevLength - 1;
        this.prevLength -= 2;
        do {
          this.strstart++;
          this.insert(this.strstart);
        } while (--this.prevLength !== 0);
        this.matchAvailable = false;
        this.matchLength = MIN_MATCH - 1;
        this.strstart++;
        if (flush) this.flushBlock(false);
      } else if (this.matchAvailable) {
        if (this.tallyLiteral(window[this.strstart - 1]!)) this.flushBlock(false);
        this.strstart++;
        this.lookahead--;
      } else {
        this.matchAvailable = true;
        this.strstart++;
        this.lookahead--;
      }
    }
  }

  /** The longest match at strstart along the hash chain; sets matchStart when longer. */
  private longestMatch(curMatch: number): number {
    const window = this.window;
    const prev = this.prev;
    const niceMatch = this.niceMatch;
    const scan = this.strstart;
    let chainLength = this.maxChain;
    let bestLen = this.prevLength;
    const limit = scan > MAX_DIST ? scan - MAX_DIST : 0;
    const strend = scan + MAX_MATCH;
    let scanEnd1 = window[scan + bestLen - 1]!;
    let scanEnd = window[scan + bestLen]!;
    if (this.prevLength >= this.goodMatch) chainLength >>= 2;
    do {
      const match = curMatch;
      if (
        window[match + bestLen] !== scanEnd ||
        window[match + bestLen - 1] !== scanEnd1 ||
        window[match] !== window[scan] ||
        window[match + 1] !== window[scan + 1]
      ) {
        continue;
      }
      // The third bytes are equal: same hash, same first two bytes.
      let s = scan + 3;
      let m = match + 3;
      while (s < strend && window[s] === window[m]) {
        s++;
        m++;
      }
      const len = s - scan;
      if (len > bestLen) {
        this.matchStart = curMatch;
        bestLen = len;
        if (len >= niceMatch) break;
        scanEnd1 = window[scan + bestLen - 1]!;
        scanEnd = window[scan + bestLen]!;
      }
    } while ((curMatch = prev[curMatch & WMASK]!) > limit && --chainLength !== 0);
    return bestLen;
  }
}
