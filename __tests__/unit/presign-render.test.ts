// Presigned links in the renderings that show them: the upload report gains the `urls`
// output and a Download column, the job summary writes those links as links, and the PR
// comment links each file name; every URL is escaped as an attribute. Also the job
// summary's row cap, which keeps the totals row.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandReport } from '../../src/action/report.js';
import { renderSection } from '../../src/action/pr-comment/render.js';
import { withDownloadLinks } from '../../src/action/presign.js';
import { MAX_SUMMARY_ROWS, writeJobSummary } from '../../src/action/summary.js';
import { fileRecord } from '../../src/core/report.js';

const space = { bucket: 'b', prefix: 'p' };
const url = 'https://s3.example/b/.deltaglider/tmp/ab_app.zip?X-Amz-Expires=60&x="<y>';
const escaped =
  'https://s3.example/b/.deltaglider/tmp/ab_app.zip?X-Amz-Expires=60&amp;x=&quot;&lt;y&gt;';
const records = [
  fileRecord(space, {
    name: 'app.zip',
    key: 'p/app.zip.delta',
    kind: 'delta',
    originalBytes: 2e6,
    storedBytes: 1e3,
    sha256: 'a'.repeat(64),
    downloadUrl: url,
  }),
  fileRecord(space, {
    name: 'notes.txt',
    key: 'p/notes.txt',
    kind: 'direct',
    originalBytes: 10,
    storedBytes: 10,
    sha256: 'b'.repeat(64),
  }),
];
const plain: CommandReport = {
  title: 'DeltaGlider upload',
  location: { label: 'DeltaSpace', url: 's3://b/p/' },
  outputs: { files: 2 },
  table: { headers: ['File'], rows: [['app.zip'], ['notes.txt']], total: ['Total (2 files)'] },
  notes: [],
};

it('the report gets the urls output and a Download column (a dash without a link)', () => {
  const report = withDownloadLinks(plain, records);
  expect(JSON.parse(String(report.outputs.urls))).toEqual({ 'app.zip': url });
  expect(report.outputs.files).toBe(2);
  expect(report.table.headers).toEqual(['File', 'Download']);
  expect(report.table.rows.map((row) => row[1])).toEqual([
    { html: `<a href="${escaped}">download</a>` },
    '–',
  ]);
  expect(report.table.total).toEqual(['Total (2 files)', '–']);
});

describe('job summary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dg-summary-'));
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary.md');
    await writeFile(process.env.GITHUB_STEP_SUMMARY, '');
  });
  afterAll(async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the links as links and every other cell escaped', async () => {
    const report = withDownloadLinks(plain, records);
    report.table.rows[1]![0] = '<b>notes</b>';
    await writeJobSummary(report);
    const html = await readFile(process.env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(html).toContain('<th>Download</th>');
    expect(html).toContain(`<td><a href="${escaped}">download</a></td>`);
    expect(html).toContain('<td>&#60;b&#62;notes&#60;/b&#62;</td>');
  });

  it(`shows at most ${MAX_SUMMARY_ROWS} rows, then the totals row and how many more there are`, async () => {
    await writeFile(process.env.GITHUB_STEP_SUMMARY!, '');
    const rows = Array.from({ length: MAX_SUMMARY_ROWS + 50 }, (_, i) => [`file-${i}.bin`]);
    await writeJobSummary({ ...plain, table: { ...plain.table, rows }, notes: ['a note'] });
    const html = await readFile(process.env.GITHUB_STEP_SUMMARY!, 'utf8');
    const cells = [...html.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells).toEqual([...rows.slice(0, MAX_SUMMARY_ROWS).map((r) => r[0]), 'Total (2 files)']);
    expect(html).toContain('50 more rows are in the step log and outputs');
    expect(html).toContain('a note');
  });
});

it('the PR comment links the name of a file that has a URL, and only that one', () => {
  const { content } = renderSection({ title: 'Upload', deltaSpace: 's3://b/p/', results: records });
  expect(content).toContain(`| <a href="${escaped}"><code>app.zip</code></a> |`);
  expect(content).toContain('| <code>notes.txt</code> |');
  expect(content).not.toContain('"<y>');
});
