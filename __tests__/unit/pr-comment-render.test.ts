import type { FileResult, StoredKind } from '../../src/core/models.js';
import { formatBytes } from '../../src/core/format.js';
import {
  composeBody,
  DETAILS_THRESHOLD,
  MAX_COMMENT_CHARS,
  renderSection,
  type SectionInput,
} from '../../src/action/pr-comment/render.js';
import {
  commentMarker,
  encodeMarkerValue,
  isOwnedBody,
  parseSections,
} from '../../src/action/pr-comment/sections.js';
import { parseCommentMode, resolveCommentTarget } from '../../src/action/pr-comment/target.js';

function file(
  name: string,
  originalBytes: number,
  storedBytes: number,
  kind: StoredKind = 'delta',
): FileResult {
  return {
    name,
    key: `releases/${name}`,
    kind,
    originalBytes,
    storedBytes,
    sha256: 'ab'.repeat(32),
  };
}

function input(results: FileResult[], extra: Partial<SectionInput> = {}): SectionInput {
  return { title: 'DeltaGlider upload', deltaSpace: 's3://bucket/releases/', results, ...extra };
}

/** Table rows of a rendered section (header, alignment, files, totals). */
function tableRows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('| '));
}

/** Cells of a row, split as GFM does: on pipes that no backslash escapes. */
function cells(row: string): string[] {
  return row
    .slice(2, -2)
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

/** Reverses the escaping as a Markdown renderer would: backslash escapes, then entities. */
function displayedText(cell: string): string {
  const inner = cell.replace(/^<code>/, '').replace(/<\/code>$/, '');
  return inner.replace(/\\([!-/:-@[-`{-~])|&(lt|gt|amp);/g, (_, escaped: string, entity: string) =>
    escaped !== undefined
      ? escaped
      : ({ lt: '<', gt: '>', amp: '&' } as Record<string, string>)[entity]!,
  );
}

const NASTY_NAMES = [
  'pipe|in|name.bin',
  'back`tick`s.tgz',
  'ends-comment-->.zip',
  '<!-- /deltaglider:section id=build%2Fstep -->',
  '<!-- deltaglider:comment key=deltaglider -->',
  'new\nline.bin',
  '@octocat mention #12.bin',
  '$math$ *bold* _it_ [link](http://x) ~~del~~.bin',
  'back\\slash\\|pipe.bin',
  '<img src=x onerror=alert(1)>.bin',
  'amp&lt;entity.bin',
];

describe('renderSection', () => {
  it('lists every file with its kind, sizes and savings, and a totals row', () => {
    const results = [
      file('app-1.1.zip', 2_000_000, 20_000),
      file('app-1.0.zip', 1_900_000, 1_900_000, 'reference'),
      file('notes.txt', 500, 500, 'direct'),
    ];
    const { content, shownFiles, totalFiles } = renderSection(input(results));
    expect([shownFiles, totalFiles]).toEqual([3, 3]);

    const rows = tableRows(content);
    // header + alignment + 3 files + totals
    expect(rows).toHaveLength(6);
    const fileRows = rows.slice(2, 5).map(cells);
    expect(fileRows.map((c) => displayedText(c[0]!))).toEqual(results.map((r) => r.name));
    expect(fileRows.map((c) => c[1])).toEqual(['delta', 'reference', 'direct']);
    expect(fileRows[0]![2]).toBe(formatBytes(2_000_000));
    expect(fileRows[0]![3]).toBe(formatBytes(20_000));
    expect(fileRows[0]![4]).toBe('99.0%');
    expect(fileRows[1]![4]).toBe('0.0%');

    const totals = cells(rows[5]!);
    expect(totals[0]).toContain('3 files');
    expect(totals[2]).toContain(formatBytes(2_000_000 + 1_900_000 + 500));
    expect(totals[3]).toContain(formatBytes(20_000 + 1_900_000 + 500));
    // (3,900,500 - 1,920,500) / 3,900,500 = 50.76...%
    expect(totals[4]).toContain('50.8%');
    expect(content).toContain('s3://bucket/releases/');
    expect(content).not.toContain('<details>');
  });

  it(`folds the table into <details> above ${DETAILS_THRESHOLD} files, with totals outside it`, () => {
    const few = Array.from({ length: DETAILS_THRESHOLD }, (_, i) => file(`f${i}.bin`, 1000, 10));
    const many = [...few, file('one-more.bin', 1000, 10)];
    expect(renderSection(input(few)).content).not.toContain('<details>');

    const { content } = renderSection(input(many));
    const open = content.indexOf('<details>');
    const close = content.indexOf('</details>');
    expect(open).toBeGreaterThan(0);
    expect(close).toBeGreaterThan(open);
    const table = content.indexOf('| File |');
    expect(table).toBeGreaterThan(open);
    expect(table).toBeLessThan(close);
    // The headline with the totals stays visible above the fold.
    const headline = content.slice(0, open);
    expect(headline).toContain(`${many.length} files`);
    expect(headline).toContain('99.0% saved');
  });

  it('keeps every file name inside its cell and shows it as written', () => {
    const results = NASTY_NAMES.map((name) => file(name, 1024, 512));
    const { content } = renderSection(
      input(results, { title: 'Title | with -->', deltaSpace: 's3://b/<!-- x -->/' }),
    );
    const rows = tableRows(content);
    expect(rows).toHaveLength(NASTY_NAMES.length + 3);
    for (const row of rows) expect(cells(row)).toHaveLength(5);
    const shown = rows.slice(2, -1).map((row) => displayedText(cells(row)[0]!));
    // Line breaks cannot live in a table cell: they become spaces; the rest is verbatim.
    expect(shown).toEqual(NASTY_NAMES.map((name) => name.replace(/\n/g, ' ')));
    // Nothing a user wrote can open or close an HTML comment or a tag.
    expect(content).not.toMatch(/<!--|-->|<img/);
  });

  it('shows a note instead of a table when there are no files', () => {
    const { content } = renderSection(input([]));
    expect(tableRows(content)).toHaveLength(0);
    expect(content).toContain('No files');
  });

  it('links the workflow run when given one', () => {
    const url = 'https://github.example/o/r/actions/runs/42';
    expect(renderSection(input([file('a.bin', 10, 1)], { runUrl: url })).content).toContain(
      `href="${url}"`,
    );
  });
});

describe('composeBody', () => {
  const first = input([file('app-1.1.zip', 2_000_000, 20_000)], { title: 'Linux' });
  const second = input([file('app-1.1.exe', 3_000_000, 90_000)], { title: 'Windows' });

  it('starts a new body with the comment marker and the step section', () => {
    const { body } = composeBody(undefined, 'deltaglider', 'build/upload', first);
    expect(body.startsWith(commentMarker('deltaglider'))).toBe(true);
    expect(isOwnedBody(body, 'deltaglider')).toBe(true);
    expect(isOwnedBody(body, 'other-key')).toBe(false);
    const sections = parseSections(body);
    expect(sections.map((s) => s.id)).toEqual([encodeMarkerValue('build/upload')]);
    expect(sections[0]!.content).toBe(renderSection(first).content);
  });

  it('adds a second step after the first and keeps the first untouched', () => {
    const one = composeBody(undefined, 'k', 'linux/upload', first).body;
    const two = composeBody(one, 'k', 'windows/upload', second).body;
    const sections = parseSections(two);
    expect(sections.map((s) => s.id)).toEqual(['linux%2Fupload', 'windows%2Fupload']);
    expect(sections[0]!.content).toBe(parseSections(one)[0]!.content);
    expect(sections[1]!.content).toContain('app-1.1.exe');
  });

  it('replaces a re-run step in place, keeping the order of the others', () => {
    let body = composeBody(undefined, 'k', 'a', first).body;
    body = composeBody(body, 'k', 'b', second).body;
    const rerun = input([file('app-1.2.zip', 2_100_000, 15_000)], { title: 'Linux again' });
    const after = composeBody(body, 'k', 'a', rerun).body;

    const sections = parseSections(after);
    expect(sections.map((s) => s.id)).toEqual(['a', 'b']);
    expect(sections[0]!.content).toContain('app-1.2.zip');
    expect(sections[0]!.content).not.toContain('app-1.1.zip');
    expect(sections[1]!.content).toBe(parseSections(body)[1]!.content);
  });

  it('reads a body whose line endings were turned into CRLF', () => {
    const body = composeBody(undefined, 'k', 'a', first).body.replace(/\n/g, '\r\n');
    expect(isOwnedBody(body, 'k')).toBe(true);
    const merged = composeBody(body, 'k', 'b', second).body;
    expect(parseSections(merged).map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('is not fooled by markers in file names', () => {
    const tricky = input(NASTY_NAMES.map((name) => file(name, 100, 10)));
    let body = composeBody(undefined, 'deltaglider', 'build/step', tricky).body;
    body = composeBody(body, 'deltaglider', 'other', first).body;
    const sections = parseSections(body);
    expect(sections.map((s) => s.id)).toEqual(['build%2Fstep', 'other']);
    expect(tableRows(sections[0]!.content)).toHaveLength(NASTY_NAMES.length + 3);
  });

  it('cuts a huge table to fit the limit, keeping totals for every file', () => {
    const results = Array.from({ length: 5_000 }, (_, i) =>
      file(`release-artifact-with-a-long-name-${i}.tar`, 10_000_000 + i, 50_000),
    );
    const composed = composeBody(undefined, 'k', 'a', input(results));
    expect(composed.body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(composed.totalFiles).toBe(5_000);
    expect(composed.shownFiles).toBeGreaterThan(100);
    expect(composed.shownFiles).toBeLessThan(5_000);

    const content = parseSections(composed.body)[0]!.content;
    const rows = tableRows(content);
    expect(rows).toHaveLength(composed.shownFiles + 3);
    expect(content).toContain(
      `Showing ${composed.shownFiles.toLocaleString('en-US')} of 5,000 files`,
    );
    const total = results.reduce((sum, r) => sum + r.originalBytes, 0);
    expect(cells(rows.at(-1)!)[2]).toContain(formatBytes(total));
    // It fills the room: one more row (~90 characters) would not have fitted.
    expect(composed.body.length).toBeGreaterThan(MAX_COMMENT_CHARS - 200);
  });

  it('gives way to other sections first, then drops the oldest when they leave no room', () => {
    const big = (n: number, tag: string): SectionInput =>
      input(
        Array.from({ length: n }, (_, i) => file(`${tag}-${i}-${'x'.repeat(60)}.bin`, 5000, 50)),
      );
    // About 120 characters a row: the first two take some 37,000 of the 65,536.
    let body = composeBody(undefined, 'k', 'old', big(150, 'old')).body;
    body = composeBody(body, 'k', 'mid', big(150, 'mid')).body;
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    const before = parseSections(body);

    // A third large step shrinks its own table to the room that is left.
    const third = composeBody(body, 'k', 'new', big(300, 'new'));
    expect(third.body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(third.droppedSections).toBe(0);
    const after = parseSections(third.body);
    expect(after.map((s) => s.id)).toEqual(['old', 'mid', 'new']);
    expect(after[0]!.content).toBe(before[0]!.content);
    expect(after[1]!.content).toBe(before[1]!.content);
    expect(third.shownFiles).toBeLessThan(300);
    expect(third.shownFiles).toBeGreaterThan(100);

    // Sections that fill the body entirely: the oldest goes, the new one fits.
    const filler = composeBody(undefined, 'k', 'huge', big(5_000, 'huge')).body;
    const squeezed = composeBody(filler, 'k', 'late', input([file('small.bin', 100, 1)]));
    expect(squeezed.body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(squeezed.droppedSections).toBe(1);
    expect(parseSections(squeezed.body).map((s) => s.id)).toEqual(['late']);
    expect(squeezed.shownFiles).toBe(1);
  });

  it('stays under the limit whatever the title, prefix and key', () => {
    const composed = composeBody(
      undefined,
      'k'.repeat(10_000),
      's'.repeat(10_000),
      input(
        Array.from({ length: 3_000 }, (_, i) => file(`${'&'.repeat(200)}${i}`, 1, 1)),
        { title: '&'.repeat(100_000), deltaSpace: `s3://b/${'<'.repeat(100_000)}` },
      ),
    );
    expect(composed.body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(parseSections(composed.body)).toHaveLength(1);
  });
});

describe('resolveCommentTarget', () => {
  const pr = { pull_request: { number: 7 } };

  it('comments on pull_request and pull_request_target in auto mode', () => {
    for (const eventName of ['pull_request', 'pull_request_target']) {
      expect(resolveCommentTarget('auto', { eventName, payload: pr })).toEqual({
        comment: true,
        pullNumber: 7,
      });
    }
  });

  it('stays quiet on other events in auto mode, and never comments in never mode', () => {
    const push = resolveCommentTarget('auto', { eventName: 'push', payload: {} });
    expect(push).toMatchObject({ comment: false, notable: false });
    const never = resolveCommentTarget('never', { eventName: 'pull_request', payload: pr });
    expect(never).toMatchObject({ comment: false, notable: false });
  });

  it('in always mode comments on any event that names a PR and says why it cannot otherwise', () => {
    expect(
      resolveCommentTarget('always', { eventName: 'pull_request_review', payload: pr }),
    ).toEqual({ comment: true, pullNumber: 7 });
    expect(
      resolveCommentTarget('always', {
        eventName: 'issue_comment',
        payload: { issue: { number: 9, pull_request: {} } },
      }),
    ).toEqual({ comment: true, pullNumber: 9 });
    const push = resolveCommentTarget('always', { eventName: 'push', payload: {} });
    expect(push).toMatchObject({ comment: false, notable: true });
    expect(push.comment === false && push.reason).toMatch(/no pull request/);
    // A plain issue is not a pull request.
    expect(
      resolveCommentTarget('always', { eventName: 'issues', payload: { issue: { number: 3 } } }),
    ).toMatchObject({ comment: false });
  });
});

describe('parseCommentMode', () => {
  it('accepts the three modes, defaults to auto and rejects anything else', () => {
    expect(parseCommentMode('')).toBe('auto');
    expect(parseCommentMode(' Always ')).toBe('always');
    expect(parseCommentMode('never')).toBe('never');
    expect(() => parseCommentMode('yes')).toThrow(/auto, always, never; got 'yes'/);
  });
});
