import { decodeObject } from '../../src/core/metadata.js';
import {
  escapeControlChars,
  escapeHtmlCell,
  escapeLogLine,
  hasControlChars,
} from '../../src/core/text-safety.js';

const word = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;

describe('text from the bucket', () => {
  it('shows control characters as escapes, on one line', () => {
    expect(escapeControlChars('a\r\nb\tc\x1b[31m\x00\x7f\u0085\u2028\u202e')).toBe(
      'a\\r\\nb\\tc\\x1b[31m\\x00\\x7f\\x85\\u2028\\u202e',
    );
    expect(escapeControlChars('plain name-1.2.zip ünïcode')).toBe('plain name-1.2.zip ünïcode');
    expect(hasControlChars('ok')).toBe(false);
    expect(hasControlChars('a\u2029b')).toBe(true);
  });

  it('never lets a log line start a workflow command', () => {
    expect(escapeLogLine('::warning::x: plain')).toBe('\\x3a:warning::x: plain');
    expect(escapeLogLine('  ::error::x')).toBe('  \\x3a:error::x');
    expect(escapeLogLine('x\r::warning::y')).toBe('x\\r::warning::y');
    expect(escapeLogLine('a: b :: c')).toBe('a: b :: c');
  });

  it('keeps a summary cell one line of text, without markup', () => {
    expect(escapeHtmlCell('z\n\n# h <img src=x> | a & "b"')).toBe(
      'z\\n\\n# h &#60;img src=x&#62; &#124; a &#38; &#34;b&#34;',
    );
  });
});

describe('decodeObject flags control characters', () => {
  const base = { 'dg-file-sha256': 'a'.repeat(64), 'dg-file-size': '1' };

  it('in an encoded-word dg-file-sha256', () => {
    const meta = { ...base, 'dg-file-sha256': word(`${'a'.repeat(64)}\n::warning::x`) };
    expect(decodeObject({ ...meta, 'dg-compression': 'none' })).toMatchObject({
      type: 'direct',
      unsafe: 'dg-file-sha256',
    });
  });

  it('in a dg-ref-key naming a key with a line break', () => {
    const meta = { ...base, 'dg-ref-key': word('space/\r\n/reference.bin') };
    expect(decodeObject(meta)).toMatchObject({ type: 'delta', unsafe: 'dg-ref-key' });
  });

  it('not in clean metadata, Unicode names included', () => {
    const meta = { ...base, 'dg-original-name': word('ünïcode.zip'), 'dg-ref-key': 'a/b.bin' };
    expect(decodeObject(meta)).not.toHaveProperty('unsafe');
  });
});
