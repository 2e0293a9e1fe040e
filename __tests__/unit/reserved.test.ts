// The one classifier of reserved path segments (src/core/reserved.ts): which segments it
// reserves, and what each key of a listing is to the format.
import { DeltaGliderError } from '../../src/core/errors.js';
import {
  classifyKeys,
  keyRole,
  refuseReservedKeys,
  reservedSegment,
} from '../../src/core/reserved.js';

const ID = '0123456789abcdef';

describe('reservedSegment', () => {
  it.each([
    ['d/.dg-refs/x/app.bin', '.dg-refs'],
    ['.deltaglider/tmp/x', '.deltaglider'],
    // Case variants and Windows' trailing dots and spaces name the same local folder.
    ['d/.DG-Refs/app.bin', '.DG-Refs'],
    ['d/.DeltaGlider/app.bin', '.DeltaGlider'],
    ['d/.dg-refs./app.bin', '.dg-refs.'],
    ['d/.deltaglider /app.bin', '.deltaglider '],
    ['a\\.dg-refs\\b', '.dg-refs'],
    ['d/.dg-refs', '.dg-refs'],
  ])('%j is under %j', (path, segment) => {
    expect(reservedSegment(path)).toBe(segment);
  });

  it.each([
    'd/app.bin',
    'd/dg-refs/app.bin',
    'd/.dg-refs-old/app.bin',
    'd/x.deltaglider/app.bin',
    '.deltaglider-archive-sha256',
    'd/reference.bin',
    // Not ASCII case: no Unicode folding turns these into the reserved names.
    'd/.dg-refſ/x',
  ])('%j is not reserved', (path) => {
    expect(reservedSegment(path)).toBeUndefined();
  });
});

describe('keyRole and classifyKeys', () => {
  it('knows the exact extra reference layout; anything else under .dg-refs is a stray', () => {
    expect(keyRole(`d/.dg-refs/${ID}/reference.bin`)).toEqual({
      kind: 'extra-reference',
      space: 'd',
    });
    expect(keyRole(`.dg-refs/${ID}/reference.bin`)).toEqual({ kind: 'extra-reference', space: '' });
    for (const key of [
      `d/.DG-REFS/${ID}/reference.bin`,
      'd/.dg-refs/abc/reference.bin',
      `d/.dg-refs/${ID.toUpperCase()}/reference.bin`,
      `d/.dg-refs/${ID}/app.bin.delta`,
      `d/.dg-refs/${ID}/sub/reference.bin`,
    ]) {
      expect(keyRole(key)).toMatchObject({ kind: 'stray', space: 'd' });
    }
    expect(keyRole('d/reference.bin')).toEqual({ kind: 'file' });
    expect(keyRole('d/.DeltaGlider/stats.json')).toEqual({ kind: 'internal', space: 'd' });
    expect(keyRole(`d/.deltaglider/.dg-refs/${ID}/reference.bin`)).toEqual({
      kind: 'internal',
      space: 'd',
    });
  });

  it('demotes an extra reference whose folder holds anything else', () => {
    const alone = `d/.dg-refs/${'f'.repeat(16)}/reference.bin`;
    const crowded = `d/.dg-refs/${ID}/reference.bin`;
    const roles = classifyKeys([
      'd/app.bin.delta',
      `d/.dg-refs/${ID}/app-1.0.1.bin.delta`,
      crowded,
      alone,
    ]);
    expect(roles.get(alone)).toEqual({ kind: 'extra-reference', space: 'd' });
    expect(roles.get(crowded)).toEqual({
      kind: 'stray',
      space: 'd',
      folder: `d/.dg-refs/${ID}`,
    });
    expect(roles.get('d/app.bin.delta')).toEqual({ kind: 'file' });
  });
});

describe('refuseReservedKeys', () => {
  it('names the first file and counts the others, with code reserved-name', () => {
    const targets = [
      { key: 'rel/a.txt', path: 'a.txt' },
      { key: 'rel/b/.deltaglider/x', path: 'b/.deltaglider/x' },
      { key: 'rel/c/.dg-refs/y', path: 'c/.dg-refs/y' },
    ];
    let error: unknown;
    try {
      refuseReservedKeys('bkt', targets);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(DeltaGliderError);
    expect(error).toMatchObject({
      code: 'reserved-name',
      fields: { bucket: 'bkt', key: 'rel/b/.deltaglider/x', path: 'b/.deltaglider/x' },
    });
    expect((error as Error).message).toBe(
      '"b/.deltaglider/x" would be stored as "s3://bkt/rel/b/.deltaglider/x", under ".deltaglider", ' +
        'a name the DeltaGlider format reserves for its own objects (and 1 more)',
    );
    expect(() => refuseReservedKeys('bkt', targets.slice(0, 1))).not.toThrow();
  });

  it('escapes control characters of the names it quotes', () => {
    expect(() =>
      refuseReservedKeys('bkt', [{ key: 'a/.dg-refs/x\u001b[2J', path: 'x\u001b[2J' }]),
    ).toThrow(/"x\\u001b\[2J"/);
  });
});
