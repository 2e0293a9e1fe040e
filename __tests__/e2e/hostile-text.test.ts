// Keys and metadata written by anyone who can write to the bucket reach the log and the
// job summary. Through the built bundle against moto: such text never starts a workflow
// command of its own, never leaves its summary table cell, and downloads refuse objects
// whose metadata holds control characters with one clear error, writing nothing.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { ActionRun } from '../../scripts/lib/run-action.mjs';
import { useBundleSuite } from '../helpers/bundle-suite.js';

const SHA = 'a'.repeat(64);
/** A value as RFC 2047 carries it in a header: decoded, it holds the line breaks. */
const encodedWord = (text: string) => `=?UTF-8?B?${Buffer.from(text).toString('base64')}?=`;

// Each payload's injected command carries the marker INJECTED as its message. moto
// refuses keys with LF; a CR reaches the action as stored (listings are URL-encoded),
// and the runner ends a line at a CR as at an LF.
const HOSTILE_KEYS = [
  'x\r::warning title=INJECTED::from a key with CR\r',
  'y\r::error::INJECTED from a key\r',
  'z\r\r# INJECTED heading\r\r![img](evil.png)',
  // No control character at all: the name opens the line the action prints.
  '::notice::INJECTED from a key that starts the line',
];

const suite = useBundleSuite();

beforeAll(async () => {
  const put = (key: string, metadata: Record<string, string> = {}) =>
    suite.raw.send(
      new PutObjectCommand({ Bucket: suite.bucket, Key: key, Body: 'hostile', Metadata: metadata }),
    );
  for (const name of HOSTILE_KEYS) await put(`space/${name}`);
  await put('space/sha.bin', {
    'dg-file-sha256': encodedWord(`${SHA}\n::warning::INJECTED from dg-file-sha256`),
    'dg-file-size': '7',
    'dg-compression': 'none',
  });
  await put('space/ref.bin.delta', {
    'dg-file-sha256': SHA,
    'dg-file-size': '7',
    'dg-ref-key': encodedWord('space/\n::warning::INJECTED from dg-ref-key/reference.bin'),
    'dg-ref-sha256': SHA,
  });
}, 60_000);

function run(inputs: Record<string, string>): Promise<ActionRun> {
  // The summary is on: its table cells are under test.
  return suite.run({ summary: 'true', ...inputs }, { env: { RUNNER_DEBUG: '1' } });
}

/** Lines as the runner splits them: CR, LF and CRLF all end a line. */
const lines = (text: string) => text.split(/\r\n|\r|\n/);

/** Workflow commands start only from the action's own calls, never from suite.bucket text. */
function expectNoInjectedCommand(result: ActionRun): void {
  const commands = lines(result.stdout).filter((line) => /^\s*::/.test(line));
  for (const line of commands) {
    // What @actions/core prints: a plain command name, no properties of the suite.bucket's.
    expect(line).toMatch(/^::(debug|notice|warning|error|group|endgroup|add-mask)::/);
    expect(line).not.toMatch(/^::[a-z-]+::INJECTED/);
  }
  // eslint-disable-next-line no-control-regex
  expect(result.stdout + result.stderr).not.toMatch(/\x1b|\u0000/);
}

/** The summary table is one HTML block: no line break inside, each row 4 or 5 cells. */
function expectIntactTable(summary: string, cells: number, rows: number): void {
  const table = summary.match(/<table>[\s\S]*<\/table>/)?.[0] ?? '';
  expect(table).not.toBe('');
  expect(table).not.toContain('\n');
  const trs = table.match(/<tr>.*?<\/tr>/g) ?? [];
  expect(trs).toHaveLength(rows);
  for (const tr of trs) expect(tr.match(/<t[dh]>/g)).toHaveLength(cells);
  expect(summary).not.toMatch(/^#/m);
  expect(summary).not.toMatch(/^\s*!\[img\]/m);
}

async function filesUnder(dir: string): Promise<string[]> {
  return existsSync(dir) ? readdir(dir, { recursive: true }) : [];
}

describe('hostile keys and metadata', () => {
  it('list: names and flagged metadata stay on one line and in their cells', async () => {
    const result = await run({ command: 'list', 's3-url': `s3://${suite.bucket}/space/` });
    expect(result.code).toBe(0);
    expectNoInjectedCommand(result);
    // Shown escaped, each on the line of the file it belongs to.
    expect(result.stdout).toMatch(
      /x\\[rn]::warning title=INJECTED::from a key with CR\\[rn]: plain/,
    );
    expect(result.stdout).toMatch(
      /::warning::sha\.bin: its dg-file-sha256 metadata contains control characters/,
    );
    expect(result.stdout).toMatch(/::warning::ref\.bin: its dg-ref-key metadata contains/);
    expect(result.outputs.files).toBe('6');
    const listed = JSON.parse(result.outputs.results!) as { name: string; problem?: string }[];
    expect(listed.find((f) => f.name === 'sha.bin')).toMatchObject({
      problem: 'its dg-file-sha256 metadata contains control characters',
    });
    expect(listed.find((f) => f.name === 'sha.bin')).not.toHaveProperty('sha256');
    expect(result.summary).toContain('⚠️ sha.bin: its dg-file-sha256 metadata contains');
    expectIntactTable(result.summary, 5, 1 + 6 + 1);
    expect(result.stdout).toContain(
      '\\x3a:notice::INJECTED from a key that starts the line: plain',
    );
    expect(result.summary).toMatch(/z(\\[rn]){2}# INJECTED heading/);
  });

  it('verify: flagged objects fail without being read, and the log stays ours', async () => {
    const result = await run({ command: 'verify', 's3-url': `s3://${suite.bucket}/space/` });
    expect(result.code).toBe(1);
    expectNoInjectedCommand(result);
    expect(result.outputs.failed).toBe('5');
    expect(result.outputs.unchecked).toBe('1');
    expectIntactTable(result.summary, 4, 1 + 6);
  });

  it.each([
    ['sha.bin', 'dg-file-sha256'],
    ['ref.bin', 'dg-ref-key'],
  ])('download of %s is refused with one clear error', async (name, field) => {
    const dest = join(suite.job.dir, `dest-${name}`);
    await mkdir(dest, { recursive: true });
    const result = await run({
      command: 'download',
      path: dest,
      's3-url': `s3://${suite.bucket}/space/${name}`,
    });
    expect(result.code).toBe(1);
    expectNoInjectedCommand(result);
    const errors = lines(result.stdout).filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`has control characters (such as a line break) in its ${field}`);
    expect(await filesUnder(dest)).toEqual([]);
  });

  it('download of the whole space refuses it, quoting the names escaped', async () => {
    const dest = join(suite.job.dir, 'dest-all');
    await mkdir(dest, { recursive: true });
    const result = await run({
      command: 'download',
      path: dest,
      's3-url': `s3://${suite.bucket}/space/`,
    });
    expect(result.code).toBe(1);
    expectNoInjectedCommand(result);
    const errors = lines(result.stdout).filter((line) => line.startsWith('::error::'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /holds objects that cannot be restored as files: "s3:.*x\\[rn]::warning/,
    );
    expect(await filesUnder(dest)).toEqual([]);
  });
});
