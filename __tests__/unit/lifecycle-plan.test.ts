// The pure parts of sync and migrate: filters, the copy/delete plan, release order.
import { compileFilters, globRegex } from '../../src/core/lifecycle/sync-filter.js';
import { planSync, type SyncEntry } from '../../src/core/lifecycle/sync-plan.js';
import { compareReleases, compareVersionNames } from '../../src/core/lifecycle/release-order.js';
import { orderedFilters } from '../../src/cli/sync.js';
import { inShard, parseShard } from '../../src/core/lifecycle/shard.js';

describe('sync filters', () => {
  it('reads globs as fnmatch does: * crosses "/", ? is one character, classes and negation', () => {
    expect(globRegex('*.zip').test('lib/a.zip')).toBe(true);
    expect(globRegex('a?.zip').test('ab.zip')).toBe(true);
    expect(globRegex('a?.zip').test('a/.zip')).toBe(true);
    expect(globRegex('a?.zip').test('abc.zip')).toBe(false);
    expect(globRegex('[!a]*').test('b.txt')).toBe(true);
    expect(globRegex('[!a]*').test('a.txt')).toBe(false);
    expect(globRegex('v[12].bin').test('v2.bin')).toBe(true);
    expect(globRegex('a.b(c)+').test('a.b(c)+')).toBe(true);
    expect(globRegex('a.b').test('axb')).toBe(false);
  });

  it('includes everything at first; the last matching filter decides', () => {
    const keep = compileFilters([
      { kind: 'exclude', pattern: '*' },
      { kind: 'include', pattern: '*.zip' },
      { kind: 'exclude', pattern: 'old/*' },
    ]);
    expect(['a.zip', 'a.txt', 'old/b.zip', 'new/c.zip'].filter(keep)).toEqual([
      'a.zip',
      'new/c.zip',
    ]);
    expect(compileFilters([])('anything')).toBe(true);
  });

  it('keeps the command-line order of --exclude and --include, in both spellings', () => {
    expect(
      orderedFilters([
        '--include',
        'a',
        'd/',
        '--exclude=b',
        '-v',
        '--include=c',
        '--',
        '--exclude',
        'x',
      ]),
    ).toEqual([
      { kind: 'include', pattern: 'a' },
      { kind: 'exclude', pattern: 'b' },
      { kind: 'include', pattern: 'c' },
    ]);
  });
});

describe('planSync', () => {
  const hashed: string[] = [];
  const local = (path: string, size: number, sha: string): SyncEntry => ({
    path,
    size,
    hash: async () => {
      hashed.push(path);
      return sha;
    },
  });
  const options = { delete: false, filter: () => true, concurrency: 2 };

  beforeEach(() => void (hashed.length = 0));

  it('copies what is missing or differs, hashing only where a recorded sha256 must be matched', async () => {
    const plan = await planSync(
      [
        local('new', 1, 'n'),
        local('same', 2, 's'),
        local('edited', 2, 'e2'),
        local('grown', 3, 'g'),
        local('plain', 4, 'p'),
      ],
      [
        { path: 'same', size: 2, sha256: 's' },
        { path: 'edited', size: 2, sha256: 'e1' },
        { path: 'grown', size: 2, sha256: 'g' },
        // A plain S3 object records no sha256: the size decides.
        { path: 'plain', size: 4 },
        { path: 'gone', size: 9, sha256: 'x' },
      ],
      options,
    );
    expect(plan.copy.map((c) => [c.entry.path, c.reason])).toEqual([
      ['edited', 'sha256 differs'],
      ['grown', 'size differs'],
      ['new', 'missing'],
    ]);
    expect(plan.unchanged).toBe(2);
    expect(plan.delete).toEqual([]);
    expect(hashed.sort()).toEqual(['edited', 'same']);
  });

  it('deletes only with delete, and never a filtered-out path on either side', async () => {
    const filter = compileFilters([{ kind: 'exclude', pattern: 'keep/*' }]);
    const plan = await planSync(
      [local('a', 1, 'a'), local('keep/new', 1, 'k')],
      [
        { path: 'a', size: 1, sha256: 'a' },
        { path: 'gone', size: 1 },
        { path: 'keep/old', size: 1 },
      ],
      { ...options, delete: true, filter },
    );
    expect(plan.copy).toEqual([]);
    expect(plan.delete.map((e) => e.path)).toEqual(['gone']);
  });
});

describe('release order', () => {
  it('orders by version numbers in names, then LastModified, then key', () => {
    const names = [
      'app-1.10.0.zip',
      'app-1.9.0.zip',
      'app-1.9.0-rc1.zip',
      'app-01.2.zip',
      'app-2.zip',
    ];
    expect([...names].sort(compareVersionNames)).toEqual([
      'app-01.2.zip',
      'app-1.9.0-rc1.zip',
      'app-1.9.0.zip',
      'app-1.10.0.zip',
      'app-2.zip',
    ]);
    expect(
      compareVersionNames('build-99999999999999999999', 'build-100000000000000000000'),
    ).toBeLessThan(0);
    const at = (key: string, t: number) => ({
      name: 'nightly.zip',
      key,
      lastModified: new Date(t),
    });
    const objects = [at('c/nightly.zip', 3), at('a/nightly.zip', 5), at('b/nightly.zip', 3)];
    expect(objects.sort(compareReleases).map((o) => o.key)).toEqual([
      'b/nightly.zip',
      'c/nightly.zip',
      'a/nightly.zip',
    ]);
  });
});

describe('--shard I/N', () => {
  it('puts every DeltaSpace in exactly one of N shards, spread over all of them', () => {
    const spaces = Array.from({ length: 200 }, (_, i) => ({ bucket: 'b', prefix: `rel/app-${i}` }));
    const shards = [1, 2, 3, 4].map((index) => ({ index, count: 4 }));
    const owners = spaces.map((space) => shards.filter((shard) => inShard(space, shard)).length);
    expect(new Set(owners)).toEqual(new Set([1]));
    for (const shard of shards) {
      expect(spaces.filter((space) => inShard(space, shard)).length).toBeGreaterThan(20);
    }
  });

  it('refuses what is not I/N with 1 <= I <= N', () => {
    expect(parseShard(' 2/3 ')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '1/2/3', '-1/2']) {
      expect(() => parseShard(bad)).toThrow(/--shard must be I\/N/);
    }
  });
});
