// The deflate engines that stored objects depend on write, on the Node that runs the suite,
// the bytes whose hashes are pinned in helpers/deflate-golden.ts (why: see there). The arm64
// e2e test checks the same constants under qemu.
import { expect, test } from '@jest/globals';
import {
  caseName,
  GOLDEN_CASES,
  GOLDEN_CONTENT_SHA256,
  goldenContent,
  measure,
  sha256,
} from '../helpers/deflate-golden.js';

const content = goldenContent();

test('the content is the one the hashes were measured on', () => {
  expect(sha256(content)).toBe(GOLDEN_CONTENT_SHA256);
});

test.each(GOLDEN_CASES.map((golden) => [caseName(golden), golden] as const))('%s', (_, golden) => {
  expect(measure(golden, content)).toBe(golden.sha256);
});
