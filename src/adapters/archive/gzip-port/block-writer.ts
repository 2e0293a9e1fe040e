// Deflate blocks as Jean-loup Gailly's trees.c writes them (the code zlib and GNU gzip
// share): Huffman codes built with a depth-ordered heap and the overflow fix-up of
// gen_bitlen, bit-length codes in bl_order, and per block the smallest of stored, fixed
// and dynamic (stored only while the block's bytes are still in the window). Written from
// zlib's description of the algorithm (zlib licence, see LICENSE); no GNU gzip code.

const MAX_BITS = 15;
const MAX_BL_BITS = 7;
const LENGTH_CODES = 29;
const LITERALS = 256;
const END_BLOCK = 256;
const L_CODES = LITERALS + 1 + LENGTH_CODES;
const D_CODES = 30;
const BL_CODES = 19;
const HEAP_SIZE = 2 * L_CODES + 1;
const REP_3_6 = 16;
const REPZ_3_10 = 17;
const REPZ_11_138 = 18;

const EXTRA_LBITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const EXTRA_DBITS = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
const EXTRA_BLBITS = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 7];
const BL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Tables every block uses, computed once (RFC 1951, 3.2.5 and 3.2.6). */
const LENGTH_CODE = new Uint8Array(256); // match length - 3 -> length code
const BASE_LENGTH = new Int32Array(LENGTH_CODES);
const DIST_CODE = new Uint8Array(512); // see distCode()
const BASE_DIST = new Int32Array(D_CODES);
const STATIC_LTREE = { code: new Uint16Array(L_CODES + 2), len: new Uint16Array(L_CODES + 2) };
const STATIC_DTREE = { code: new Uint16Array(D_CODES), len: new Uint16Array(D_CODES) };

function reverseBits(code: number, length: number): number {
  let result = 0;
  for (let i = 0; i < length; i++) {
    result = (result << 1) | (code & 1);
    code >>>= 1;
  }
  return result;
}

/** Canonical codes from code lengths (gen_codes). */
function assignCodes(len: Uint16Array, code: Uint16Array, maxCode: number, blCount: Uint16Array) {
  const next = new Uint16Array(MAX_BITS + 1);
  let value = 0;
  for (let bits = 1; bits <= MAX_BITS; bits++) {
    value = (value + blCount[bits - 1]!) << 1;
    next[bits] = value;
  }
  for (let n = 0; n <= maxCode; n++) {
    const length = len[n]!;
    if (length !== 0) code[n] = reverseBits(next[length]!++, length);
  }
}

(function initTables() {
  let length = 0;
  for (let code = 0; code < LENGTH_CODES - 1; code++) {
    BASE_LENGTH[code] = length;
    for (let n = 0; n < 1 << EXTRA_LBITS[code]!; n++) LENGTH_CODE[length++] = code;
  }
  // Length 258 has its own code; it overwrites the last entry of code 27's range.
  LENGTH_CODE[length - 1] = LENGTH_CODES - 1;
  let dist = 0;
  for (let code = 0; code < 16; code++) {
    BASE_DIST[code] = dist;
    for (let n = 0; n < 1 << EXTRA_DBITS[code]!; n++) DIST_CODE[dist++] = code;
  }
  dist >>= 7;
  for (let code = 16; code < D_CODES; code++) {
    BASE_DIST[code] = dist << 7;
    for (let n = 0; n < 1 << (EXTRA_DBITS[code]! - 7); n++) DIST_CODE[256 + dist++] = code;
  }
  const blCount = new Uint16Array(MAX_BITS + 1);
  const setLen = (from: number, to: number, bits: number) => {
    for (let n = from; n <= to; n++) STATIC_LTREE.len[n] = bits;
    blCount[bits]! += to - from + 1;
  };
  setLen(0, 143, 8);
  setLen(144, 255, 9);
  setLen(256, 279, 7);
  setLen(280, 287, 8);
  assignCodes(STATIC_LTREE.len, STATIC_LTREE.code, L_CODES + 1, blCount);
  for (let n = 0; n < D_CODES; n++) {
    STATIC_DTREE.len[n] = 5;
    STATIC_DTREE.code[n] = reverseBits(n, 5);
  }
})();

/** The distance code of `dist - 1`. */
function distCode(distMinusOne: number): number {
  return distMinusOne < 256 ? DIST_CODE[distMinusOne]! : DIST_CODE[256 + (distMinusOne >>> 7)]!;
}

interface Tree {
  freq: Uint16Array;
  code: Uint16Array;
  len: Uint16Array;
  dad: Uint16Array;
  maxCode: number;
  readonly elems: number;
  readonly maxLength: number;
  readonly extraBits: readonly number[];
  readonly extraBase: number;
  readonly staticLen?: Uint16Array;
}

function tree(
  size: number,
  elems: number,
  maxLength: number,
  extra: readonly number[],
  base: number,
  staticLen?: Uint16Array,
): Tree {
  return {
    freq: new Uint16Array(size),
    code: new Uint16Array(size),
    len: new Uint16Array(size),
    dad: new Uint16Array(size),
    maxCode: 0,
    elems,
    maxLength,
    extraBits: extra,
    extraBase: base,
    staticLen,
  };
}

/** Collects one block's symbols and writes blocks as bits. */
export class BlockWriter {
  private readonly ltree = tree(
    HEAP_SIZE,
    L_CODES,
    MAX_BITS,
    EXTRA_LBITS,
    LITERALS + 1,
    STATIC_LTREE.len,
  );
  private readonly dtree = tree(
    2 * D_CODES + 1,
    D_CODES,
    MAX_BITS,
    EXTRA_DBITS,
    0,
    STATIC_DTREE.len,
  );
  private readonly bltree = tree(2 * BL_CODES + 1, BL_CODES, MAX_BL_BITS, EXTRA_BLBITS, 0);
  private readonly heap = new Int32Array(HEAP_SIZE);
  private readonly depth = new Uint8Array(HEAP_SIZE);
  private readonly blCount = new Uint16Array(MAX_BITS + 1);
  private heapLen = 0;
  private heapMax = 0;
  private optLen = 0;
  private staticLen = 0;
  /** The block's symbols: a distance (0 for a literal) and a literal or length - 3. */
  private readonly dists: Uint16Array;
  private readonly lits: Uint8Array;
  /** Symbols in the block, and how many of them are matches. */
  symbols = 0;
  matches = 0;

  private bitBuffer = 0;
  private bitCount = 0;
  private out = new Uint8Array(1 << 17);
  private outLength = 0;

  constructor(capacity: number) {
    this.dists = new Uint16Array(capacity);
    this.lits = new Uint8Array(capacity);
    this.initBlock();
  }

  literal(byte: number): void {
    this.dists[this.symbols] = 0;
    this.lits[this.symbols++] = byte;
    this.ltree.freq[byte]!++;
  }

  match(distance: number, lengthMinus3: number): void {
    this.dists[this.symbols] = distance;
    this.lits[this.symbols++] = lengthMinus3;
    this.matches++;
    this.ltree.freq[LENGTH_CODE[lengthMinus3]! + LITERALS + 1]!++;
    this.dtree.freq[distCode(distance - 1)]!++;
  }

  /** An upper bound of the block's compressed bytes so far, as the block-split guess uses. */
  estimatedBytes(): number {
    let bits = this.symbols * 8;
    for (let code = 0; code < D_CODES; code++) {
      bits += this.dtree.freq[code]! * (5 + EXTRA_DBITS[code]!);
    }
    return Math.floor(bits / 8);
  }

  /** Writes the block; `stored` is its input bytes when still in the window, else null. */
  flush(stored: Uint8Array | null, storedLength: number, last: boolean): void {
    this.buildTree(this.ltree);
    this.buildTree(this.dtree);
    const maxBlIndex = this.buildBlTree();
    let optBytes = (this.optLen + 3 + 7) >>> 3;
    const staticBytes = (this.staticLen + 3 + 7) >>> 3;
    if (staticBytes <= optBytes) optBytes = staticBytes;
    const final = last ? 1 : 0;
    if (storedLength + 4 <= optBytes && stored !== null) {
      this.sendBits(final, 3);
      this.windup();
      this.putShort(storedLength);
      this.putShort(~storedLength & 0xffff);
      this.putBytes(stored);
    } else if (staticBytes === optBytes) {
      this.sendBits((1 << 1) + final, 3);
      this.compressBlock(STATIC_LTREE, STATIC_DTREE);
    } else {
      this.sendBits((2 << 1) + final, 3);
      this.sendAllTrees(this.ltree.maxCode + 1, this.dtree.maxCode + 1, maxBlIndex + 1);
      this.compressBlock(this.ltree, this.dtree);
    }
    this.initBlock();
    if (last) this.windup();
  }

  /** The bytes written since the last call. */
  take(): Uint8Array {
    const taken = this.out.slice(0, this.outLength);
    this.outLength = 0;
    return taken;
  }

  private initBlock(): void {
    this.ltree.freq.fill(0, 0, L_CODES);
    this.dtree.freq.fill(0, 0, D_CODES);
    this.bltree.freq.fill(0, 0, BL_CODES);
    this.ltree.freq[END_BLOCK] = 1;
    this.optLen = this.staticLen = 0;
    this.symbols = this.matches = 0;
  }

  private smaller(freq: Uint16Array, n: number, m: number): boolean {
    return freq[n]! < freq[m]! || (freq[n] === freq[m] && this.depth[n]! <= this.depth[m]!);
  }

  private downHeap(freq: Uint16Array, k: number): void {
    const heap = this.heap;
    const v = heap[k]!;
    let j = k << 1;
    while (j <= this.heapLen) {
      if (j < this.heapLen && this.smaller(freq, heap[j + 1]!, heap[j]!)) j++;
      if (this.smaller(freq, v, heap[j]!)) break;
      heap[k] = heap[j]!;
      k = j;
      j <<= 1;
    }
    heap[k] = v;
  }

  /** build_tree: code lengths (at most maxLength) and codes for one tree. */
  private buildTree(t: Tree): void {
    const { freq, len, dad, elems } = t;
    const heap = this.heap;
    let maxCode = -1;
    this.heapLen = 0;
    this.heapMax = HEAP_SIZE;
    for (let n = 0; n < elems; n++) {
      if (freq[n] !== 0) {
        heap[++this.heapLen] = maxCode = n;
        this.depth[n] = 0;
      } else {
        len[n] = 0;
      }
    }
    // At least two codes of non-zero frequency, so every code has at least one bit.
    while (this.heapLen < 2) {
      const node = (heap[++this.heapLen] = maxCode < 2 ? ++maxCode : 0);
      freq[node] = 1;
      this.depth[node] = 0;
      this.optLen--;
      if (t.staticLen) this.staticLen -= t.staticLen[node]!;
    }
    t.maxCode = maxCode;
    for (let n = this.heapLen >> 1; n >= 1; n--) this.downHeap(freq, n);
    let node = elems;
    do {
      const n = heap[1]!;
      heap[1] = heap[this.heapLen--]!;
      this.downHeap(freq, 1);
      const m = heap[1]!;
      heap[--this.heapMax] = n;
      heap[--this.heapMax] = m;
      freq[node] = freq[n]! + freq[m]!;
      this.depth[node] = Math.max(this.depth[n]!, this.depth[m]!) + 1;
      dad[n] = dad[m] = node;
      heap[1] = node++;
      this.downHeap(freq, 1);
    } while (this.heapLen >= 2);
    heap[--this.heapMax] = heap[1]!;
    this.genBitLengths(t);
    assignCodes(len, t.code, maxCode, this.blCount);
  }

  /** gen_bitlen: lengths from the tree, limited to maxLength with zlib's fix-up. */
  private genBitLengths(t: Tree): void {
    const { freq, len, dad, maxCode, maxLength, extraBits, extraBase, staticLen } = t;
    const heap = this.heap;
    const blCount = this.blCount.fill(0);
    len[heap[this.heapMax]!] = 0;
    let overflow = 0;
    let h: number;
    for (h = this.heapMax + 1; h < HEAP_SIZE; h++) {
      const n = heap[h]!;
      let bits = len[dad[n]!]! + 1;
      if (bits > maxLength) {
        bits = maxLength;
        overflow++;
      }
      len[n] = bits;
      if (n > maxCode) continue; // not a leaf
      blCount[bits]!++;
      const xbits = n >= extraBase ? extraBits[n - extraBase]! : 0;
      const f = freq[n]!;
      this.optLen += f * (bits + xbits);
      if (staticLen) this.staticLen += f * (staticLen[n]! + xbits);
    }
    if (overflow === 0) return;
    do {
      let bits = maxLength - 1;
      while (blCount[bits] === 0) bits--;
      blCount[bits]!--;
      blCount[bits + 1]! += 2;
      blCount[maxLength]!--;
      overflow -= 2;
    } while (overflow > 0);
    h = HEAP_SIZE;
    for (let bits = maxLength; bits !== 0; bits--) {
      let n = blCount[bits]!;
      while (n !== 0) {
        const m = heap[--h]!;
        if (m > maxCode) continue;
        if (len[m] !== bits) {
          this.optLen += (bits - len[m]!) * freq[m]!;
          len[m] = bits;
        }
        n--;
      }
    }
  }

  /** scan_tree: counts the bit-length codes that will describe `t`'s code lengths. */
  private scanTree(t: Tree, maxCode: number): void {
    const { len } = t;
    const blFreq = this.bltree.freq;
    let prevLen = -1;
    let nextLen = len[0]!;
    let count = 0;
    let maxCount = nextLen === 0 ? 138 : 7;
    let minCount = nextLen === 0 ? 3 : 4;
    len[maxCode + 1] = 0xffff; // guard
    for (let n = 0; n <= maxCode; n++) {
      const curLen = nextLen;
      nextLen = len[n + 1]!;
      if (++count < maxCount && curLen === nextLen) continue;
      if (count < minCount) blFreq[curLen]! += count;
      else if (curLen !== 0) {
        if (curLen !== prevLen) blFreq[curLen]!++;
        blFreq[REP_3_6]!++;
      } else if (count <= 10) blFreq[REPZ_3_10]!++;
      else blFreq[REPZ_11_138]!++;
      count = 0;
      prevLen = curLen;
      [maxCount, minCount] = nextLen === 0 ? [138, 3] : curLen === nextLen ? [6, 3] : [7, 4];
    }
  }

  /** send_tree: writes `t`'s code lengths with the bit-length codes (guard already set). */
  private sendTree(t: Tree, maxCode: number): void {
    const { len } = t;
    const bl = this.bltree;
    let prevLen = -1;
    let nextLen = len[0]!;
    let count = 0;
    let maxCount = nextLen === 0 ? 138 : 7;
    let minCount = nextLen === 0 ? 3 : 4;
    for (let n = 0; n <= maxCode; n++) {
      const curLen = nextLen;
      nextLen = len[n + 1]!;
      if (++count < maxCount && curLen === nextLen) continue;
      if (count < minCount) {
        do this.sendCode(curLen, bl);
        while (--count !== 0);
      } else if (curLen !== 0) {
        if (curLen !== prevLen) {
          this.sendCode(curLen, bl);
          count--;
        }
        this.sendCode(REP_3_6, bl);
        this.sendBits(count - 3, 2);
      } else if (count <= 10) {
        this.sendCode(REPZ_3_10, bl);
        this.sendBits(count - 3, 3);
      } else {
        this.sendCode(REPZ_11_138, bl);
        this.sendBits(count - 11, 7);
      }
      count = 0;
      prevLen = curLen;
      [maxCount, minCount] = nextLen === 0 ? [138, 3] : curLen === nextLen ? [6, 3] : [7, 4];
    }
  }

  private buildBlTree(): number {
    this.scanTree(this.ltree, this.ltree.maxCode);
    this.scanTree(this.dtree, this.dtree.maxCode);
    this.buildTree(this.bltree);
    let maxBlIndex: number;
    for (maxBlIndex = BL_CODES - 1; maxBlIndex >= 3; maxBlIndex--) {
      if (this.bltree.len[BL_ORDER[maxBlIndex]!] !== 0) break;
    }
    this.optLen += 3 * (maxBlIndex + 1) + 5 + 5 + 4;
    return maxBlIndex;
  }

  private sendAllTrees(lcodes: number, dcodes: number, blcodes: number): void {
    this.sendBits(lcodes - 257, 5);
    this.sendBits(dcodes - 1, 5);
    this.sendBits(blcodes - 4, 4);
    for (let rank = 0; rank < blcodes; rank++) {
      this.sendBits(this.bltree.len[BL_ORDER[rank]!]!, 3);
    }
    this.sendTree(this.ltree, lcodes - 1);
    this.sendTree(this.dtree, dcodes - 1);
  }

  private compressBlock(
    lt: { code: Uint16Array; len: Uint16Array },
    dt: { code: Uint16Array; len: Uint16Array },
  ): void {
    for (let i = 0; i < this.symbols; i++) {
      const dist = this.dists[i]!;
      const lc = this.lits[i]!;
      if (dist === 0) {
        this.sendCode(lc, lt);
        continue;
      }
      let code = LENGTH_CODE[lc]!;
      this.sendCode(code + LITERALS + 1, lt);
      let extra = EXTRA_LBITS[code]!;
      if (extra !== 0) this.sendBits(lc - BASE_LENGTH[code]!, extra);
      const d = dist - 1;
      code = distCode(d);
      this.sendCode(code, dt);
      extra = EXTRA_DBITS[code]!;
      if (extra !== 0) this.sendBits(d - BASE_DIST[code]!, extra);
    }
    this.sendCode(END_BLOCK, lt);
  }

  private sendCode(symbol: number, t: { code: Uint16Array; len: Uint16Array }): void {
    this.sendBits(t.code[symbol]!, t.len[symbol]!);
  }

  private sendBits(value: number, length: number): void {
    this.bitBuffer |= value << this.bitCount;
    this.bitCount += length;
    while (this.bitCount >= 8) {
      this.putByte(this.bitBuffer & 0xff);
      this.bitBuffer >>>= 8;
      this.bitCount -= 8;
    }
  }

  private windup(): void {
    if (this.bitCount > 0) this.putByte(this.bitBuffer & 0xff);
    this.bitBuffer = this.bitCount = 0;
  }

  private putShort(value: number): void {
    this.putByte(value & 0xff);
    this.putByte(value >>> 8);
  }

  private putByte(byte: number): void {
    if (this.outLength === this.out.length) this.grow(1);
    this.out[this.outLength++] = byte;
  }

  private putBytes(bytes: Uint8Array): void {
    if (this.outLength + bytes.length > this.out.length) this.grow(bytes.length);
    this.out.set(bytes, this.outLength);
    this.outLength += bytes.length;
  }

  private grow(extra: number): void {
    const bigger = new Uint8Array(Math.max(this.out.length * 2, this.outLength + extra));
    bigger.set(this.out.subarray(0, this.outLength));
    this.out = bigger;
  }
}
