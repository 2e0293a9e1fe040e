// The retiring mark is bucket data: read bounded and validated, and anything that is not
// a clean mark still keeps uploaders away (it counts as marked, never as active).
import { describe, expect, it } from '@jest/globals';
import { retiringState, withMark, withoutMark } from '../../src/core/references/retiring.js';

describe('dg-retiring', () => {
  const mark = { since: new Date('2026-12-08T00:40:00.000Z'), token: '3f9c0a7e12b4d566' };

  it('round-trips through metadata, keeping every other key', () => {
    const meta = withMark({ 'dg-file-sha256': 'ab', 'dg-retiring': 'old' }, mark);
    expect(meta['dg-retiring']).toBe('2026-12-08T00:40:00.000Z 3f9c0a7e12b4d566');
    expect(retiringState(meta)).toEqual({ kind: 'retiring', mark });
    expect(withoutMark(meta)).toEqual({ 'dg-file-sha256': 'ab' });
    expect(retiringState(withoutMark(meta))).toEqual({ kind: 'active' });
  });

  it('reads a malformed, oversized or impossible value as unreadable, not as active', () => {
    for (const value of [
      'soon',
      '2026-12-08T00:40:00.000Z',
      '2026-12-08T00:40:00.000Z 3F9C0A7E12B4D566',
      '2026-13-45T99:99:99Z 3f9c0a7e12b4d566',
      `2026-12-08T00:40:00.000Z 3f9c0a7e12b4d566${' '.repeat(64)}`,
      'x'.repeat(100_000),
    ]) {
      expect({ value, state: retiringState({ 'dg-retiring': value }) }).toEqual({
        value,
        state: { kind: 'unreadable' },
      });
    }
  });
});
