// Presigned URLs in the two renderings that show them: the PR comment links each file
// name, the job summary adds a Download column; both escape the URL as an attribute.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import type { FileResult } from '../../src/core/models.js';
import { renderSection } from '../../src/action/pr-comment/render.js';
import { writeJobSummary } from '../../src/action/summary.js';

const url = 'https://s3.example/b/.deltaglider/tmp/ab_app.zip?X-Amz-Expires=60&x="<y>';
const results: FileResult[] = [
  {
    name: 'app.zip',
    key: 'p/app.zip.delta',
    kind: 'delta',
    originalBytes: 2e6,
    storedBytes: 1e3,
    sha256: 'a'.repeat(64),
    url,
  },
  {
    name: 'notes.txt',
    key: 'p/notes.txt',
    kind: 'direct',
    originalBytes: 10,
    storedBytes: 10,
    sha256: 'b'.repeat(64),
  },
];
const escaped =
  'https://s3.example/b/.deltaglider/tmp/ab_app.zip?X-Amz-Expires=60&amp;x=&quot;&lt;y&gt;';

describe('PR comment', () => {
  it('links the name of a file that has a URL, and only that one', () => {
    const { content } = renderSection({ title: 'Upload', deltaSpace: 's3://b/p/', results });
    expect(content).toContain(`| <a href="${escaped}"><code>app.zip</code></a> |`);
    expect(content).toContain('| <code>notes.txt</code> |');
    expect(content).not.toContain('"<y>');
  });
});

describe('job summary', () => {
  // @actions/core keeps the first summary path it sees: one file, emptied before each test.
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dg-summary-'));
    process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary.md');
  });
  beforeEach(() => writeFile(process.env.GITHUB_STEP_SUMMARY!, ''));
  afterEach(() => void core.summary.emptyBuffer());
  afterAll(async () => {
    delete process.env.GITHUB_STEP_SUMMARY;
    await rm(dir, { recursive: true, force: true });
  });

  it('adds a Download column with links when files have URLs', async () => {
    await writeJobSummary({ title: 'Upload', location: 's3://b/p/', results });
    const html = await readFile(process.env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(html).toContain('<th>Download</th>');
    expect(html).toContain(`<td><a href="${escaped}">download</a></td>`);
    // notes.txt has none, nor has the totals row.
    expect(html.match(/<td>–<\/td><\/tr>/g)).toHaveLength(2);
  });

  it('has no Download column without URLs', async () => {
    await writeJobSummary({
      title: 'Upload',
      location: 's3://b/p/',
      results: results.map(({ url: _url, ...r }) => r),
    });
    expect(await readFile(process.env.GITHUB_STEP_SUMMARY!, 'utf8')).not.toContain('Download');
  });
});
