import { boundsOf } from '../../src/core/delta-bounds.js';
import { decodeObject, encodeDelta } from '../../src/core/metadata.js';
import { expansionLimit } from '../../src/core/output-limit.js';
import { budgetFor } from '../../src/adapters/archive/expand-budget.js';
import { maxDeflatedRecords } from '../../src/adapters/archive/expanded-format.js';

const MIB = 1024 * 1024;

function delta(archive?: Parameters<typeof encodeDelta>[0]['archive']) {
  return encodeDelta({
    originalName: 'app.tgz',
    sha256: 'a'.repeat(64),
    size: 10 * MIB,
    createdAt: new Date('2026-11-25T16:26:05.453Z'),
    refKey: 'rel/reference.bin',
    refSha256: 'b'.repeat(64),
    deltaSize: 100,
    deltaCmd: 'xdelta3',
    archive,
  });
}

describe('metadata of archive-aware deltas', () => {
  it('writes and reads the view and expanded sizes and sha256s', () => {
    const meta = delta({
      codec: 'gzip',
      refView: 'view-v1',
      expandedSize: 40 * MIB,
      expandedSha256: 'c'.repeat(64),
      refViewSize: 38 * MIB,
      refViewSha256: 'd'.repeat(64),
    });
    expect(meta).toMatchObject({
      'dg-expanded-size': String(40 * MIB),
      'dg-expanded-sha256': 'c'.repeat(64),
      'dg-ref-view-size': String(38 * MIB),
      'dg-ref-view-sha256': 'd'.repeat(64),
    });
    const decoded = decodeObject(meta);
    expect(decoded.type === 'delta' && decoded.archive).toEqual({
      codec: 'gzip',
      format: 'expanded-v1',
      refView: 'view-v1',
      expandedSize: 40 * MIB,
      expandedSha256: 'c'.repeat(64),
      refViewSize: 38 * MIB,
      refViewSha256: 'd'.repeat(64),
    });
  });

  it('treats malformed sizes and sha256s as absent, and a huge size as no size', () => {
    const meta = delta({ codec: 'zip', refView: 'raw' });
    meta['dg-expanded-size'] = '-5';
    meta['dg-expanded-sha256'] = 'not a sha';
    meta['dg-file-size'] = '9'.repeat(20);
    const decoded = decodeObject(meta);
    if (decoded.type !== 'delta') throw new Error('not a delta');
    expect(decoded.archive).toMatchObject({ expandedSize: undefined, expandedSha256: undefined });
    expect(decoded.size).toBeUndefined();
    expect(() => boundsOf('s3://b/rel/app.tgz.delta', decoded)).toThrow(
      's3://b/rel/app.tgz.delta has no dg-file-size metadata',
    );
  });
});

describe('bounds of a delta', () => {
  it('the file by dg-file-size, the expanded form by what is recorded or the limit', () => {
    const recorded = decodeObject(delta({ codec: 'gzip', refView: 'raw', expandedSize: 3 * MIB }));
    const legacy = decodeObject(delta({ codec: 'gzip', refView: 'raw' }));
    if (recorded.type !== 'delta' || legacy.type !== 'delta') throw new Error('not deltas');
    expect(boundsOf('x', recorded).file().maxBytes).toBe(10 * MIB);
    expect(boundsOf('x', recorded).expanded().maxBytes).toBe(3 * MIB);
    expect(boundsOf('x', legacy).expanded().maxBytes).toBe(320 * MIB);
  });

  it('the expansion limit: 32 times, at least 64 MiB', () => {
    expect(expansionLimit(0)).toBe(64 * MIB);
    expect(expansionLimit(MIB)).toBe(64 * MIB);
    expect(expansionLimit(10 * MIB)).toBe(320 * MIB);
  });
});

describe('deflate records of an expanded form', () => {
  it('downloads accept 10,000, and one more per 4 KiB of output', () => {
    expect(maxDeflatedRecords(0)).toBe(10_000);
    expect(maxDeflatedRecords(4095)).toBe(10_000);
    expect(maxDeflatedRecords(100 * MIB)).toBe(10_000 + 25_600);
  });

  it('an upload never writes more than a download of the same file accepts', () => {
    expect(budgetFor(1000, 0, { maxEntries: 1_000_000 }).limits.maxEntries).toBe(10_000);
    for (const fileBytes of [0, 1000, 10 * MIB, 1024 * MIB]) {
      for (const maxEntries of [undefined, 10, 10_000, 1_000_000]) {
        const { limits } = budgetFor(fileBytes, 0, { maxEntries });
        expect(limits.maxEntries).toBeLessThanOrEqual(maxDeflatedRecords(fileBytes));
      }
    }
  });
});
