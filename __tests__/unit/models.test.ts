import { formatBytes, kindLabel, savedPercent, sizeCells } from '../../src/core/format.js';
import { totalsOf, type FileResult, type LogicalFile } from '../../src/core/models.js';
import {
  fileJson,
  fileRecord,
  filesJson,
  sharedSpaceUrl,
  statsJson,
  statsTotalsJson,
  verifyCounts,
} from '../../src/core/report.js';
import type { StatsReport } from '../../src/core/stats.js';
import type { VerifyResult } from '../../src/core/verifier.js';

describe('totalsOf', () => {
  it('sums sizes and derives savings with one decimal', () => {
    const totals = totalsOf([
      { originalBytes: 1000, storedBytes: 100 },
      { originalBytes: 2000, storedBytes: 1234 },
    ]);
    expect(totals).toEqual({
      files: 2,
      originalBytes: 3000,
      storedBytes: 1334,
      referenceBytes: 0,
      savedBytes: 1666,
      savingsPercent: 55.5,
    });
  });

  it('counts each needed reference once, and not again for the file that became it', () => {
    const ref = (key: string, bytes: number) => ({ bucket: 'b', key, bytes });
    const needing = (key: string) => ({
      originalBytes: 1000,
      storedBytes: 10,
      kind: 'delta',
      reference: ref(key, 900),
    });
    const two = totalsOf([
      needing('s/reference.bin'),
      needing('s/reference.bin'),
      needing('t/reference.bin'),
    ]);
    expect([two.storedBytes, two.referenceBytes]).toEqual([30 + 2 * 900, 2 * 900]);
    const became = {
      originalBytes: 900,
      storedBytes: 905,
      kind: 'reference',
      reference: ref('s/reference.bin', 900),
    };
    const run = totalsOf([became, needing('s/reference.bin')]);
    expect([run.storedBytes, run.referenceBytes]).toEqual([915, 0]);
  });

  it('reports zero savings for no bytes rather than NaN', () => {
    expect(totalsOf([]).savingsPercent).toBe(0);
  });
});

describe('format', () => {
  it('never prints a negative zero, and a dash when there is nothing to compare', () => {
    expect(savedPercent(3_000_000, 3_000_053)).toBe('0.0%');
    expect(savedPercent(1000, 2000)).toBe('-100.0%');
    expect(savedPercent(1000, 1)).toBe('99.9%');
    expect(savedPercent(0, 10)).toBe('–');
  });

  it('shows sizes in binary units and marks archive-aware deltas', () => {
    expect(sizeCells(3 * 1024 * 1024, 812)).toEqual(['3.0 MiB', '812 B', '100.0%']);
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(kindLabel({ kind: 'delta', archiveAware: true })).toBe('delta (archive-aware)');
    expect(kindLabel({ kind: 'direct' })).toBe('direct');
  });
});

describe('report records', () => {
  const space = { bucket: 'b', prefix: 'rel/app' };
  const uploaded: FileResult = {
    name: 'app.zip',
    key: 'rel/app/app.zip.delta',
    kind: 'delta',
    originalBytes: 1000,
    storedBytes: 10,
    sha256: 'ab'.repeat(32),
    archiveAware: true,
  };

  it('gives an upload, a listing and a verification one JSON shape', () => {
    expect(fileJson(fileRecord(space, uploaded))).toEqual({
      name: 'app.zip',
      key: 'rel/app/app.zip.delta',
      url: 's3://b/rel/app/app.zip',
      kind: 'delta',
      'original-bytes': 1000,
      'stored-bytes': 10,
      sha256: 'ab'.repeat(32),
      'archive-aware': true,
    });
    const plain: LogicalFile = {
      name: 'x.bin',
      key: 'rel/app/x.bin',
      kind: 'plain',
      originalBytes: 5,
      storedBytes: 5,
      problem: 'its dg-file-sha256 metadata contains control characters',
      staleKey: 'rel/app/x.bin.delta',
    };
    expect(fileJson(fileRecord(space, plain))).toEqual({
      name: 'x.bin',
      key: 'rel/app/x.bin',
      url: 's3://b/rel/app/x.bin',
      kind: 'plain',
      'original-bytes': 5,
      'stored-bytes': 5,
      problem: 'its dg-file-sha256 metadata contains control characters',
      'stale-key': 'rel/app/x.bin.delta',
    });
    const failed: VerifyResult = { ...plain, kind: 'delta', status: 'failed', problem: 'bad' };
    expect(fileJson(fileRecord({ bucket: 'b', prefix: '' }, failed))).toMatchObject({
      url: 's3://b/x.bin',
      status: 'failed',
      problem: 'bad',
    });
  });

  it('totals the files, counts verify outcomes and names the one DeltaSpace', () => {
    const records = [
      fileRecord(space, uploaded),
      fileRecord(space, { ...uploaded, name: 'b.zip', originalBytes: 3000, storedBytes: 90 }),
    ];
    expect(filesJson(records)).toMatchObject({
      files: 2,
      'original-bytes': 4000,
      'stored-bytes': 100,
      'saved-bytes': 3900,
      'savings-percent': 97.5,
    });
    expect(sharedSpaceUrl(records)).toBe('s3://b/rel/app/');
    expect(sharedSpaceUrl([...records, fileRecord({ bucket: 'b', prefix: 'x' }, uploaded)])).toBe(
      undefined,
    );
    expect(sharedSpaceUrl([])).toBe(undefined);

    const verified = (status: VerifyResult['status']) =>
      fileRecord(space, { ...uploaded, status } as VerifyResult);
    expect(
      verifyCounts([verified('ok'), verified('failed'), verified('ok'), verified('unchecked')]),
    ).toEqual({ files: 4, verified: 2, failed: 1, unchecked: 1 });
  });

  it('gives stats its outputs and its JSON from the same totals', () => {
    const counts = { references: 1, deltas: 2, direct: 3, plain: 4 };
    const sizes = { files: 5, originalBytes: 900, storedBytes: 300, savedBytes: 600 };
    const report: StatsReport = {
      bucket: 'b',
      prefix: 'rel/',
      ...sizes,
      savingsPercent: 66.7,
      ...counts,
      deltaSpaces: 1,
      spaces: [{ prefix: 'rel/app', ...sizes, savingsPercent: 66.7, ...counts }],
    };
    const totals = {
      files: 5,
      'original-bytes': 900,
      'stored-bytes': 300,
      'saved-bytes': 600,
      'savings-percent': 66.7,
      ...counts,
    };
    expect(statsTotalsJson(report)).toEqual({ ...totals, 'delta-spaces': 1 });
    expect(statsJson(report)).toEqual({
      location: 's3://b/rel/',
      ...totals,
      'delta-spaces': 1,
      spaces: [{ location: 's3://b/rel/app/', ...totals }],
    });
  });
});
