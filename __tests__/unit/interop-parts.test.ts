// The small pure parts behind reading what the reference DeltaGlider CLI writes.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  externalCompressionOf,
  parseExternalCompression,
} from '../../src/adapters/xdelta3/app-header.js';
import { formToRead, type StoredForm } from '../../src/core/two-forms.js';

/** A VCDIFF header as xdelta3 writes it: magic, indicator, secondary id, app header. */
function vcdiff(appHeader: string, indicator = 0x05): Buffer {
  const app = Buffer.from(appHeader, 'latin1');
  return Buffer.concat([
    Buffer.from([0xd6, 0xc3, 0xc4, 0x00, indicator]),
    indicator & 0x01 ? Buffer.from([0x02]) : Buffer.alloc(0),
    Buffer.from([app.length]),
    app,
    Buffer.from([0x05, 0x00]),
  ]);
}

describe('the external compression recorded in an xdelta3 header', () => {
  it('reads the letters of the target and the source', () => {
    expect(parseExternalCompression(vcdiff('v2.tar.gz/G/ref.decrypted/G'))).toEqual({
      target: 'G',
      source: 'G',
    });
    expect(parseExternalCompression(vcdiff('a.xz/Y/b/'))).toEqual({ target: 'Y', source: '' });
  });

  it('finds none in what we write (-D), in garbage and in truncated headers', () => {
    expect(parseExternalCompression(vcdiff('v2.tar.gz//v1.tar.gz/'))).toBeUndefined();
    expect(parseExternalCompression(vcdiff('x/G/y/G', 0x00))).toBeUndefined();
    expect(parseExternalCompression(Buffer.from('PK\x03\x04 not a delta'))).toBeUndefined();
    expect(parseExternalCompression(vcdiff('x/G/y/G').subarray(0, 9))).toBeUndefined();
  });

  it('agrees with xdelta3 on real deltas made with and without -D', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dg-apphead-'));
    try {
      const plain = Buffer.alloc(200_000, 'deltaglider ');
      await writeFile(join(dir, 'a.gz'), execFileSync('gzip', ['-c'], { input: plain }));
      plain.write('changed', 5000);
      await writeFile(join(dir, 'b.gz'), execFileSync('gzip', ['-c'], { input: plain }));
      for (const [flags, expected] of [
        [[], { target: 'G', source: 'G' }],
        [['-D'], undefined],
      ] as const) {
        const delta = join(dir, `d${flags.length}`);
        execFileSync('xdelta3', ['-e', '-f', ...flags, '-s', 'a.gz', 'b.gz', delta], {
          cwd: dir,
          stdio: 'ignore',
        });
        expect(await externalCompressionOf(delta)).toEqual(expected);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the form of a name stored twice that reads use', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
  it('is the newer one', () => {
    const direct = { key: 'app.zip', lastModified: at(1) };
    const delta = { key: 'app.zip.delta', lastModified: at(2) };
    expect(formToRead(direct, delta)).toEqual({ read: delta, stale: direct });
    expect(formToRead({ ...direct, lastModified: at(3) }, delta).read.key).toBe('app.zip');
  });

  it('is <name> on a tie or an unknown time, as the reference CLI reads', () => {
    const delta: StoredForm = { key: 'app.zip.delta', lastModified: at(2) };
    expect(formToRead({ key: 'app.zip', lastModified: at(2) }, delta).read.key).toBe('app.zip');
    expect(formToRead({ key: 'app.zip' }, delta).read.key).toBe('app.zip');
  });
});
