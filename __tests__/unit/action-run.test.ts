// The action's run() (src/action/main.ts) with @actions/core mocked and the app
// stubbed: which handler each command reaches, that every report is rendered the same
// way (outputs, job summary, PR comment for uploads), and that a failure ends as one
// setFailed. No S3 server and no xdelta3: the bundle's e2e tests cover those.
import { jest } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileResult, LogicalFile } from '../../src/core/models.js';
import type { StatsReport } from '../../src/core/stats.js';
import type { VerifyResult } from '../../src/core/verifier.js';

let inputs: Record<string, string> = {};
let outputs: Record<string, unknown> = {};
let failures: string[] = [];
let summaries: string[] = [];

/** @actions/core's summary, reduced to the text each write would add. */
function fakeSummary() {
  let buffer = '';
  const summary = {
    addHeading(text: string) {
      buffer += `<h3>${text}</h3>\n`;
      return summary;
    },
    addRaw(text: string) {
      buffer += `${text}\n`;
      return summary;
    },
    addTable(rows: (string | { data: string })[][]) {
      for (const row of rows) {
        buffer += `| ${row.map((c) => (typeof c === 'string' ? c : c.data)).join(' | ')} |\n`;
      }
      return summary;
    },
    async write() {
      summaries.push(buffer);
      buffer = '';
      return summary;
    },
  };
  return summary;
}

const realCore = await import('@actions/core');
const noop = () => undefined;
jest.unstable_mockModule('@actions/core', () => ({
  ...realCore,
  getInput: (name: string) => inputs[name] ?? '',
  getMultilineInput: (name: string) => (inputs[name] ?? '').split('\n').filter(Boolean),
  setOutput: (name: string, value: unknown) => {
    outputs[name] = value;
  },
  setFailed: (message: string) => {
    failures.push(message);
  },
  setSecret: noop,
  saveState: noop,
  addPath: noop,
  isDebug: () => false,
  debug: noop,
  info: noop,
  notice: noop,
  warning: noop,
  error: noop,
  startGroup: noop,
  endGroup: noop,
  summary: fakeSummary(),
}));

const realProvision = await import('../../src/adapters/xdelta3/provision/provision.js');
const provisionXdelta3 = jest.fn(async () => ({
  path: '/stub/bin/xdelta3',
  version: '3.0.11',
  source: 'input-path' as const,
}));
jest.unstable_mockModule('../../src/adapters/xdelta3/provision/provision.js', () => ({
  ...realProvision,
  provisionXdelta3,
}));

// The core's answers, per command; each test may replace them.
const uploaded: FileResult = {
  name: 'app.zip',
  key: 'rel/app/app.zip.delta',
  kind: 'delta',
  originalBytes: 4096,
  storedBytes: 100,
  sha256: 'ab'.repeat(32),
};
const listed: LogicalFile = { ...uploaded, kind: 'delta' };
const verified: VerifyResult = { ...listed, status: 'ok' };
const stats: StatsReport = {
  bucket: 'bkt',
  prefix: 'rel/',
  files: 1,
  originalBytes: 4096,
  storedBytes: 200,
  savedBytes: 3896,
  savingsPercent: 95.1,
  references: 1,
  deltas: 1,
  direct: 0,
  plain: 0,
  deltaSpaces: 1,
  spaces: [],
};
const service = {
  uploadAll: jest.fn(async (): Promise<FileResult[]> => [uploaded]),
  downloadAll: jest.fn(async (): Promise<FileResult[]> => [uploaded]),
  download: jest.fn(async (): Promise<FileResult> => uploaded),
  list: jest.fn(async (): Promise<LogicalFile[]> => [listed]),
  verify: jest.fn(async (): Promise<VerifyResult> => verified),
  verifyAll: jest.fn(async (): Promise<VerifyResult[]> => [verified]),
  stats: jest.fn(async (): Promise<StatsReport> => stats),
};
// The app's use cases, each answered by the mock above of the same name.
const core = {
  uploads: { uploadAll: service.uploadAll },
  downloads: { downloadAll: service.downloadAll, download: service.download },
  inspection: { list: service.list, stats: service.stats },
  verifier: { verify: service.verify, verifyAll: service.verifyAll },
};
const dispose = jest.fn(async () => undefined);
const realApp = await import('../../src/app/create-app.js');
const createApp = jest.fn(() => ({ core, scratchDir: '/stub/scratch', close: dispose }));
jest.unstable_mockModule('../../src/app/create-app.js', () => ({ ...realApp, createApp }));

const realComment = await import('../../src/action/pr-comment/index.js');
const publishSavingsComment = jest.fn(async () => ({ status: 'skipped' as const }));
jest.unstable_mockModule('../../src/action/pr-comment/index.js', () => ({
  ...realComment,
  publishSavingsComment,
}));

const { run } = await import('../../src/action/main.js');

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dg-action-run-'));
  await writeFile(join(work, 'app.zip'), 'bytes');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

beforeEach(() => {
  inputs = { 's3-url': 's3://bkt/rel/app/', cache: 'false', comment: 'never' };
  outputs = {};
  failures = [];
  summaries = [];
  jest.clearAllMocks();
});

/** The service methods that were called. */
function called(): string[] {
  return Object.entries(service)
    .filter(([, method]) => method.mock.calls.length > 0)
    .map(([name]) => name);
}

describe('run() dispatches each command to its handler and reports it the same way', () => {
  it.each([
    ['upload', 'uploadAll', true],
    ['download', 'downloadAll', true],
    ['list', 'list', false],
    ['verify', 'verifyAll', true],
  ])('%s calls %s, sets outputs and writes the summary', async (command, method, xdelta3) => {
    inputs.command = command;
    if (command === 'upload') inputs.path = join(work, 'app.zip');
    if (command === 'download') inputs.path = join(work, 'out');
    await run();
    expect(failures).toEqual([]);
    expect(called()).toEqual([method]);
    expect(provisionXdelta3).toHaveBeenCalledTimes(xdelta3 ? 1 : 0);
    expect(outputs['xdelta3-path']).toBe(xdelta3 ? '/stub/bin/xdelta3' : undefined);
    expect(outputs).toMatchObject({ files: 1, 'delta-space-url': 's3://bkt/rel/app/' });
    expect(JSON.parse(outputs.results as string)).toEqual([
      expect.objectContaining({ name: 'app.zip', url: 's3://bkt/rel/app/app.zip' }),
    ]);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toContain(`<h3>DeltaGlider ${command}</h3>`);
    expect(summaries[0]).toContain('DeltaSpace: <code>s3://bkt/rel/app/</code>');
    expect(summaries[0]).toContain('| app.zip | ');
    // Only uploads comment on the PR; upload and download report the reference cache.
    expect(publishSavingsComment).toHaveBeenCalledTimes(command === 'upload' ? 1 : 0);
    const transfer = command === 'upload' || command === 'download';
    expect(outputs['reference-cache-hits']).toBe(transfer ? 0 : undefined);
    expect(outputs['cache-hits']).toBe(transfer ? 0 : undefined);
    expect(dispose).toHaveBeenCalledTimes(1);
  });

  it('stats calls stats and sets its counts', async () => {
    inputs = { ...inputs, command: 'stats', 's3-url': 's3://bkt/rel/' };
    await run();
    expect(failures).toEqual([]);
    expect(called()).toEqual(['stats']);
    expect(provisionXdelta3).not.toHaveBeenCalled();
    expect(outputs).toMatchObject({ files: 1, 'delta-spaces': 1, references: 1, deltas: 1 });
    expect(summaries[0]).toContain('Location: <code>s3://bkt/rel/</code>');
    expect(summaries[0]).toContain('Objects: 1 references, 1 deltas, 0 direct, 0 plain');
  });

  it('writes no summary when the summary input is false', async () => {
    inputs = { ...inputs, command: 'list', summary: 'false' };
    await run();
    expect(outputs.files).toBe(1);
    expect(summaries).toEqual([]);
  });
});

describe('run() fails the step with one message', () => {
  it('when the core throws: no outputs, no summary, the app closed', async () => {
    inputs.command = 'list';
    service.list.mockRejectedValueOnce(new Error('the bucket went away'));
    await run();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('the bucket went away');
    expect(outputs).toEqual({});
    expect(summaries).toEqual([]);
    expect(dispose).toHaveBeenCalledTimes(1);
  });

  it('when verify finds a bad file: after its outputs and summary', async () => {
    inputs.command = 'verify';
    service.verifyAll.mockResolvedValueOnce([
      verified,
      { ...verified, name: 'bad.zip', status: 'failed', problem: 'sha256 mismatch' },
    ]);
    await run();
    expect(outputs).toMatchObject({ files: 2, verified: 1, failed: 1, unchecked: 0 });
    expect(summaries[0]).toContain('❌ sha256 mismatch');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('1 of 2 files in s3://bkt/rel/app/ failed verification');
  });

  it('on a bad input, before any engine exists', async () => {
    inputs.command = 'publish';
    await run();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('Unknown command "publish"');
    expect(createApp).not.toHaveBeenCalled();
    expect(outputs).toEqual({});
  });
});
