import { describe, expect, test } from '@jest/globals';
import { MemoryBudget } from '../../src/adapters/memory-budget.js';
import {
  decodeMemoryFor,
  decodeWindowFor,
  DEFAULT_WINDOW_BYTES,
  DEFAULT_XDELTA3_MEMORY_BYTES,
  encodeMemoryFor,
  encodeWindowFor,
  MAX_WINDOW_BYTES,
} from '../../src/adapters/xdelta3/window.js';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

// Peak RSS of xdelta3 3.0.11 measured on the benchmark machine with /usr/bin/time -f %M
// (BENCHMARKS.md, "xdelta3 memory"): reference bytes, -B, mode, KiB.
const MEASURED = [
  { reference: 97_873_016, window: 128 * MIB, mode: 'encode', rssKiB: 413_036 },
  { reference: 97_873_016, window: 64 * MIB, mode: 'encode', rssKiB: 252_212 },
  { reference: 97_873_016, window: 2 * GIB, mode: 'encode', rssKiB: 1_199_512 },
  { reference: 256 * MIB, window: 256 * MIB, mode: 'encode', rssKiB: 833_268 },
  { reference: 256 * MIB, window: 2 * GIB, mode: 'encode', rssKiB: 1_357_520 },
  { reference: 512 * MIB, window: 512 * MIB, mode: 'encode', rssKiB: 1_619_820 },
  { reference: GIB, window: 64 * MIB, mode: 'encode', rssKiB: 243_708 },
  { reference: GIB, window: 96 * MIB, mode: 'encode', rssKiB: 439_964 },
  { reference: GIB, window: 384 * MIB, mode: 'encode', rssKiB: 1_619_712 },
  { reference: GIB, window: 768 * MIB, mode: 'encode', rssKiB: 2_144_152 },
  { reference: GIB, window: GIB, mode: 'encode', rssKiB: 2_144_100 },
  { reference: 97_873_016, window: 128 * MIB, mode: 'decode', rssKiB: 118_736 },
  { reference: 256 * MIB, window: 256 * MIB, mode: 'decode', rssKiB: 272_232 },
  { reference: GIB, window: GIB, mode: 'decode', rssKiB: 1_058_888 },
] as const;

describe('xdelta3 memory estimates', () => {
  test.each(MEASURED)(
    '$mode of a $reference-byte reference with -B $window: at least the measured peak, at most 20% above',
    ({ reference, window, mode, rssKiB }) => {
      const estimate =
        mode === 'encode' ? encodeMemoryFor(reference, window) : decodeMemoryFor(reference, window);
      const measured = rssKiB * 1024;
      expect(estimate).toBeGreaterThanOrEqual(measured);
      // Decoding small references carries a larger share of fixed overhead.
      expect(estimate).toBeLessThanOrEqual(
        measured * (mode === 'decode' && reference < GIB ? 1.5 : 1.2),
      );
    },
  );
});

describe('windows within a memory budget', () => {
  test('a reference that fits gets a window covering all of it', () => {
    for (const reference of [10 * MIB, 97_873_016, 300 * MIB, GIB]) {
      const window = encodeWindowFor(reference);
      expect(window).toBeGreaterThanOrEqual(reference);
      expect(encodeMemoryFor(reference, window)).toBeLessThanOrEqual(DEFAULT_XDELTA3_MEMORY_BYTES);
    }
  });

  test('never below the 64 MiB default window, never above what xdelta3 accepts', () => {
    expect(encodeWindowFor(1000)).toBe(DEFAULT_WINDOW_BYTES);
    expect(encodeWindowFor(10 * GIB, 64 * GIB)).toBe(MAX_WINDOW_BYTES);
    // A budget too small for even the smallest window: the smallest, run alone.
    expect(encodeWindowFor(GIB, 100 * MIB)).toBe(DEFAULT_WINDOW_BYTES);
  });

  test('a larger reference than the budget allows gets the largest window that fits', () => {
    for (const budget of [512 * MIB, GIB, 3 * GIB, 5 * GIB]) {
      const window = encodeWindowFor(4 * GIB, budget);
      expect(encodeMemoryFor(4 * GIB, window)).toBeLessThanOrEqual(budget);
      if (window < MAX_WINDOW_BYTES)
        expect(encodeMemoryFor(4 * GIB, window * 2)).toBeGreaterThan(budget);
    }
  });

  test('more memory never means a smaller window', () => {
    let previous = 0;
    for (let budget = 256 * MIB; budget <= 8 * GIB; budget += 256 * MIB) {
      const window = encodeWindowFor(3 * GIB, budget);
      expect(window).toBeGreaterThanOrEqual(previous);
      previous = window;
    }
  });

  test('decoding needs less than encoding, so its window is at least as large', () => {
    for (const reference of [GIB, 2 * GIB, 6 * GIB]) {
      for (const budget of [GIB, 3 * GIB]) {
        expect(decodeWindowFor(reference, budget)).toBeGreaterThanOrEqual(
          encodeWindowFor(reference, budget),
        );
        expect(decodeMemoryFor(reference, decodeWindowFor(reference, budget))).toBeLessThanOrEqual(
          budget,
        );
      }
    }
  });
});

/** A run whose end the test controls. */
function gatedWork() {
  let finish!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { work: () => done, finish, fail };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MemoryBudget', () => {
  test('runs together what fits, holds back what does not, first come first served', async () => {
    const budget = new MemoryBudget(100);
    const started: string[] = [];
    const a = gatedWork();
    const b = gatedWork();
    const c = gatedWork();
    const d = gatedWork();
    const runs = [
      budget.run(60, () => (started.push('a'), a.work())),
      budget.run(30, () => (started.push('b'), b.work())),
      budget.run(50, () => (started.push('c'), c.work())),
      // Would fit beside a and b, but c arrived first.
      budget.run(10, () => (started.push('d'), d.work())),
    ];
    await tick();
    expect(started).toEqual(['a', 'b']);
    a.finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    b.finish();
    c.finish();
    d.finish();
    await Promise.all(runs);
  });

  test('a run larger than the whole budget goes alone instead of waiting forever', async () => {
    const budget = new MemoryBudget(100);
    const started: string[] = [];
    const small = gatedWork();
    const huge = gatedWork();
    const first = budget.run(10, () => (started.push('small'), small.work()));
    const second = budget.run(500, () => (started.push('huge'), huge.work()));
    await tick();
    expect(started).toEqual(['small']);
    small.finish();
    await tick();
    expect(started).toEqual(['small', 'huge']);
    huge.finish();
    await Promise.all([first, second]);
  });

  test('a failed run gives its memory back', async () => {
    const budget = new MemoryBudget(100);
    const failing = gatedWork();
    const failed = budget.run(80, failing.work);
    let laterRan = false;
    const later = budget.run(80, async () => {
      laterRan = true;
    });
    await tick();
    expect(laterRan).toBe(false);
    failing.fail(new Error('xdelta3 crashed'));
    await expect(failed).rejects.toThrow('xdelta3 crashed');
    await later;
    expect(laterRan).toBe(true);
  });
});
