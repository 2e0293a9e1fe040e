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
