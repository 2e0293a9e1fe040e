import { totalsOf } from '../../src/core/models.js';

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
      savedBytes: 1666,
      savingsPercent: 55.5,
    });
  });

  it('reports zero savings for no bytes rather than NaN', () => {
    expect(totalsOf([]).savingsPercent).toBe(0);
  });
});
