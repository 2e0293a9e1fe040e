// Go's LZ77 tokens (compress/flate token.go): a literal is its byte; a match is
// MATCH_TYPE + (length - 3) << 22 + (distance - 1). Tables are derived from RFC 1951's bases.
//
// Origin: Go's compress/flate (Go 1.19). Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license: see LICENSE in this folder.

export const MATCH_TYPE = 1 << 30;
const LENGTH_SHIFT = 22;
const OFFSET_MASK = (1 << LENGTH_SHIFT) - 1;

export const END_BLOCK_MARKER = 256;
export const LENGTH_CODES_START = 257;

export const LENGTH_EXTRA_BITS = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
export const LENGTH_BASE = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160,
  192, 224, 255,
];
export const OFFSET_EXTRA_BITS = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
export const OFFSET_BASE = [
  0x0, 0x1, 0x2, 0x3, 0x4, 0x6, 0x8, 0xc, 0x10, 0x18, 0x20, 0x30, 0x40, 0x60, 0x80, 0xc0, 0x100,
  0x180, 0x200, 0x300, 0x400, 0x600, 0x800, 0xc00, 0x1000, 0x1800, 0x2000, 0x3000, 0x4000, 0x6000,
];

/** Code of each base: the largest index whose base is at most the value. */
function codeTable(bases: readonly number[], size: number): Uint8Array {
  const table = new Uint8Array(size);
  let code = 0;
  for (let value = 0; value < size; value++) {
    while (code + 1 < bases.length && bases[code + 1]! <= value) code++;
    table[value] = code;
  }
  return table;
}

const LENGTH_CODES = codeTable(LENGTH_BASE, 256);
const OFFSET_CODES = codeTable(OFFSET_BASE.slice(0, 16), 256);

export function literalToken(literal: number): number {
  return literal;
}

/** A match of `xlength` = length - 3 at `xoffset` = distance - 1. */
export function matchToken(xlength: number, xoffset: number): number {
  return MATCH_TYPE + (xlength << LENGTH_SHIFT) + xoffset;
}

export function tokenLength(token: number): number {
  return (token - MATCH_TYPE) >>> LENGTH_SHIFT;
}

export function tokenOffset(token: number): number {
  return token & OFFSET_MASK;
}

export function lengthCode(xlength: number): number {
  return LENGTH_CODES[xlength]!;
}

export function offsetCode(xoffset: number): number {
  if (xoffset < 256) return OFFSET_CODES[xoffset]!;
  if (xoffset >>> 7 < 256) return OFFSET_CODES[xoffset >>> 7]! + 14;
  return OFFSET_CODES[xoffset >>> 14]! + 28;
}
