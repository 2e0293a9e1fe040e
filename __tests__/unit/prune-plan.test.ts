// What a prune removes, decided from one listing; and which DeltaSpaces each shard takes.
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration, planFiles, pruneRule } from '../../src/core/lifecycle/prune-plan.js';
import { selectSpaces } from '../../src/core/lifecycle/shard.js';
import type { Directory } from '../../src/core/tree.js';
import { MemoryStorage } from '../helpers/memory-storage.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-30T12:00:00Z');

function directory(objects: [string, number, number][]): Directory {
  return {
    prefix: 'rel',
    extraReferences: [],
    objects: objects.map(([name, size, daysAgo]) => ({
      key: `rel/${name}`,
      size,
      lastModified: new Date(NOW.getTime() - daysAgo * DAY),
    })),
  };
}

const names = (files: { name: string }[]) => files.map((f) => f.name);

describe('planFiles', () => {
  // Uploaded out of release order: 1.10.0 last modified before 1.9.0.
  const dir = directory([
    ['app-1.9.0-linux.zip.delta', 10, 5],
    ['app-1.10.0-linux.zip.delta', 20, 9],
    ['app-1.8.0-linux.zip.delta', 30, 40],
    ['app-1.8.0-linux.zip', 300, 41],
    ['app-1.10.0-mac.zip.delta', 40, 50],
    ['app-1.9.0-mac.zip.delta', 50, 60],
    ['NOTES.txt', 7, 100],
  ]);

  it('--keep-last keeps the newest N of each family by release order, both forms of a name together', () => {
    const plan = planFiles(dir, { kind: 'keep-last', count: 1 }, NOW);
    expect(names(plan.remove)).toEqual([
      'app-1.8.0-linux.zip',
      'app-1.9.0-linux.zip',
      'app-1.9.0-mac.zip',
    ]);
    expect(names(plan.keep)).toEqual(['NOTES.txt', 'app-1.10.0-linux.zip', 'app-1.10.0-mac.zip']);
    const old = plan.remove.find((f) => f.name === 'app-1.8.0-linux.zip')!;
    expect(old.objects.map((o) => o.key).sort()).toEqual([
      'rel/app-1.8.0-linux.zip',
      'rel/app-1.8.0-linux.zip.delta',
    ]);
    expect(old.storedBytes).toBe(330);
  });

  it('--older-than removes by LastModified but never the newest of a family', () => {
    const plan = planFiles(dir, { kind: 'older-than', seconds: 30 * 86_400 }, NOW);
    // mac 1.9.0 (60 days) goes; mac 1.10.0 (50 days) is its line's newest; NOTES.txt alone.
    expect(names(plan.remove)).toEqual(['app-1.8.0-linux.zip', 'app-1.9.0-mac.zip']);
    expect(names(planFiles(dir, { kind: 'older-than', seconds: 86_400 }, NOW).remove)).toEqual([
      'app-1.8.0-linux.zip',
      'app-1.9.0-linux.zip',
      'app-1.9.0-mac.zip',
    ]);
  });
});

describe('planFiles on real release names (issue #25 item 3)', () => {
  it('keeps the final release over its release candidate, with --keep-last and --older-than', () => {
    // The final was uploaded after the candidate, so both orders agree it is the newest.
    const dir = directory([
      ['mypkg-2.0.0rc1.tar.gz', 10, 40],
      ['mypkg-2.0.0.tar.gz', 10, 35],
    ]);
    expect(names(planFiles(dir, { kind: 'keep-last', count: 1 }, NOW).remove)).toEqual([
      'mypkg-2.0.0rc1.tar.gz',
    ]);
    expect(names(planFiles(dir, { kind: 'older-than', seconds: 86_400 }, NOW).remove)).toEqual([
      'mypkg-2.0.0rc1.tar.gz',
    ]);
  });

  it('does not read platform and runtime versions as release versions', () => {
    const dir = directory([
      ['tool-2.1.0-ubuntu-20.04-amd64.deb', 10, 3],
      ['tool-2.1.0-ubuntu-22.04-amd64.deb', 10, 3],
      ['tool-2.1.0-node-18.tgz', 10, 3],
      ['tool-2.1.0-node-20.tgz', 10, 3],
      ['tool-2.1.0-macos-13.zip', 10, 3],
      ['tool-2.1.0-macos-14.zip', 10, 3],
      ['tool-2.0.0-macos-14.zip', 10, 9],
    ]);
    expect(names(planFiles(dir, { kind: 'keep-last', count: 1 }, NOW).remove)).toEqual([
      'tool-2.0.0-macos-14.zip',
    ]);
  });
});

describe('planFiles where the names do not tell the order', () => {
  const dir = directory([
    ['app-0.9.zip', 10, 30],
    ['app-1.0.zip', 10, 20],
    ['app-1.0.0.zip', 10, 10],
    ['app-1.1.0-canary.1.zip', 10, 5],
    ['app-1.1.0-next.1.zip', 10, 4],
  ]);

  it('keeps a file it cannot order against a newer one, and says which and why', () => {
    const plan = planFiles(dir, { kind: 'keep-last', count: 1 }, NOW);
    // Both 1.1.0 pre-releases are surely newer than 1.0 and 1.0.0, but not than each other.
    expect(names(plan.remove)).toEqual(['app-0.9.zip', 'app-1.0.0.zip', 'app-1.0.zip']);
    expect(
      plan.uncertain.map((u) => [
        u.file.name,
        u.other,
        u.why.replace(/next and canary/, 'canary and next'),
      ]),
    ).toEqual([
      [
        'app-1.1.0-canary.1.zip',
        'app-1.1.0-next.1.zip',
        'the pre-release labels canary and next have no known order',
      ],
    ]);
    expect(names(plan.keep)).toEqual(['app-1.1.0-canary.1.zip', 'app-1.1.0-next.1.zip']);
  });

  it('counts only the surely newer: with --keep-last 3, 1.0 does not count against 1.0.0', () => {
    const plan = planFiles(dir, { kind: 'keep-last', count: 3 }, NOW);
    expect(names(plan.remove)).toEqual(['app-0.9.zip']);
    // 1.0.0 and 1.0 sort as they do, but which came first is a guess: 1.0.0 stays.
    expect(plan.uncertain.map((u) => [u.file.name, u.other])).toEqual([
      ['app-1.0.0.zip', 'app-1.0.zip'],
    ]);
    expect(plan.uncertain[0]!.why).toBe('they hold the same version');
    // --older-than takes nothing whose order against the newest is unknown.
    const aged = planFiles(dir, { kind: 'older-than', seconds: 86_400 }, NOW);
    expect(names(aged.remove)).toEqual(['app-0.9.zip', 'app-1.0.0.zip', 'app-1.0.zip']);
    expect(aged.uncertain.map((u) => u.file.name)).toEqual(['app-1.1.0-canary.1.zip']);
  });
});

describe('planFiles: the cost of ordering a family is bounded', () => {
  it('keeps, with the reason, what is still undecided when the comparisons run out', () => {
    const dir = directory(Array.from({ length: 100 }, (_, i) => [`app-1.0.${i}.zip`, 1, 1]));
    // 50 old files, each needs 50 surely newer ones: 2,500 comparisons; 1,000 allowed.
    const plan = planFiles(dir, { kind: 'keep-last', count: 50 }, NOW, 1000);
    const patch = (name: string) => Number(/1\.0\.(\d+)/.exec(name)![1]);
    expect(plan.remove.map((f) => patch(f.name)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(plan.uncertain).toHaveLength(30);
    expect(new Set(plan.uncertain.map((u) => u.why))).toEqual(
      new Set(['its family has too many names to compare them all (100)']),
    );
    expect(planFiles(dir, { kind: 'keep-last', count: 50 }, NOW).remove).toHaveLength(50);
  });
});

describe('pruneRule', () => {
  it('takes exactly one of keep-last and older-than, each well formed', () => {
    expect(pruneRule('3', undefined)).toEqual({ kind: 'keep-last', count: 3 });
    expect(pruneRule(undefined, '12h')).toEqual({ kind: 'older-than', seconds: 43_200 });
    expect(() => pruneRule('0', undefined)).toThrow(/--keep-last must be a whole number/);
    expect(() => pruneRule('1.5', undefined)).toThrow(/--keep-last must be a whole number/);
    expect(() => pruneRule('1', '2d')).toThrow(/not both/);
    expect(() => pruneRule(undefined, undefined, (s) => `input ${s}`)).toThrow(
      'prune needs input keep-last N or input older-than DURATION',
    );
    expect(() => pruneRule(undefined, '0d')).toThrow(/--older-than must be a duration/);
    expect(parseDuration('0s', '--reference-grace', 0)).toBe(0);
    expect(parseDuration('2w', 'x')).toBe(1_209_600);
  });
});

describe('selectSpaces with --shard I/N', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dg-shard-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('N jobs take every DeltaSpace exactly once, each whole', async () => {
    const storage = new MemoryStorage();
    const body = join(dir, 'body');
    await writeFile(body, 'x');
    const prefixes = Array.from({ length: 40 }, (_, i) => `rel/team-${i % 4}/app-${i}`);
    for (const prefix of prefixes) {
      for (const key of ['a.zip.delta', 'reference.bin', '.dg-refs/0123456789abcdef/reference.bin'])
        await storage.upload('b', `${prefix}/${key}`, body, {});
    }
    const roots = [{ bucket: 'b', prefix: 'rel' }];
    for (const count of [1, 2, 3, 7]) {
      const taken: string[] = [];
      for (let index = 1; index <= count; index++) {
        const spaces = await selectSpaces(storage, roots, {
          recursive: true,
          shard: { index, count },
        });
        for (const { space, directory } of spaces) {
          taken.push(space.prefix);
          // The whole space: its delta and both references.
          expect(directory.objects).toHaveLength(1);
          expect(directory.reference).toBeDefined();
          expect(directory.extraReferences).toHaveLength(1);
        }
      }
      expect(taken.sort()).toEqual([...prefixes].sort());
    }
  });
});
