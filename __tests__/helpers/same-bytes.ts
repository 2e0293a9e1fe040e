import { readFile } from 'node:fs/promises';
import { expect } from '@jest/globals';

/**
 * Expects two byte strings to be equal. Buffer.equals is one memcmp; Jest's toEqual on a
 * Buffer walks it element by element, seconds per MiB. On a mismatch the message shows
 * both sizes and where they first differ, never the bytes.
 */
export function expectSameBytes(actual: Buffer, expected: Buffer, what = 'bytes'): void {
  if (actual.equals(expected)) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  expect({ what, size: actual.length, firstDifferenceAt: at }).toEqual({
    what,
    size: expected.length,
    firstDifferenceAt: 'none',
  });
}

/** expectSameBytes on the contents of two files. */
export async function expectSameFile(actual: string, expected: string): Promise<void> {
  expectSameBytes(await readFile(actual), await readFile(expected), actual);
}
