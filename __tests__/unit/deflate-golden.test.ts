// Golden outputs of the bundled deflate engines that stored objects depend on. A `zlib`
// recipe is rebuilt with the zlib inside whatever Node runs the download; if a Node release
// changed its raw deflate output, every object recorded with that recipe would stop
// rebuilding. These hashes were measured once (Node 20.20.2 with zlib 1.3.1 and Node 24.21.0
// with Chromium's zlib 1.3.2.1 gave the same bytes; the gzip port's equal `gzip -n -<level>`
// 1.12's): they are constants, so a change of any engine's output fails here first.
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { Deflate } from 'pako';
import { GzipDeflater } from '../../src/adapters/archive/gzip-port/deflater.js';
import { noise, text } from '../helpers/archive-fixtures.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Text like source code, incompressible bytes (stored blocks), the text again (matches far
// back) and a run of spaces: 3,050,000 bytes.
const content = Buffer.concat([
  text(2_000_000, 11),
  noise(300_000, 12),
  text(700_000, 11),
  Buffer.alloc(50_000, 0x20),
]);

test('the content is the one the hashes were measured on', () => {
  expect(sha256(content)).toBe('c4d9168f72e23709b546199a739b45301282f55631f9a50c75fad1d28ad4d639');
});

describe("Node's bundled zlib, raw deflate", () => {
  test.each([
    [1, 8, '8bdbbea6c6b9f0ec8236d094fd3f9867f18122e8446915b88cea97a29db4ca72'],
    [6, 8, '37bf503b2bae3c22577efa38ef1e56a3fe6187a27933ff50d4ea7ca67e3054f2'],
    [9, 8, '5e7b283afbf28d4d8d1f42e18637880192d062d6d9daa1680415310714d59624'],
    [1, 9, 'c98c255cc193e78596ef74a09e0aeb0fe1062cd4c35a9ec9c656ae2a80f0eeab'],
    [6, 9, '11897b5045eda84c43d2540198d16fd7b703b3532a1112b8e1e5488a99ef6adc'],
    [9, 9, '6a65e35ebef817ce6331d67127200759d2e3e886684cd57d344e03bb10535ab5'],
  ])('level %i, memLevel %i', (level, memLevel, expected) => {
    expect(sha256(deflateRawSync(content, { level, memLevel }))).toBe(expected);
  });
});

describe('pako 2 (vanilla zlib) and the gzip port', () => {
  test.each([
    [1, '7b5a373163a347b7f73d36aea46c4b034ad1854964a7f0aad8b7084a88b66d23'],
    [6, 'c22e46e7a44ad12a5860b792551d38fef936ee5ce0cf51df2a63662c5c19ea8a'],
    [9, '7808434a0add3aafa70f3b429fe51896cea44bad2a3cbf0a082390193e6af333'],
  ])('pako level %i', (level, expected) => {
    const deflater = new Deflate({ level: level as 1 | 6 | 9, raw: true });
    deflater.push(content, true);
    expect(sha256(deflater.result as Uint8Array)).toBe(expected);
  });

  test.each([
    [1, '79aa014e666c9114ca18f336b95f60a4ff60edfcd4e16f0c3ed6daa3c5540e78'],
    [6, '87cbdbdd0765a965f16d74738961eb2da34659352b31900104e10373e71e7c45'],
    [9, 'c22d4f31c0dee1dec5b3d5af1a659102df593e1f1b2c7ce66c807846309fe281'],
  ])('gzip port level %i', (level, expected) => {
    const deflater = new GzipDeflater(level);
    deflater.write(content);
    deflater.end();
    expect(sha256(Buffer.concat(deflater.take()))).toBe(expected);
  });
});
