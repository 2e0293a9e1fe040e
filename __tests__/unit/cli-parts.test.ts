import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkCacheSpace,
  checkXdelta3,
  formatHealthCheck,
  inShellWords,
  runHealthChecks,
} from '../../src/adapters/health.js';
import { parseCommandArgs } from '../../src/cli/args.js';
import { CLI_HINTS, CLI_SETTINGS } from '../../src/cli/hints.js';
import { ACTION_HINTS, ACTION_SETTINGS } from '../../src/action/hints.js';
import { renderTable } from '../../src/cli/output.js';
import { Progress } from '../../src/cli/progress.js';
import { InputError } from '../../src/core/errors.js';

describe('renderTable', () => {
  it('pads columns to the widest cell, right-aligning where asked', () => {
    const text = renderTable(
      ['NAME', 'SIZE', 'NOTE'],
      [
        ['a.zip', '1.0 MiB', 'x'],
        ['longer-name.zip', '12 B', ''],
      ],
      ['left', 'right', 'left'],
    );
    expect(text.split('\n')).toEqual([
      'NAME                SIZE  NOTE',
      'a.zip            1.0 MiB  x',
      'longer-name.zip     12 B',
      '',
    ]);
  });
});

describe('parseCommandArgs', () => {
  const parse = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    parseCommandArgs(
      'cp',
      args,
      { recursive: { type: 'boolean', short: 'r' } },
      (v) => v.recursive === true,
      env,
    );

  it('reads global and own options anywhere among the positionals', () => {
    const parsed = parse(['a', '-r', '--max-ratio', '0.25', 'b', '--json']);
    expect(parsed.positionals).toEqual(['a', 'b']);
    expect(parsed.own).toBe(true);
    expect(parsed.global).toMatchObject({ maxRatio: 0.25, json: true, xdelta3Path: 'xdelta3' });
  });

  it('takes the endpoint from the AWS variables unless given', () => {
    expect(parse([], { AWS_ENDPOINT_URL: 'http://a' }).global.endpointUrl).toBe('http://a');
    expect(
      parse([], { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_S3: 'http://s3' }).global
        .endpointUrl,
    ).toBe('http://s3');
    expect(
      parse(['--endpoint-url', 'http://x'], { AWS_ENDPOINT_URL: 'http://a' }).global.endpointUrl,
    ).toBe('http://x');
  });

  it('writes archive-aware deltas only when asked, by flag or DG_ARCHIVE_AWARE', () => {
    expect(parse([]).global.archiveAware).toBe(false);
    expect(parse(['--archive-aware']).global.archiveAware).toBe(true);
    expect(parse([], { DG_ARCHIVE_AWARE: 'true' }).global.archiveAware).toBe(true);
    expect(parse([], { DG_ARCHIVE_AWARE: '0' }).global.archiveAware).toBe(false);
    expect(parse(['--no-archive-aware'], { DG_ARCHIVE_AWARE: '1' }).global.archiveAware).toBe(
      false,
    );
    expect(() => parse([], { DG_ARCHIVE_AWARE: 'maybe' })).toThrow(
      /DG_ARCHIVE_AWARE must be true or false, got "maybe"/,
    );
    expect(() => parse(['--archive-aware', '--no-archive-aware'])).toThrow(InputError);
  });

  it('rejects out-of-range numbers and unknown options as input errors', () => {
    expect(() => parse(['--concurrency', '0'])).toThrow(
      /--concurrency must be a whole number from 1 to 64/,
    );
    expect(() => parse(['--max-ratio', 'half'])).toThrow(InputError);
    expect(() => parse(['--nope'])).toThrow(/^Unknown option '--nope'$/);
  });
});

describe('Progress', () => {
  it('draws at most once per interval, erases before other output, and never when disabled', () => {
    let clock = 0;
    const writes: string[] = [];
    const progress = new Progress(
      (t) => writes.push(t),
      true,
      40,
      100,
      () => clock,
    );
    progress.update('one');
    clock = 50;
    progress.update('two'); // too soon: remembered, not drawn
    clock = 150;
    progress.update('three');
    progress.clear();
    progress.clear(); // nothing drawn since: nothing to erase
    clock = 2500;
    progress.update('a status line far longer than the forty columns of this terminal');
    progress.stop();
    expect(writes).toEqual([
      '\r\x1b[K[0s] one',
      '\r\x1b[K[0s] three',
      '\r\x1b[K',
      '\r\x1b[K[2s] a status line far longer than the…', // 39 columns
      '\r\x1b[K',
    ]);

    const silent: string[] = [];
    const off = new Progress((t) => silent.push(t), false);
    off.update('x');
    off.stop();
    expect(silent).toEqual([]);
  });
});

describe('health checks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dg-health-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('finds xdelta3 on PATH, names its version and proves a round trip', async () => {
    const check = await checkXdelta3(process.env.XDELTA3 ?? 'xdelta3');
    expect(check.ok).toBe(true);
    expect(formatHealthCheck(check)).toMatch(
      /^ok {4}xdelta3: 3\.\d+\.\d+ at \/\S+, encodes and decodes$/,
    );
  });

  it('fails on a missing binary and on one that is not xdelta3', async () => {
    const missing = await checkXdelta3('no-such-xdelta3-binary');
    expect(missing).toMatchObject({ ok: false });
    expect(missing).toMatchObject({ setting: 'xdelta3-path' });
    // Each shell names the setting in its own words.
    expect(inShellWords(missing, CLI_SETTINGS, CLI_HINTS).detail).toMatch(
      /not on PATH: install xdelta3 .* or give its location \(--xdelta3-path\)$/,
    );
    expect(inShellWords(missing, ACTION_SETTINGS, ACTION_HINTS).detail).toMatch(
      /location \(xdelta3-path\)$/,
    );
    const impostor = join(dir, 'xdelta3');
    await writeFile(impostor, '#!/bin/sh\necho "hello"\n');
    await chmod(impostor, 0o755);
    const wrong = await checkXdelta3(impostor);
    expect(wrong).toMatchObject({ ok: false });
    expect(formatHealthCheck(wrong)).toMatch(
      /^FAIL {2}xdelta3: .*did not report an xdelta3 version/,
    );
  });

  it('measures free space where the cache would be created, and fails below the minimum', async () => {
    const cache = join(dir, 'not', 'yet', 'there');
    const ok = await checkCacheSpace(cache, 1);
    expect(ok).toMatchObject({ name: 'cache', ok: true });
    expect(ok.detail).toMatch(/not\/yet\/there, \d+ MiB free$/);
    const short = await checkCacheSpace(cache, Number.MAX_SAFE_INTEGER);
    expect(short.ok).toBe(false);
    expect(inShellWords(short, CLI_SETTINGS, CLI_HINTS).detail).toMatch(
      /free some space or choose another cache directory \(--cache-dir\)$/,
    );
  });

  it('marks the bucket check skipped without a bucket, in the design order', async () => {
    const checks = await runHealthChecks({ xdelta3Binary: 'xdelta3', cacheDir: dir });
    expect(checks.map((c) => [c.name, c.ok, c.skipped ?? false])).toEqual([
      ['xdelta3', true, false],
      ['bucket', true, true],
      ['cache', true, false],
    ]);
    expect(formatHealthCheck(checks[1]!)).toMatch(/^skip {2}bucket: /);
  });
});
