import {
  classify,
  compressedFormat,
  looksLikeText,
  MIN_DELTA_BYTES,
} from '../../src/core/policy.js';
import {
  sourceWindowFor,
  DEFAULT_WINDOW_BYTES,
  MAX_WINDOW_BYTES,
} from '../../src/adapters/xdelta3/window.js';

const big = MIN_DELTA_BYTES * 4;
const binary = Uint8Array.from({ length: 512 }, (_, i) => (i * 37) % 256);
const text = new TextEncoder().encode('version: 1.2.3\nhello world\n'.repeat(20));

describe('classify', () => {
  it('sends files under the size threshold direct', () => {
    expect(classify('app.zip', MIN_DELTA_BYTES - 1, binary)).toMatchObject({ eligible: false });
    expect(classify('app.zip', MIN_DELTA_BYTES, binary)).toEqual({ eligible: true });
  });

  it.each(['app.zip', 'APP.JAR', 'disk.iso', 'pkg.deb', 'x.tar'])('deltas archive %s', (name) => {
    expect(classify(name, big, binary).eligible).toBe(true);
  });

  it.each(['notes.txt', 'data.json', 'photo.JPG', 'app.zip.sha256'])('stores %s direct', (name) => {
    expect(classify(name, big, binary).eligible).toBe(false);
  });

  it('sniffs unknown extensions: binary is a candidate, text is not', () => {
    expect(classify('myapp-linux-amd64', big, binary).eligible).toBe(true);
    expect(classify('CHANGELOG', big, text).eligible).toBe(false);
  });

  it.each([
    ['gzip', [0x1f, 0x8b, 8, 0]],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['compress', [0x1f, 0x9d, 0x90]],
  ])('stores %s content direct whatever its name (the xdelta3 trap)', (format, magic) => {
    const head = Uint8Array.from([...magic, ...binary]);
    expect(compressedFormat(head)).toBe(format);
    const decision = classify('app.tgz', big, head);
    expect(decision.eligible).toBe(false);
    expect(decision.eligible === false && decision.reason).toContain(format);
  });

  it('does not call binary content text', () => {
    expect(looksLikeText(binary)).toBe(false);
    expect(looksLikeText(text)).toBe(true);
  });
});

describe('xdelta3 source window', () => {
  it('is at least the default and covers the reference up to the cap', () => {
    expect(sourceWindowFor(1000)).toBe(DEFAULT_WINDOW_BYTES);
    expect(sourceWindowFor(300 * 1024 * 1024)).toBeGreaterThanOrEqual(300 * 1024 * 1024);
    expect(sourceWindowFor(10 * 1024 ** 3)).toBe(MAX_WINDOW_BYTES);
    expect(sourceWindowFor(300 * 1024 * 1024, 128 * 1024 * 1024)).toBe(128 * 1024 * 1024);
  });
});
