import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { FileSketcher } from '../../src/adapters/content-sketcher.js';
import { extraReferenceKey } from '../../src/core/delta-space.js';
import { familyOf } from '../../src/core/references/family.js';
import {
  decodeSketch,
  encodeSketch,
  similarity,
  SketchBuilder,
  SKETCH_SIZE,
} from '../../src/core/references/sketch.js';
import {
  DEFAULT_REFERENCE_POLICY,
  newReferenceAbove,
  rankCandidates,
  type ReferencePolicy,
} from '../../src/core/references/choose.js';
import type { ReferenceInfo } from '../../src/core/references/catalog.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';

// Smart references (docs/format.md, "Several references") on real xdelta3 over an
// in-memory bucket.

const BUCKET = 'bucket';
const space = { bucket: BUCKET, prefix: 'releases/app' };
const MB = 1024 * 1024;
const SMART: ReferencePolicy = DEFAULT_REFERENCE_POLICY;

let storage: MemoryStorage;
let fixtures: ServiceFixture[] = [];

async function service(references: ReferencePolicy = SMART, maxRatio = 0.5) {
  const fx = await serviceOver(storage, { references, maxRatio });
  fixtures.push(fx);
  return fx;
}

beforeEach(() => {
  storage = new MemoryStorage();
  fixtures = [];
});
afterEach(async () => {
  for (const fx of fixtures) await fx.cleanup();
});

/**
 * A release train: per platform (seed) one artifact line whose versions drift
 * (each the next version of the one before), named `app-<v>-<platform>.bin`.
 */
async function train(dir: string, platforms: Record<string, number>, versions: number) {
  const files: Record<string, string[]> = {};
  for (const [platform, seed] of Object.entries(platforms)) {
    files[platform] = [];
    for (let v = 1; v <= versions; v++) {
      const folder = join(dir, `v${v}`);
      await mkdir(folder, { recursive: true });
      const path = join(folder, `app-1.${v}.0-${platform}.bin`);
      if (v === 1) await writeArtifact(path, 2 * MB, seed);
      else await writeNextVersion(files[platform][v - 2]!, path, { seed: seed * 100 + v });
      files[platform].push(path);
    }
  }
  return files;
}

function keys(prefix = ''): string[] {
  return [...storage.objects.keys()]
    .filter((k) => k.startsWith(`${BUCKET}/${prefix}`))
    .map((k) => k.slice(BUCKET.length + 1))
    .sort();
}

describe('familyOf', () => {
  it.each([
    ['app-1.4.2-linux-x64.tar.gz', 'app-1.5.0-linux-x64.tar.gz'],
    ['app-v2.0.0-rc.1-win32-x64.zip', 'app-v2.1.0-win32-x64.zip'],
    ['build-1234-abc1234f.bin', 'build-1240-0fe9a31c.bin'],
  ])('puts %s and %s in one family', (a, b) => {
    expect(familyOf(a)).toBe(familyOf(b));
  });

  it.each([
    ['app-1.4.2-linux-x64.tar.gz', 'app-1.4.2-darwin-arm64.tar.gz'],
    ['app-1.4.2-linux-x64.tar.gz', 'app-1.4.2-linux-arm64.tar.gz'],
    ['app-1.4.2-win32-x64.zip', 'app-1.4.2-win64-x64.zip'],
  ])('keeps %s and %s apart', (a, b) => {
    expect(familyOf(a)).not.toBe(familyOf(b));
  });
});

describe('content sketch', () => {
  it('scores a next version above an unrelated file, and survives its metadata encoding', async () => {
    const fx = await service();
    const [v1, v2, other] = ['v1.bin', 'v2.bin', 'other.bin'].map((n) => join(fx.dir, n));
    await writeArtifact(v1!, 4 * MB, 3);
    await writeNextVersion(v1!, v2!, { seed: 4 });
    await writeArtifact(other!, 4 * MB, 5);
    const sketcher = new FileSketcher();
    const [a, b, c] = await Promise.all([v1!, v2!, other!].map((p) => sketcher.sketchFile(p)));
    expect(a).toHaveLength(SKETCH_SIZE);
    expect(similarity(a!, b!)).toBeGreaterThan(0.5);
    expect(similarity(a!, c!)).toBeLessThan(0.05);
    expect(decodeSketch(encodeSketch(a!))).toEqual(a);
    expect(encodeSketch(a!).length).toBeLessThan(400);
    expect(decodeSketch('not base64!')).toBeUndefined();
    expect(decodeSketch('A'.repeat(10_000))).toBeUndefined();
  });

  it('keeps the smallest fingerprints, sorted and distinct, however the bytes arrive', () => {
    const bytes = new Uint8Array(512 * 1024);
    let x = 7;
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
    const whole = new SketchBuilder();
    whole.update(bytes);
    const pieces = new SketchBuilder();
    for (let at = 0; at < bytes.length; at += 977) pieces.update(bytes.subarray(at, at + 977));
    // Twice the content: no new chunk content beyond the seam, so nearly the same sketch.
    const twice = new SketchBuilder();
    twice.update(bytes);
    twice.update(bytes);
    const sketch = whole.finish();
    expect(sketch).toHaveLength(SKETCH_SIZE);
    expect([...sketch].sort((a, b) => a - b)).toEqual(sketch);
    expect(new Set(sketch).size).toBe(SKETCH_SIZE);
    expect(pieces.finish()).toEqual(sketch);
    expect(similarity(twice.finish(), sketch)).toBeGreaterThan(0.9);
  });
});

describe('smart references', () => {
  it('gives each artifact line its own reference under .dg-refs/, readable by name', async () => {
    const fx = await service();
    const files = await train(fx.dir, { linux: 11, darwin: 22 }, 2);
    const results = [];
    for (let v = 0; v < 2; v++)
      for (const platform of ['linux', 'darwin'])
        results.push(await fx.service.uploads.upload(files[platform]![v]!, space));
    expect(results.map((r) => r.kind)).toEqual(['reference', 'reference', 'delta', 'delta']);

    const darwin1 = files.darwin![0]!;
    const darwinSha = results[1]!.sha256;
    const extraKey = extraReferenceKey(space, darwinSha);
    expect(extraKey).toMatch(/^releases\/app\/\.dg-refs\/[0-9a-f]{16}\/reference\.bin$/);
    expect(keys('releases/app/')).toEqual(
      [
        'releases/app/reference.bin',
        extraKey,
        'releases/app/app-1.1.0-linux.bin.delta',
        'releases/app/app-1.1.0-darwin.bin.delta',
        'releases/app/app-1.2.0-linux.bin.delta',
        'releases/app/app-1.2.0-darwin.bin.delta',
      ].sort(),
    );
    expect(storage.objects.get(`${BUCKET}/${extraKey}`)!.body.equals(await readFile(darwin1))).toBe(
      true,
    );
    const refOf = (name: string) =>
      storage.objects.get(`${BUCKET}/releases/app/${name}.delta`)!.metadata['dg-ref-key'];
    expect(refOf('app-1.1.0-darwin.bin')).toBe(extraKey);
    expect(refOf('app-1.2.0-darwin.bin')).toBe(extraKey);
    expect(refOf('app-1.2.0-linux.bin')).toBe('releases/app/reference.bin');
    // Each delta is small: against its own line's reference, not the other platform's.
    expect(results[3]!.storedBytes).toBeLessThan(0.2 * MB);
    expect(storage.objects.get(`${BUCKET}/${extraKey}`)!.metadata['dg-ref-sketch']).toBeDefined();

    // Listing hides the references folder; stats counts two references in one space.
    const listed = await fx.service.inspection.list(space);
    expect(listed.map((f) => f.name).sort()).toEqual(
      [
        'app-1.1.0-darwin.bin',
        'app-1.1.0-linux.bin',
        'app-1.2.0-darwin.bin',
        'app-1.2.0-linux.bin',
      ].sort(),
    );
    const stats = await fx.service.inspection.stats(BUCKET, '');
    expect(stats.deltaSpaces).toBe(1);
    expect(stats.spaces[0]).toMatchObject({ prefix: 'releases/app', references: 2, files: 4 });

    // A fresh runner downloads each file byte-exact, fetching only the reference it needs.
    const fresh = await service();
    const out = join(fresh.dir, 'out');
    const referenceGets = () =>
      storage.calls.filter((c) => c.startsWith('GET ') && c.endsWith('/reference.bin'));
    storage.calls.length = 0;
    await fresh.service.downloads.download(space, 'app-1.2.0-darwin.bin', out);
    expect(
      (await readFile(join(out, 'app-1.2.0-darwin.bin'))).equals(await readFile(files.darwin![1]!)),
    ).toBe(true);
    expect(referenceGets()).toEqual([`GET ${extraKey}`]);
    const all = await fresh.service.downloads.downloadAll(space, join(fresh.dir, 'all'));
    expect(all).toHaveLength(4);
    expect(referenceGets()).toEqual([`GET ${extraKey}`, 'GET releases/app/reference.bin']);
  });

  it('reads references with one LIST of the references folder, never a listing of the deltas', async () => {
    const fx = await service();
    const files = await train(fx.dir, { linux: 11, darwin: 22 }, 2);
    for (const platform of ['linux', 'darwin'])
      await fx.service.uploads.upload(files[platform]![0]!, space);
    const next = await service();
    storage.calls.length = 0;
    await next.service.uploads.upload(files.darwin![1]!, space);
    const lists = storage.calls.filter((c) => c.startsWith('LIST '));
    expect(lists).toEqual(['LIST releases/app/.dg-refs/']);
  });

  it('rotates: a version drifted past the rotation ratio becomes its family reference', async () => {
    // A tiny ratio makes every new version drift past it.
    const fx = await service({ ...SMART, rotationRatio: 0.001 });
    const files = await train(fx.dir, { linux: 11 }, 3);
    const kinds = [];
    for (const path of files.linux!)
      kinds.push((await fx.service.uploads.upload(path, space)).kind);
    expect(kinds).toEqual(['reference', 'reference', 'reference']);
    expect(keys('releases/app/.dg-refs/')).toHaveLength(2);

    // With room for no more references, versions are deltas against the newest one.
    const capped = await service({ ...SMART, rotationRatio: 0.001, maxReferences: 3 });
    const v4 = join(fx.dir, 'app-1.4.0-linux.bin');
    await writeNextVersion(files.linux![2]!, v4, { seed: 77 });
    const stored = await capped.service.uploads.upload(v4, space);
    expect(stored.kind).toBe('delta');
    const v3Sha = (await capped.service.inspection.list(space)).find(
      (f) => f.name === 'app-1.3.0-linux.bin',
    )!.sha256!;
    expect(storage.objects.get(`${BUCKET}/${stored.key}`)!.metadata['dg-ref-key']).toBe(
      extraReferenceKey(space, v3Sha),
    );
  });

  it('seeds a new line below the rotation ratio when told: the first of a family 30% away from another line', async () => {
    // As a Windows zip is from the Linux tarball of its version: the same program, built
    // for another OS, a third of it new. By the rotation ratio alone (0.5, the default)
    // it is a delta against the Linux reference, and so is every later Windows version;
    // with a seed ratio of 0.1 it starts its own line.
    const seeding = await service({ ...SMART, seedRatio: 0.1 });
    const files = await train(seeding.dir, { linux: 11 }, 1);
    const linux1 = files.linux![0]!;
    const win1 = join(seeding.dir, 'app-1.1.0-win32.bin');
    const win2 = join(seeding.dir, 'app-1.2.0-win32.bin');
    const other = join(seeding.dir, 'other.bin');
    await writeArtifact(other, 2 * MB, 33);
    const shared = (await readFile(linux1)).subarray(0, 1.4 * MB);
    await writeFile(win1, Buffer.concat([shared, (await readFile(other)).subarray(0, 0.6 * MB)]));
    await writeNextVersion(win1, win2, { seed: 44 });
    // A near-copy of the Linux build under another name stays a delta: seeding is for lines.
    const static1 = join(seeding.dir, 'app-1.1.0-linux-static.bin');
    await writeNextVersion(linux1, static1, { seed: 55 });
    const order = [linux1, win1, static1, win2];

    const kinds = async (fx: ServiceFixture) => {
      const out = [];
      for (const path of order) out.push((await fx.service.uploads.upload(path, space)).kind);
      return out;
    };
    expect(await kinds(seeding)).toEqual(['reference', 'reference', 'delta', 'delta']);
    const winSha = (await seeding.service.inspection.list(space)).find(
      (f) => f.name === 'app-1.1.0-win32.bin',
    )!.sha256!;
    const meta = (name: string) =>
      storage.objects.get(`${BUCKET}/releases/app/${name}.delta`)!.metadata;
    expect(meta('app-1.2.0-win32.bin')['dg-ref-key']).toBe(extraReferenceKey(space, winSha));
    expect(meta('app-1.1.0-linux-static.bin')['dg-ref-key']).toBe('releases/app/reference.bin');
    expect(Number(meta('app-1.2.0-win32.bin')['dg-delta-size'])).toBeLessThan(0.05 * MB);

    // The defaults (seed at the rotation ratio, as measured): one line, deltas 30% away.
    storage = new MemoryStorage();
    expect(await kinds(await service())).toEqual(['reference', 'delta', 'delta', 'delta']);
    expect(meta('app-1.2.0-win32.bin')['dg-ref-key']).toBe('releases/app/reference.bin');
  });

  it('judges a first of its line by the seed ratio, a later version by the rotation ratio', () => {
    expect(newReferenceAbove(SMART, false)).toBe(SMART.rotationRatio);
    expect(newReferenceAbove(SMART, true)).toBe(SMART.rotationRatio);
    const seeding = { ...SMART, seedRatio: 0.1 };
    expect(newReferenceAbove(seeding, false)).toBe(0.1);
    expect(newReferenceAbove(seeding, true)).toBe(SMART.rotationRatio);
  });

  it('tries the newest reference of another line, not two of one line', () => {
    const ref = (
      key: string,
      family: string,
      createdAt: string,
      sketch: number[],
    ): ReferenceInfo => ({
      key,
      sha256: key.padEnd(64, '0'),
      size: 1,
      root: false,
      family,
      createdAt,
      sketch,
    });
    const linux = familyOf('app-1.0.0-linux.tgz');
    // The Linux line's two references look more like the file than the macOS one: by
    // similarity alone both Linux references would be tried, and the macOS one never.
    const refs = [
      ref('a', linux, '2026-01-01T00:00:00Z', [1, 2, 3, 4]),
      ref('b', linux, '2026-03-01T00:00:00Z', [1, 2, 3, 4]),
      ref('c', familyOf('app-1.0.0-darwin.tgz'), '2026-02-01T00:00:00Z', [1, 2, 5, 6]),
    ];
    const ranked = rankCandidates(refs, familyOf('app-1.3.0-win32.zip'), [1, 2, 3, 4]);
    expect(ranked.map((c) => c.ref.key)).toEqual(['b', 'c']);
    const own = rankCandidates(refs, familyOf('app-1.3.0-linux.tgz'), [1, 2, 3, 4]);
    expect(own.map((c) => [c.ref.key, c.why])).toEqual([
      ['b', 'family'],
      ['c', 'similar'],
    ]);
  });

  it('stores an unrelated file direct with max-references 1 or one reference per space', async () => {
    for (const policy of [
      { ...SMART, maxReferences: 1 },
      { ...SMART, mode: 'single' as const },
    ]) {
      storage = new MemoryStorage();
      const fx = await service(policy);
      const files = await train(fx.dir, { linux: 11, darwin: 22 }, 1);
      await fx.service.uploads.upload(files.linux![0]!, space);
      expect((await fx.service.uploads.upload(files.darwin![0]!, space)).kind).toBe('direct');
      expect(keys('releases/app/.dg-refs/')).toEqual([]);
    }
  });

  it('rm removes an extra reference once no delta needs it, and every reference with the last delta', async () => {
    const fx = await service();
    const files = await train(fx.dir, { linux: 11, darwin: 22 }, 2);
    for (let v = 0; v < 2; v++)
      for (const platform of ['linux', 'darwin'])
        await fx.service.uploads.upload(files[platform]![v]!, space);
    const [extra] = keys('releases/app/.dg-refs/');
    const first = await fx.service.inspection.remove(space, 'app-1.1.0-darwin.bin');
    expect(first.deleted).toEqual(['releases/app/app-1.1.0-darwin.bin.delta']);
    const second = await fx.service.inspection.remove(space, 'app-1.2.0-darwin.bin');
    expect(second.deleted).toEqual(['releases/app/app-1.2.0-darwin.bin.delta', extra]);
    expect(second.referenceRemoved).toBe(false);
    expect(keys('releases/app/.dg-refs/')).toEqual([]);
    await fx.service.inspection.remove(space, 'app-1.1.0-linux.bin');
    const last = await fx.service.inspection.remove(space, 'app-1.2.0-linux.bin');
    expect(last.referenceRemoved).toBe(true);
    expect(keys('releases/app/')).toEqual([]);
  });

  it('racing uploads into one new family all rebuild byte-exact', async () => {
    const fx = await service();
    const files = await train(fx.dir, { linux: 11, darwin: 22 }, 3);
    await fx.service.uploads.upload(files.linux![0]!, space);
    // Three runners (own caches) store three versions of a new line at the same moment.
    const racers = await Promise.all([service(), service(), service()]);
    const results = await Promise.all(
      racers.map((r, i) => r.service.uploads.upload(files.darwin![i]!, space)),
    );
    expect(results.every((r) => r.kind === 'reference' || r.kind === 'delta')).toBe(true);
    const reader = await service();
    for (const [i, path] of files.darwin!.entries()) {
      const verified = await reader.service.verifier.verify(space, `app-1.${i + 1}.0-darwin.bin`);
      expect(verified.sha256).toBe(results[i]!.sha256);
      expect(verified).toMatchObject({ status: 'ok' });
      expect(path).toBeDefined();
    }
  });

  it('racing uploads on a store that ignores If-None-Match still rebuild', async () => {
    storage = new MemoryStorage({ ignoreIfNoneMatch: true });
    const fx = await service();
    const files = await train(fx.dir, { darwin: 22 }, 2);
    const racers = await Promise.all([service(), service()]);
    const results = await Promise.all(
      racers.map((r, i) => r.service.uploads.upload(files.darwin![i]!, space)),
    );
    const reader = await service();
    for (const [i, r] of results.entries()) {
      const verified = await reader.service.verifier.verify(space, `app-1.${i + 1}.0-darwin.bin`);
      expect(verified).toMatchObject({ status: 'ok', sha256: r.sha256 });
    }
  });
});
