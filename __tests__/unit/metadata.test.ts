import {
  decodeHeaderValue,
  decodeObject,
  encodeDelta,
  encodeHeaderValue,
  encodeDirect,
  encodeReference,
  formatCreatedAt,
  readField,
} from '../../src/core/metadata.js';
import { TOOL_ID, VERSION } from '../../src/core/version.js';
import { readFileSync } from 'node:fs';

const at = new Date('2026-11-25T16:26:05.453Z');
const sha = 'a'.repeat(64);

describe('writing metadata (docs/format.md)', () => {
  it('formats created-at with microseconds and Z', () => {
    expect(formatCreatedAt(at)).toBe('2026-11-25T16:26:05.453000Z');
  });

  it('writes the reference keys, all lowercase dg- keys with string values', () => {
    const meta = encodeReference({ sourceName: 'app.zip', sha256: sha, createdAt: at });
    expect(Object.keys(meta).sort()).toEqual(
      [
        'dg-created-at',
        'dg-file-sha256',
        'dg-note',
        'dg-reader',
        'dg-source-name',
        'dg-tool',
      ].sort(),
    );
    expect(meta['dg-note']).toBe('reference');
    expect(meta['dg-tool']).toBe(TOOL_ID);
  });

  it('names a long file <file> in dg-delta-cmd, and nowhere else', () => {
    const name = `${'ä'.repeat(300)}.tgz`;
    const meta = encodeDelta({
      originalName: name,
      sha256: sha,
      size: 1,
      createdAt: at,
      refKey: 'p/reference.bin',
      refSha256: sha,
      deltaSize: 1,
      deltaCmd: `xdelta3 -e -9 -D -s reference.bin ${name} ${name}.delta`,
    });
    expect(meta['dg-delta-cmd']).toBe('xdelta3 -e -9 -D -s reference.bin <file> <file>.delta');
    expect(readField(meta, 'original-name')).toBe(name);
  });

  it('writes every delta key, the note only when given', () => {
    const fields = {
      originalName: 'app.zip',
      sha256: sha,
      size: 123,
      createdAt: at,
      refKey: 'p/reference.bin',
      refSha256: 'b'.repeat(64),
      deltaSize: 45,
      deltaCmd: 'xdelta3 -e -9 -s reference.bin app.zip app.zip.delta',
    };
    const meta = encodeDelta(fields);
    expect(meta).toMatchObject({
      'dg-file-size': '123',
      'dg-delta-size': '45',
      'dg-ref-key': 'p/reference.bin',
    });
    expect(meta['dg-note']).toBeUndefined();
    expect(encodeDelta({ ...fields, note: 'zero-diff (reference identical)' })['dg-note']).toBe(
      'zero-diff (reference identical)',
    );
  });

  it('marks direct objects with dg-compression none', () => {
    const meta = encodeDirect({ originalName: 'a.txt', sha256: sha, size: 5, createdAt: at });
    expect(meta['dg-compression']).toBe('none');
    expect(decodeObject(meta)).toEqual({
      type: 'direct',
      sha256: sha,
      size: 5,
      originalName: 'a.txt',
    });
  });

  it('keeps VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});

describe('reading metadata liberally', () => {
  it('takes the first non-empty alias in the contract order', () => {
    expect(readField({ 'dg-file-sha256': 'x', file_sha256: 'y' }, 'file-sha256')).toBe('x');
    expect(readField({ 'dg-file-sha256': '', dg_file_sha256: 'y' }, 'file-sha256')).toBe('y');
    expect(readField({ file_sha256: 'z', 'file-sha256': 'w' }, 'file-sha256')).toBe('z');
    expect(readField({ 'file-sha256': 'w' }, 'file-sha256')).toBe('w');
    expect(readField({ 'DG-File-Sha256': 'c' }, 'file-sha256')).toBe('c');
    expect(readField({}, 'file-sha256')).toBeUndefined();
  });

  it('decodes legacy underscore deltas written by older DeltaGlider releases', () => {
    const legacy = {
      tool: 'deltaglider/4.0.0',
      original_name: 'app.zip',
      file_sha256: sha.toUpperCase(),
      file_size: '1000',
      created_at: '2025-01-01T00:00:00',
      ref_key: 'p/reference.bin',
      ref_sha256: 'b'.repeat(64),
      delta_size: '10',
    };
    expect(decodeObject(legacy)).toEqual({
      type: 'delta',
      sha256: sha,
      size: 1000,
      originalName: 'app.zip',
      refKey: 'p/reference.bin',
      refSha256: 'b'.repeat(64),
    });
    expect(decodeObject({ file_sha256: sha, compression: 'none' }).type).toBe('direct');
  });

  it('treats objects without a sha256 as plain S3 objects', () => {
    expect(decodeObject({ 'content-owner': 'someone' })).toEqual({ type: 'plain' });
  });
});

describe('names that HTTP headers cannot carry (RFC 2047 encoded-words)', () => {
  const printableAscii = /^[\x20-\x7e]*$/;

  it('leaves printable ASCII alone, spaces and parentheses included', () => {
    expect(encodeHeaderValue('my app (1).zip')).toBe('my app (1).zip');
    expect(encodeHeaderValue(sha)).toBe(sha);
    expect(encodeHeaderValue('')).toBe('');
  });

  it('writes non-ASCII as base64 UTF-8 encoded-words that decode back', () => {
    const name = 'приложение-1.0.bin';
    const encoded = encodeHeaderValue(name);
    expect(encoded).toBe(`=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`);
    expect(decodeHeaderValue(encoded)).toBe(name);
  });

  it('splits long values into words of at most 75 characters, never inside a character', () => {
    const name = `${'数据'.repeat(40)}-🚀-release.bin`; // 3- and 4-byte characters
    const encoded = encodeHeaderValue(name);
    const words = encoded.split(' ');
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) {
      expect(word.length).toBeLessThanOrEqual(75);
      // Each word holds whole characters: it decodes alone without replacement characters.
      expect(decodeHeaderValue(word)).not.toContain('\ufffd');
    }
    expect(encoded).toMatch(printableAscii);
    expect(decodeHeaderValue(encoded)).toBe(name);
  });

  it('encodes an ASCII value that looks like an encoded-word, so it reads back as written', () => {
    const tricky = '=?UTF-8?B?aGk=?=.bin';
    expect(encodeHeaderValue(tricky)).not.toBe(tricky);
    expect(decodeHeaderValue(encodeHeaderValue(tricky))).toBe(tricky);
  });

  it('decodes what other encoders write: Q encoding, other charsets, split characters', () => {
    expect(decodeHeaderValue('=?utf-8?Q?caf=C3=A9_1.0.zip?=')).toBe('café 1.0.zip');
    expect(decodeHeaderValue('=?ISO-8859-1?Q?caf=E9.zip?=')).toBe('café.zip');
    // "é" (C3 A9) split across two words, with folding whitespace between them.
    const split = `=?UTF-8?B?${Buffer.from([0x63, 0xc3]).toString('base64')}?=\r\n =?UTF-8?B?${Buffer.from([0xa9]).toString('base64')}?=`;
    expect(decodeHeaderValue(split)).toBe('cé');
    // Text around words stays; a lone "=?" that is no word stays too.
    expect(decodeHeaderValue('v1 =?UTF-8?B?0L8=?= x')).toBe('v1 п x');
    expect(decodeHeaderValue('a=?b')).toBe('a=?b');
  });

  it('every encoder writes printable ASCII only, and decodeObject reads the names back', () => {
    const name = 'приложение-1.0.bin';
    const common = { sha256: sha, size: 3, createdAt: at };
    const delta = encodeDelta({
      ...common,
      originalName: name,
      refKey: 'релизы/reference.bin',
      refSha256: sha,
      deltaSize: 1,
      deltaCmd: `xdelta3 -e -9 -s reference.bin ${name} ${name}.delta`,
    });
    const direct = encodeDirect({ ...common, originalName: name });
    const reference = encodeReference({ sourceName: name, sha256: sha, createdAt: at });
    for (const meta of [delta, direct, reference]) {
      for (const value of Object.values(meta)) expect(value).toMatch(printableAscii);
    }
    expect(decodeObject(delta)).toMatchObject({
      type: 'delta',
      originalName: name,
      refKey: 'релизы/reference.bin',
    });
    expect(decodeObject(direct)).toMatchObject({ type: 'direct', originalName: name });
    expect(readField(reference, 'source-name')).toBe(name);
    expect(readField(delta, 'delta-cmd')).toContain(`${name}.delta`);
  });
});
