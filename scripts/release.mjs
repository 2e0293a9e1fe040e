#!/usr/bin/env node
// Releases the action: tag vX.Y.Z (package.json's version), move the major tag vX that
// workflows use (`uses: deltaglider/action@v1`), notes from CHANGELOG.md's section for the
// version. The release workflow (.github/workflows/release.yml) runs it with --ci; run by
// hand it is the fallback that tags locally.
//
//   npm run release -- --dry-run            show tag, moved major tag and notes; change nothing
//   npm run release                         rename Unreleased to the version, commit, tag
//   node scripts/release.mjs --ci --tag vX.Y.Z --notes-out notes.md
//                                           the workflow: check only, write the notes
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    ci: { type: 'boolean', default: false },
    tag: { type: 'string' },
    'notes-out': { type: 'string' },
  },
});

function fail(message, fix) {
  process.stderr.write(`release: ${message}\n  fix: ${fix}\n`);
  process.exit(1);
}

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).trim();
const gitOk = (...args) => {
  try {
    git(...args);
    return true;
  } catch {
    return false;
  }
};

const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) {
  fail(`package.json's version "${version}" is not X.Y.Z`, 'set "version" in package.json');
}
const tag = `v${version}`;
const major = `v${version.split('.')[0]}`;
if (opts.tag !== undefined && opts.tag !== tag) {
  fail(
    `the tag ${opts.tag} is not package.json's version (${tag})`,
    `bump package.json (and src/core/version.ts) to ${opts.tag.replace(/^v/, '')}, or tag ${tag}`,
  );
}

// Keep a Changelog: `## [X.Y.Z] - YYYY-MM-DD` per release, `## [Unreleased]` on top for
// what is not released yet.
const changelog = readFileSync('CHANGELOG.md', 'utf8');
const headings = [...changelog.matchAll(/^## \[([^\]]+)\][^\n]*$/gm)];
function section(name) {
  const i = headings.findIndex((h) => h[1].toLowerCase() === name.toLowerCase());
  if (i < 0) return undefined;
  const start = headings[i].index + headings[i][0].length;
  const end = headings[i + 1]?.index ?? changelog.search(/^\[[^\]]+\]: /m);
  const body = changelog.slice(start, end < 0 || end < start ? undefined : end);
  // An HTML comment is a note to the editor, not release notes.
  return body.replace(/<!--[\s\S]*?-->/g, '').trim();
}
const hasEntries = (body) => body !== undefined && /^\s*[-*] \S/m.test(body);

let notes = section(version);
// Without a section of its own, the local script releases what Unreleased lists.
const fromUnreleased = notes === undefined && !opts.ci && hasEntries(section('Unreleased'));
if (fromUnreleased) notes = section('Unreleased');
if (!hasEntries(notes)) {
  fail(
    `CHANGELOG.md has no entries for ${version}` +
      (opts.ci ? ' (a `## [' + version + '] - <date>` section)' : ' and none under Unreleased'),
    opts.ci
      ? `run \`npm run release\` locally (it turns Unreleased into ${version}), or add the section, and tag that commit`
      : 'list the changes under `## [Unreleased]` in CHANGELOG.md',
  );
}

if (gitOk('rev-parse', '-q', '--verify', `refs/tags/${tag}`) && !opts.ci) {
  fail(`${tag} exists`, `bump package.json's version, or delete the tag if it was never pushed`);
}

const today = new Date().toISOString().slice(0, 10);
const head = git('rev-parse', '--short', 'HEAD');
const out = (line) => process.stdout.write(`${line}\n`);
out(`tag: ${tag}${opts.ci ? '' : ` (on ${fromUnreleased ? 'a new commit after ' : ''}${head})`}`);
out(`major tag: ${major} moves to ${tag} (force-updated)`);
if (fromUnreleased) out(`CHANGELOG.md: [Unreleased] becomes [${version}] - ${today}`);
out(`notes:\n${notes}`);
if (opts['notes-out']) writeFileSync(opts['notes-out'], `${notes}\n`);
if (opts['dry-run']) {
  out('dry run: nothing changed');
  process.exit(0);
}
if (opts.ci) process.exit(0); // the workflow tags and publishes with its own token

if (git('status', '--porcelain') !== '') {
  fail('the work tree is not clean', 'commit or remove the changes first');
}
execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (!gitOk('diff', '--quiet', '--', 'dist')) {
  fail('dist/ is stale', 'run `npm run build` and commit dist/');
}
if (fromUnreleased) {
  const renamed = changelog.replace(
    /^## \[Unreleased\][^\n]*$/im,
    `## [Unreleased]\n\n## [${version}] - ${today}`,
  );
  writeFileSync('CHANGELOG.md', renamed);
  git(
    'commit',
    '-q',
    '-m',
    `Release ${tag}: CHANGELOG's Unreleased section becomes ${version}`,
    '--',
    'CHANGELOG.md',
  );
}
git('tag', '-a', tag, '-m', `deltaglider/action ${tag}\n\n${notes}`);
git('tag', '-fa', major, '-m', `deltaglider/action ${tag}`);
out(
  `Tagged ${tag} and moved ${major}. Push with: git push origin HEAD ${tag} && git push -f origin ${major}`,
);
