// Golden outputs of the bundled deflate engines that stored objects depend on, in one place:
// the golden unit test checks them on the Node that runs the suite, the arm64 probe
// (__tests__/cross/deflate-probe.ts, run under qemu) on another architecture. A `zlib` recipe
// is rebuilt with the zlib inside whatever Node runs the download; if a Node release changed
// its raw deflate output, every object recorded with that recipe would stop rebuilding. The
// hashes were measured once (Node 20.20.2 with zlib 1.3.1 and Node 24.21.0 with Chromium's
// zlib 1.3.2.1 gave the same bytes; the gzip port's equal `gzip -n -<level>` 1.12's): they are
// constants, so a change of any engine's output fails first where they are checked.
import { createHash } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { Deflate } from 'pako';
import { GzipDeflater } from '../../src/adapters/archive/gzip-port/deflater.js';
import { noise, text } from '../../scripts/lib/corpus.mjs';

export type GoldenEngine = 'node-zlib' | 'pako' | 'gzip-port';

export interface GoldenCase {
  engine: GoldenEngine;
  level: 1 | 6 | 9;
  /** Node zlib's memLevel; pako and the port have none. */
  memLevel?: 8 | 9;
  sha256: string;
}

export const GOLDEN_CONTENT_SHA256 =
  'c4d9168f72e23709b546199a739b45301282f55631f9a50c75fad1d28ad4d639';

export const GOLDEN_CASES: readonly GoldenCase[] = [
  {
    engine: 'node-zlib',
    level: 1,
    memLevel: 8,
    sha256: '8bdbbea6c6b9f0ec8236d094fd3f9867f18122e8446915b88cea97a29db4ca72',
  },
  {
    engine: 'node-zlib',
    level: 6,
    memLevel: 8,
    sha256: '37bf503b2bae3c22577efa38ef1e56a3fe6187a27933ff50d4ea7ca67e3054f2',
  },
  {
    engine: 'node-zlib',
    level: 9,
    memLevel: 8,
    sha256: '5e7b283afbf28d4d8d1f42e18637880192d062d6d9daa1680415310714d59624',
  },
  {
    engine: 'node-zlib',
    level: 1,
    memLevel: 9,
    sha256: 'c98c255cc193e78596ef74a09e0aeb0fe1062cd4c35a9ec9c656ae2a80f0eeab',
  },
  {
    engine: 'node-zlib',
    level: 6,
    memLevel: 9,
    sha256: '11897b5045eda84c43d2540198d16fd7b703b3532a1112b8e1e5488a99ef6adc',
  },
  {
    engine: 'node-zlib',
    level: 9,
    memLevel: 9,
    sha256: '6a65e35ebef817ce6331d67127200759d2e3e886684cd57d344e03bb10535ab5',
  },
  {
    engine: 'pako',
    level: 1,
    sha256: '7b5a373163a347b7f73d36aea46c4b034ad1854964a7f0aad8b7084a88b66d23',
  },
  {
    engine: 'pako',
    level: 6,
    sha256: 'c22e46e7a44ad12a5860b792551d38fef936ee5ce0cf51df2a63662c5c19ea8a',
  },
  {
    engine: 'pako',
    level: 9,
    sha256: '7808434a0add3aafa70f3b429fe51896cea44bad2a3cbf0a082390193e6af333',
  },
  {
    engine: 'gzip-port',
    level: 1,
    sha256: '79aa014e666c9114ca18f336b95f60a4ff60edfcd4e16f0c3ed6daa3c5540e78',
  },
  {
    engine: 'gzip-port',
    level: 6,
    sha256: '87cbdbdd0765a965f16d74738961eb2da34659352b31900104e10373e71e7c45',
  },
  {
    engine: 'gzip-port',
    level: 9,
    sha256: 'c22d4f31c0dee1dec5b3d5af1a659102df593e1f1b2c7ce66c807846309fe281',
  },
];

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Text like source code, incompressible bytes (stored blocks), the text again (matches far
 * back) and a run of spaces: 3,050,000 bytes.
 */
export function goldenContent(): Buffer {
  return Buffer.concat([
    text(2_000_000, 11),
    noise(300_000, 12),
    text(700_000, 11),
    Buffer.alloc(50_000, 0x20),
  ]);
}

/** What the engine of `golden` writes for `content` on this machine, as a sha256. */
export function measure(golden: GoldenCase, content: Buffer): string {
  const { engine, level, memLevel } = golden;
  if (engine === 'node-zlib') return sha256(deflateRawSync(content, { level, memLevel }));
  if (engine === 'pako') {
    const deflater = new Deflate({ level, raw: true });
    deflater.push(content, true);
    return sha256(deflater.result as Uint8Array);
  }
  const deflater = new GzipDeflater(level);
  deflater.write(content);
  deflater.end();
  return sha256(Buffer.concat(deflater.take()));
}

/** How a case is named in test titles and probe reports. */
export const caseName = ({ engine, level, memLevel }: GoldenCase) =>
  `${engine} level ${level}${memLevel === undefined ? '' : `, memLevel ${memLevel}`}`;
