// scripts/release.mjs in a throwaway git repository (the script, a package.json and a
// CHANGELOG of our own): what a dry run shows, what it refuses, and the local tagging.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = new URL('../../scripts/release.mjs', import.meta.url).pathname;

const UNRELEASED = `# Changelog

## [Unreleased]

<!-- lead: a note for the editor -->

### Fixed

- Downloads of a missing key say which key.

## [0.9.0] - 2026-01-01

### Added

- Old things.

[Unreleased]: https://example.invalid/compare/v0.9.0...HEAD
`;

let repo: string;

async function git(...args: string[]): Promise<string> {
  return (await run('git', args, { cwd: repo })).stdout.trim();
}

async function makeRepo(version: string, changelog: string): Promise<void> {
  repo = await mkdtemp(join(tmpdir(), 'dg-release-'));
  await mkdir(join(repo, 'scripts'));
  await copyFile(SCRIPT, join(repo, 'scripts/release.mjs'));
  const pkg = { name: 'x', version, private: true, scripts: { build: 'node -e 0' } };
  await writeFile(join(repo, 'package.json'), JSON.stringify(pkg));
  await writeFile(join(repo, 'CHANGELOG.md'), changelog);
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'release@example.invalid');
  await git('config', 'user.name', 'Release Test');
  await git('add', '.');
  await git('commit', '-q', '-m', 'init');
}

/** Runs the script; resolves with its exit code and output either way. */
async function release(...args: string[]) {
  try {
    const { stdout, stderr } = await run('node', ['scripts/release.mjs', ...args], { cwd: repo });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterEach(() => rm(repo, { recursive: true, force: true }));

test('a dry run shows the tag, the moved major tag and the notes, and changes nothing', async () => {
  await makeRepo('2.3.4', UNRELEASED);
  const head = await git('rev-parse', 'HEAD');
  const r = await release('--dry-run');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^tag: v2\.3\.4 /m);
  expect(r.stdout).toMatch(/^major tag: v2 moves to v2\.3\.4/m);
  expect(r.stdout).toContain('[Unreleased] becomes [2.3.4]');
  expect(r.stdout).toContain('- Downloads of a missing key say which key.');
  // Only this version's notes: not the older section, not the editor's comment.
  expect(r.stdout).not.toContain('Old things');
  expect(r.stdout).not.toContain('lead:');
  expect(await git('tag')).toBe('');
  expect(await git('status', '--porcelain')).toBe('');
  expect(await git('rev-parse', 'HEAD')).toBe(head);
});

test('refuses a version the CHANGELOG has no entries for', async () => {
  await makeRepo('2.3.4', '# Changelog\n\n## [Unreleased]\n\n### Added\n\n## [0.9.0]\n\n- Old.\n');
  const r = await release('--dry-run');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('CHANGELOG.md has no entries for 2.3.4');
  expect(r.stdout).not.toContain('tag:');
});

test('the workflow refuses a tag that is not package.json version, or a version without its own section', async () => {
  await makeRepo('2.3.4', UNRELEASED);
  const wrongTag = await release('--ci', '--tag', 'v2.3.5');
  expect(wrongTag.code).toBe(1);
  expect(wrongTag.stderr).toContain("the tag v2.3.5 is not package.json's version (v2.3.4)");
  // Unreleased is only for the local script, which renames it first.
  const noSection = await release('--ci', '--tag', 'v2.3.4');
  expect(noSection.code).toBe(1);
  expect(noSection.stderr).toContain('no entries for 2.3.4');
});

test('without --dry-run it turns Unreleased into the version, commits and tags; the workflow then finds the notes', async () => {
  await makeRepo('2.3.4', UNRELEASED);
  const r = await release();
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const changelog = await readFile(join(repo, 'CHANGELOG.md'), 'utf8');
  expect(changelog).toMatch(/## \[Unreleased\]\n\n## \[2\.3\.4\] - \d{4}-\d\d-\d\d\n/);
  expect(await git('status', '--porcelain')).toBe('');
  const head = await git('rev-parse', 'HEAD');
  expect(await git('rev-parse', 'v2.3.4^{commit}')).toBe(head);
  expect(await git('rev-parse', 'v2^{commit}')).toBe(head);

  const notesFile = join(repo, 'notes.md');
  const ci = await release('--ci', '--tag', 'v2.3.4', '--notes-out', notesFile);
  expect(ci.code).toBe(0);
  expect(await readFile(notesFile, 'utf8')).toBe(
    '### Fixed\n\n- Downloads of a missing key say which key.\n',
  );
  // A second local release of the same version is refused.
  const again = await release('--dry-run');
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('v2.3.4 exists');
});
