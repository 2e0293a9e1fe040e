import { describe, expect, test } from '@jest/globals';
import {
  ActionsProgress,
  CountProgress,
  inGroup,
  type ProgressOutput,
} from '../../src/action/progress.js';
import type { FileResult } from '../../src/core/models.js';
import type { LoggerPort } from '../../src/ports.js';

/** Records what the progress printed, groups as `▸ title` and `◂`. */
function recorder(): ProgressOutput & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    startGroup: (t) => lines.push(`▸ ${t}`),
    endGroup: () => lines.push('◂'),
  };
}

function base(lines: string[]): LoggerPort {
  return {
    info: (m) => lines.push(`base: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
  };
}

const MIB = 1024 * 1024;

function result(name: string): FileResult {
  return {
    name,
    key: `releases/${name}.delta`,
    kind: 'delta',
    originalBytes: 100 * MIB,
    storedBytes: 5 * MIB,
    sha256: 'ab'.repeat(32),
  };
}

const later = () => new Promise((resolve) => setImmediate(resolve));

describe('ActionsProgress', () => {
  test('holds back what is logged during each file and prints it as that file’s group', async () => {
    const out = recorder();
    const progress = new ActionsProgress(out);
    const log = progress.logger(base(out.lines));
    log.info('Uploading 2 file(s)');
    // Two files interleaving their log lines, as concurrent uploads do.
    await Promise.all(
      ['a.bin', 'b.bin'].map((name) =>
        progress.file(name, async () => {
          log.info(`${name}: first`);
          await later();
          log.warning(`${name}: a warning shows at once`);
          log.info(`${name}: second`);
          return result(name);
        }),
      ),
    );
    const groupOf = (name: string) => {
      const start = out.lines.findIndex((l) => l.startsWith(`▸ ${name}`));
      return out.lines.slice(start, out.lines.indexOf('◂', start) + 1);
    };
    expect(out.lines[0]).toBe('base: Uploading 2 file(s)');
    expect(groupOf('a.bin')).toEqual([
      '▸ a.bin: delta, 100.0 MiB stored as 5.0 MiB (5.0%)',
      'a.bin: first',
      'a.bin: second',
      'key: releases/a.bin.delta',
      `sha256: ${'ab'.repeat(32)}`,
      '◂',
    ]);
    expect(groupOf('b.bin')).toContain('b.bin: second');
    expect(groupOf('b.bin')).not.toContain('a.bin: second');
    expect(out.lines).toContain('warning: a.bin: a warning shows at once');
  });

  test('a failed file still shows what it logged, then the error goes on', async () => {
    const out = recorder();
    const progress = new ActionsProgress(out);
    const log = progress.logger(base(out.lines));
    await expect(
      progress.file('broken.bin', async () => {
        log.info('broken.bin: about to fail');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(out.lines).toEqual(['▸ broken.bin: failed', 'broken.bin: about to fail', '◂']);
  });

  test('long steps print progress at a steady rate; short ones print nothing live', () => {
    const out = recorder();
    let now = 0;
    const progress = new ActionsProgress(out, {
      firstAfterMs: 5000,
      everyMs: 10_000,
      now: () => now,
    });
    const short = progress.step('small.bin', 'uploading', 10 * MIB);
    const long = progress.step('big.bin', 'encoding', 400 * MIB);
    now = 1000;
    short.update(10 * MIB);
    short.end();
    for (let second = 2; second <= 30; second++) {
      now = second * 1000;
      long.update(second * 10 * MIB);
      progress.tick();
    }
    now = 31_000;
    long.end();
    expect(out.lines).toEqual([
      'big.bin: encoding 12% (50.0 MiB of 400.0 MiB), 5.0 s',
      'big.bin: encoding 37% (150.0 MiB of 400.0 MiB), 15.0 s',
      'big.bin: encoding 62% (250.0 MiB of 400.0 MiB), 25.0 s',
      'big.bin: encoding: 400.0 MiB in 31.0 s',
    ]);
  });

  test('a step of unknown size shows bytes without a percentage', () => {
    const out = recorder();
    let now = 0;
    const progress = new ActionsProgress(out, { firstAfterMs: 5000, now: () => now });
    const step = progress.step('legacy.bin', 'decoding', 0);
    step.update(3 * MIB);
    now = 6000;
    progress.tick();
    step.end();
    expect(out.lines[0]).toBe('legacy.bin: decoding 3.0 MiB, 6.0 s');
  });

  test('the steps of a file are summed up in its group', async () => {
    const out = recorder();
    let now = 0;
    const progress = new ActionsProgress(out, { now: () => now });
    await progress.file('app.bin', async () => {
      const step = progress.step('app.bin', 'encoding', 100 * MIB);
      now = 2500;
      step.end();
      return result('app.bin');
    });
    expect(out.lines).toContain('encoding: 100.0 MiB in 2.5 s');
  });
});

describe('CountProgress', () => {
  test('prints a line every N items or every interval, and a closing line', () => {
    const out = recorder();
    let clock = 0;
    const progress = new CountProgress(out, 'sync', 2500, {
      everyItems: 1000,
      everyMs: 10_000,
      now: () => clock,
    });
    for (let i = 0; i < 1000; i++) progress.step();
    clock = 12_000;
    progress.step(); // 1,001: not 1,000 more, but 12 s since the last line
    for (let i = 0; i < 499; i++) progress.step();
    progress.finish();

    expect(out.lines).toEqual([
      'sync: 1,000 of 2,500 done (40%), 0.0 s',
      'sync: 1,001 of 2,500 done (40%), 12.0 s',
      'sync: 1,500 of 2,500 done (60%), 12.0 s',
    ]);
  });

  test('the closing line is not repeated when the last line said it', () => {
    const out = recorder();
    const progress = new CountProgress(out, 'migrate', 2, { everyItems: 1, now: () => 0 });
    progress.step();
    progress.step();
    progress.finish();
    expect(out.lines).toEqual([
      'migrate: 1 of 2 done (50%), 0.0 s',
      'migrate: 2 of 2 done (100%), 0.0 s',
    ]);
  });
});

describe('inGroup', () => {
  test('closes the group when the work fails', async () => {
    const out = recorder();
    await expect(
      inGroup(out, 'Deleting 3 files', async () => {
        out.info('inside');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(out.lines).toEqual(['▸ Deleting 3 files', 'inside', '◂']);
  });
});
