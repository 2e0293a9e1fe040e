// Go's block writer (compress/flate huffman_bit_writer.go) in TypeScript: for each block
// it picks fixed, dynamic or stored encoding exactly as Go does and writes the same bits.
// Output goes to an in-memory byte sink the caller drains; Go's own 240-byte buffering
// only changes when bytes reach its writer, never which bytes.
//
// Origin: Go's compress/flate (Go 1.19). Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license: see LICENSE in this folder.
import {
  FIXED_LITERALS,
  FIXED_OFFSETS,
  HuffmanEncoder,
  MAX_NUM_LIT,
  OFFSET_CODE_COUNT,
} from './huffman-code.js';
import {
  END_BLOCK_MARKER,
  LENGTH_BASE,
  LENGTH_CODES_START,
  LENGTH_EXTRA_BITS,
  MATCH_TYPE,
  OFFSET_BASE,
  OFFSET_EXTRA_BITS,
  lengthCode,
  offsetCode,
  tokenLength,
  tokenOffset,
} from './tokens.js';

const CODEGEN_CODE_COUNT = 19;
const BAD_CODE = 255;
export const MAX_STORE_BLOCK_SIZE = 65535;
const CODEGEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const OUT_CHUNK = 64 * 1024;

/** Go's offset code for Huffman-only blocks: one offset symbol of length 1. */
const HUFF_OFFSET = (() => {
  const freq = new Int32Array(OFFSET_CODE_COUNT);
  freq[0] = 1;
  const h = new HuffmanEncoder(OFFSET_CODE_COUNT);
  h.generate(freq, 15);
  return h;
})();

export class BitWriter {
  private bits = 0;
  private nbits = 0;
  private out = new Uint8Array(OUT_CHUNK);
  private outLength = 0;
  private done: Uint8Array[] = [];
  private readonly literalFreq = new Int32Array(MAX_NUM_LIT);
  private readonly offsetFreq = new Int32Array(OFFSET_CODE_COUNT);
  private readonly codegenFreq = new Int32Array(CODEGEN_CODE_COUNT);
  private readonly codegen = new Uint8Array(MAX_NUM_LIT + OFFSET_CODE_COUNT + 1);
  private readonly literalEncoding = new HuffmanEncoder(MAX_NUM_LIT);
  private readonly offsetEncoding = new HuffmanEncoder(OFFSET_CODE_COUNT);
  private readonly codegenEncoding = new HuffmanEncoder(CODEGEN_CODE_COUNT);

  /** The bytes completed so far, handed over once. */
  take(): Uint8Array[] {
    if (this.outLength > 0) {
      this.done.push(this.out.slice(0, this.outLength));
      this.outLength = 0;
    }
    const taken = this.done;
    this.done = [];
    return taken;
  }

  private byte(value: number): void {
    if (this.outLength === this.out.length) {
      this.done.push(this.out);
      this.out = new Uint8Array(OUT_CHUNK);
      this.outLength = 0;
    }
    this.out[this.outLength++] = value;
  }

  writeBits(value: number, count: number): void {
    this.bits |= value << this.nbits;
    this.nbits += count;
    while (this.nbits >= 8) {
      this.byte(this.bits & 0xff);
      this.bits >>>= 8;
      this.nbits -= 8;
    }
  }

  /** Pads to a byte boundary (Go's flush). */
  flush(): void {
    if (this.nbits > 0) this.byte(this.bits & 0xff);
    this.bits = 0;
    this.nbits = 0;
  }

  writeBytes(bytes: Uint8Array): void {
    if (this.nbits !== 0) throw new Error('go-flate: writeBytes with unfinished bits');
    if (this.outLength > 0) {
      this.done.push(this.out.slice(0, this.outLength));
      this.outLength = 0;
    }
    this.done.push(bytes.slice());
  }

  writeStoredHeader(length: number, eof: boolean): void {
    this.writeBits(eof ? 1 : 0, 3);
    this.flush();
    this.writeBits(length, 16);
    this.writeBits(~length & 0xffff, 16);
  }

  /** Tokens in the smallest of fixed, dynamic and (when `input` is given) stored encoding. */
  writeBlock(tokens: Uint32Array, count: number, eof: boolean, input: Uint8Array | undefined) {
    tokens[count] = END_BLOCK_MARKER;
    const all = tokens.subarray(0, count + 1);
    const { numLiterals, numOffsets } = this.indexTokens(all);
    let extraBits = 0;
    const storable = input !== undefined && input.length <= MAX_STORE_BLOCK_SIZE;
    const storedSize = storable ? (input.length + 5) * 8 : 0;
    if (storable) {
      // Extra bits are the same for fixed and dynamic: only needed against stored.
      for (let code = LENGTH_CODES_START + 8; code < numLiterals; code++) {
        extraBits += this.literalFreq[code]! * LENGTH_EXTRA_BITS[code - LENGTH_CODES_START]!;
      }
      for (let code = 4; code < numOffsets; code++) {
        extraBits += this.offsetFreq[code]! * OFFSET_EXTRA_BITS[code]!;
      }
    }
    let literals = FIXED_LITERALS;
    let offsets = FIXED_OFFSETS;
    let size =
      3 +
      FIXED_LITERALS.bitLength(this.literalFreq) +
      FIXED_OFFSETS.bitLength(this.offsetFreq) +
      extraBits;
    this.generateCodegen(numLiterals, numOffsets, this.literalEncoding, this.offsetEncoding);
    this.codegenEncoding.generate(this.codegenFreq, 7);
    const dynamic = this.dynamicSize(this.literalEncoding, this.offsetEncoding, extraBits);
    if (dynamic.size < size) {
      size = dynamic.size;
      literals = this.literalEncoding;
      offsets = this.offsetEncoding;
    }
    if (storable && storedSize < size) {
      this.writeStoredHeader(input.length, eof);
      this.writeBytes(input);
      return;
    }
    if (literals === FIXED_LITERALS) this.writeBits(eof ? 3 : 2, 3);
    else this.writeDynamicHeader(numLiterals, numOffsets, dynamic.numCodegens, eof);
    this.writeTokens(all, literals, offsets);
  }

  /** Dynamic encoding, or stored when it saves less than 1/16 (level 1's blocks). */
  writeBlockDynamic(tokens: Uint32Array, count: number, eof: boolean, input: Uint8Array) {
    tokens[count] = END_BLOCK_MARKER;
    const all = tokens.subarray(0, count + 1);
    const { numLiterals, numOffsets } = this.indexTokens(all);
    this.generateCodegen(numLiterals, numOffsets, this.literalEncoding, this.offsetEncoding);
    this.codegenEncoding.generate(this.codegenFreq, 7);
    const { size, numCodegens } = this.dynamicSize(this.literalEncoding, this.offsetEncoding, 0);
    if (input.length <= MAX_STORE_BLOCK_SIZE && (input.length + 5) * 8 < size + (size >> 4)) {
      this.writeStoredHeader(input.length, eof);
      this.writeBytes(input);
      return;
    }
    this.writeDynamicHeader(numLiterals, numOffsets, numCodegens, eof);
    this.writeTokens(all, this.literalEncoding, this.offsetEncoding);
  }

  /** Every byte a literal in one dynamic block, or stored when that saves under 1/16. */
  writeBlockHuff(eof: boolean, input: Uint8Array): void {
    this.literalFreq.fill(0);
    for (let i = 0; i < input.length; i++) this.literalFreq[input[i]!]!++;
    this.literalFreq[END_BLOCK_MARKER] = 1;
    const numLiterals = END_BLOCK_MARKER + 1;
    // Go sets only entry 0 here; the others keep the last block's counts, which weigh
    // nothing against HUFF_OFFSET's zero lengths.
    this.offsetFreq[0] = 1;
    this.literalEncoding.generate(this.literalFreq, 15);
    this.generateCodegen(numLiterals, 1, this.literalEncoding, HUFF_OFFSET);
    this.codegenEncoding.generate(this.codegenFreq, 7);
    const { size, numCodegens } = this.dynamicSize(this.literalEncoding, HUFF_OFFSET, 0);
    if (input.length <= MAX_STORE_BLOCK_SIZE && (input.length + 5) * 8 < size + (size >> 4)) {
      this.writeStoredHeader(input.length, eof);
      this.writeBytes(input);
      return;
    }
    this.writeDynamicHeader(numLiterals, 1, numCodegens, eof);
    const { codes, lengths } = this.literalEncoding;
    for (let i = 0; i < input.length; i++) {
      const symbol = input[i]!;
      this.writeBits(codes[symbol]!, lengths[symbol]!);
    }
    this.writeBits(codes[END_BLOCK_MARKER]!, lengths[END_BLOCK_MARKER]!);
  }

  private indexTokens(tokens: Uint32Array): { numLiterals: number; numOffsets: number } {
    const { literalFreq, offsetFreq } = this;
    literalFreq.fill(0);
    offsetFreq.fill(0);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t < MATCH_TYPE) {
        literalFreq[t]!++;
        continue;
      }
      literalFreq[LENGTH_CODES_START + lengthCode(tokenLength(t))]!++;
      offsetFreq[offsetCode(tokenOffset(t))]!++;
    }
    let numLiterals = literalFreq.length;
    while (literalFreq[numLiterals - 1] === 0) numLiterals--;
    let numOffsets = offsetFreq.length;
    while (numOffsets > 0 && offsetFreq[numOffsets - 1] === 0) numOffsets--;
    if (numOffsets === 0) {
      // No match at all: one offset code anyway, so a dynamic header can describe the tree.
      offsetFreq[0] = 1;
      numOffsets = 1;
    }
    this.literalEncoding.generate(literalFreq, 15);
    this.offsetEncoding.generate(offsetFreq, 15);
    return { numLiterals, numOffsets };
  }

  /** RFC 1951 3.2.7 run-length coding of both length tables, Go's way (into `codegen`). */
  private generateCodegen(
    numLiterals: number,
    numOffsets: number,
    literals: HuffmanEncoder,
    offsets: HuffmanEncoder,
  ): void {
    const { codegen, codegenFreq } = this;
    codegenFreq.fill(0);
    codegen.set(literals.lengths.subarray(0, numLiterals), 0);
    codegen.set(offsets.lengths.subarray(0, numOffsets), numLiterals);
    codegen[numLiterals + numOffsets] = BAD_CODE;
    let size = codegen[0]!;
    let count = 1;
    let outIndex = 0;
    for (let inIndex = 1; size !== BAD_CODE; inIndex++) {
      const nextSize = codegen[inIndex]!;
      if (nextSize === size) {
        count++;
        continue;
      }
      if (size !== 0) {
        codegen[outIndex++] = size;
        codegenFreq[size]!++;
        count--;
        while (count >= 3) {
          const n = count < 6 ? count : 6;
          codegen[outIndex++] = 16;
          codegen[outIndex++] = n - 3;
          codegenFreq[16]!++;
          count -= n;
        }
      } else {
        while (count >= 11) {
          const n = count < 138 ? count : 138;
          codegen[outIndex++] = 18;
          codegen[outIndex++] = n - 11;
          codegenFreq[18]!++;
          count -= n;
        }
        if (count >= 3) {
          codegen[outIndex++] = 17;
          codegen[outIndex++] = count - 3;
          codegenFreq[17]!++;
          count = 0;
        }
      }
      count--;
      for (; count >= 0; count--) {
        codegen[outIndex++] = size;
        codegenFreq[size]!++;
      }
      size = nextSize;
      count = 1;
    }
    codegen[outIndex] = BAD_CODE;
  }

  private dynamicSize(literals: HuffmanEncoder, offsets: HuffmanEncoder, extraBits: number) {
    const { codegenFreq } = this;
    let numCodegens = codegenFreq.length;
    while (numCodegens > 4 && codegenFreq[CODEGEN_ORDER[numCodegens - 1]!] === 0) numCodegens--;
    const header =
      3 +
      5 +
      5 +
      4 +
      3 * numCodegens +
      this.codegenEncoding.bitLength(codegenFreq) +
      codegenFreq[16]! * 2 +
      codegenFreq[17]! * 3 +
      codegenFreq[18]! * 7;
    const size =
      header +
      literals.bitLength(this.literalFreq) +
      offsets.bitLength(this.offsetFreq) +
      extraBits;
    return { size, numCodegens };
  }

  private writeDynamicHeader(
    numLiterals: number,
    numOffsets: number,
    numCodegens: number,
    eof: boolean,
  ): void {
    this.writeBits(eof ? 5 : 4, 3);
    this.writeBits(numLiterals - 257, 5);
    this.writeBits(numOffsets - 1, 5);
    this.writeBits(numCodegens - 4, 4);
    const { codes, lengths } = this.codegenEncoding;
    for (let i = 0; i < numCodegens; i++) this.writeBits(lengths[CODEGEN_ORDER[i]!]!, 3);
    const { codegen } = this;
    for (let i = 0; ;) {
      const codeWord = codegen[i++]!;
      if (codeWord === BAD_CODE) break;
      this.writeBits(codes[codeWord]!, lengths[codeWord]!);
      if (codeWord === 16) this.writeBits(codegen[i++]!, 2);
      else if (codeWord === 17) this.writeBits(codegen[i++]!, 3);
      else if (codeWord === 18) this.writeBits(codegen[i++]!, 7);
    }
  }

  private writeTokens(tokens: Uint32Array, literals: HuffmanEncoder, offsets: HuffmanEncoder) {
    const { codes: lc, lengths: ll } = literals;
    const { codes: oc, lengths: ol } = offsets;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t < MATCH_TYPE) {
        this.writeBits(lc[t]!, ll[t]!);
        continue;
      }
      const length = tokenLength(t);
      const lcode = lengthCode(length);
      this.writeBits(lc[lcode + LENGTH_CODES_START]!, ll[lcode + LENGTH_CODES_START]!);
      const extraLengthBits = LENGTH_EXTRA_BITS[lcode]!;
      if (extraLengthBits > 0) this.writeBits(length - LENGTH_BASE[lcode]!, extraLengthBits);
      const offset = tokenOffset(t);
      const ocode = offsetCode(offset);
      this.writeBits(oc[ocode]!, ol[ocode]!);
      const extraOffsetBits = OFFSET_EXTRA_BITS[ocode]!;
      if (extraOffsetBits > 0) this.writeBits(offset - OFFSET_BASE[ocode]!, extraOffsetBits);
    }
  }
}
