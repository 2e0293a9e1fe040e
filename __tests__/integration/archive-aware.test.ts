import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { DEFAULT_REFERENCE_POLICY } from '../../src/core/references/choose.js';
import { text, xdelta3DeltaBytes } from '../helpers/archive-fixtures.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';

// Archive-aware deltas through the core with the real codec, xdelta3 and gzip/zip/tar:
// compressed releases delta through their content and come back byte-exact.

const space = { bucket: 'bucket', prefix: 'rel' };
let storage: MemoryStorage;
let fx: ServiceFixture;

beforeEach(async () => {
  storage = new MemoryStorage();
  fx = await serviceOver(storage, { archiveAware: true });
});
afterEach(() => fx.cleanup());

/** A source tree of text-like files (so it compresses), and its next version with small edits. */
async function trees(): Promise<{ v1: string; v2: string }> {
  const v1 = join(fx.dir, 'tree-1', 'pkg');
  const v2 = join(fx.dir, 'tree-2', 'pkg');
  await mkdir(v1, { recursive: true });
  await mkdir(v2, { recursive: true });
  let x = 12345;
  const word = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return `w${x % 5000}`;
  };
  for (let f = 0; f < 12; f++) {
    const lines = Array.from(
      { length: 9000 },
      (_, i) => `${i}: ${word()} ${word()} ${word()} ${word()};`,
    );
    await writeFile(join(v1, `file-${f}.js`), lines.join('\n'));
    lines[f * 100] = 'changed in version 2';
    await writeFile(join(v2, `file-${f}.js`), lines.join('\n'));
  }
  return { v1, v2 };
}

function tarGz(tree: string, out: string): void {
  execFileSync('tar', ['czf', out, '-C', join(tree, '..'), 'pkg']);
}

function zipTree(tree: string, out: string): void {
  execFileSync('zip', ['-q', '-r', '-9', out, 'pkg'], { cwd: join(tree, '..') });
}

/** What xdelta3 makes of the compressed bytes themselves, with the flags our differ uses. */
function plainDeltaBytes(ref: string, target: string): Promise<number> {
  return xdelta3DeltaBytes(ref, target, join(fx.dir, 'plain.delta'));
}

it.each([
  ['tar czf', 'app-1.tgz', 'app-2.tgz', tarGz, 'gzip'],
  ['zip -r -9', 'app-1.zip', 'app-2.zip', zipTree, 'zip'],
])(
  '%s releases delta through their content and rebuild byte-exact',
  async (_tool, n1, n2, pack, codec) => {
    const { v1, v2 } = await trees();
    const a1 = join(fx.dir, n1);
    const a2 = join(fx.dir, n2);
    pack(v1, a1);
    pack(v2, a2);

    expect((await fx.service.upload(a1, space)).kind).toBe('reference');
    // The reference stays the original bytes: other readers see the format unchanged.
    expect(storage.body('bucket', 'rel/reference.bin')!.equals(await readFile(a1))).toBe(true);
    // Creating it expanded nothing: its zero-diff delta is plain, and no recipe was proven.
    expect(storage.objects.get(`bucket/rel/${n1}.delta`)!.metadata).not.toHaveProperty(
      'dg-archive-codec',
    );
    expect(fx.log.lines.filter((l) => l.includes('reproduced exactly'))).toEqual([]);
    const second = await fx.service.upload(a2, space);
    expect(second.kind).toBe('delta');
    const meta = storage.objects.get(`bucket/rel/${n2}.delta`)!.metadata;
    expect(meta).toMatchObject({
      'dg-archive-codec': codec,
      'dg-archive-format': 'expanded-v1',
      'dg-ref-view': 'view-v1',
      'dg-file-sha256': await sha256File(a2),
    });
    // The point of the feature: far smaller than xdelta3 on the compressed bytes.
    expect(second.storedBytes * 3).toBeLessThan(await plainDeltaBytes(a1, a2));

    // A reader with an empty cache (a fresh job) rebuilds both files exactly.
    const reader = await serviceOver(storage);
    try {
      const out = join(reader.dir, 'out');
      await reader.service.downloadAll(space, out);
      expect(await sha256File(join(out, n1))).toBe(await sha256File(a1));
      expect(await sha256File(join(out, n2))).toBe(await sha256File(a2));
      const verdicts = await reader.service.verifyAll(space);
      expect(verdicts.map((v) => v.status)).toEqual(['ok', 'ok']);
    } finally {
      await reader.cleanup();
    }
  },
);

it("keeps today's behaviour when archive-aware is off: gzip content goes direct", async () => {
  const off = await serviceOver(storage, { archiveAware: false });
  try {
    const { v1 } = await trees();
    const a1 = join(off.dir, 'app-1.tgz');
    tarGz(v1, a1);
    expect((await off.service.upload(a1, space)).kind).toBe('direct');
    expect(storage.objects.has('bucket/rel/reference.bin')).toBe(false);
  } finally {
    await off.cleanup();
  }
});

it('falls back when no recipe reproduces the file (multi-member gzip goes direct)', async () => {
  const { v1, v2 } = await trees();
  const a = join(fx.dir, 'a.tgz');
  const b = join(fx.dir, 'b.tgz');
  tarGz(v1, a);
  tarGz(v2, b);
  const both = join(fx.dir, 'both.tar.gz');
  await writeFile(both, Buffer.concat([await readFile(a), await readFile(b)]));
  expect((await fx.service.upload(a, space)).kind).toBe('reference');
  const result = await fx.service.upload(both, space);
  expect(result.kind).toBe('direct');
  const reader = await serviceOver(storage);
  try {
    await reader.service.download(space, 'both.tar.gz', join(reader.dir, 'o'));
    expect(await sha256File(join(reader.dir, 'o', 'both.tar.gz'))).toBe(await sha256File(both));
  } finally {
    await reader.cleanup();
  }
});

it('judges max-ratio against the content an archive-aware delta encodes, as for its .tar', async () => {
  // Release 2 rewrites two thirds of the content: the delta is a large share of the small
  // compressed file, but a modest share of the content, as it would be for the .tar.
  const v1 = join(fx.dir, 'm1', 'pkg');
  const v2 = join(fx.dir, 'm2', 'pkg');
  await mkdir(v1, { recursive: true });
  await mkdir(v2, { recursive: true });
  const body = text(3_000_000, 21);
  await writeFile(join(v1, 'data.txt'), body);
  await writeFile(
    join(v2, 'data.txt'),
    Buffer.concat([body.subarray(0, 1_000_000), text(2_000_000, 22)]),
  );
  const a1 = join(fx.dir, 'm-1.tgz');
  const a2 = join(fx.dir, 'm-2.tgz');
  tarGz(v1, a1);
  tarGz(v2, a2);
  const small = await serviceOver(storage, { archiveAware: true, maxRatio: 0.5, minDeltaBytes: 0 });
  await small.service.upload(a1, space);
  const second = await small.service.upload(a2, space);
  await small.cleanup();
  const fileBytes = (await readFile(a2)).length;
  expect(second.kind).toBe('delta');
  // Above max-ratio 0.5 of the compressed file: before, this was stored whole.
  expect(second.storedBytes / fileBytes).toBeGreaterThan(0.5);
  expect(second.storedBytes).toBeLessThan(fileBytes);
  expect(storage.objects.get('bucket/rel/m-2.tgz.delta')!.metadata).toMatchObject({
    'dg-archive-codec': 'gzip',
  });
});

it('with smart references, sketches a .tgz through its view: no expansion until a delta', async () => {
  const smart = await serviceOver(storage, {
    archiveAware: true,
    references: DEFAULT_REFERENCE_POLICY,
  });
  try {
    const { v1, v2 } = await trees();
    const [a1, a2] = [join(smart.dir, 'app-1.tgz'), join(smart.dir, 'app-2.tgz')];
    tarGz(v1, a1);
    tarGz(v2, a2);
    expect((await smart.service.upload(a1, space)).kind).toBe('reference');
    expect(smart.log.lines.filter((l) => l.includes('reproduced exactly'))).toEqual([]);
    // The sketch stored with the reference is of the content, not of the deflate bytes: a
    // sketch of the compressed file would share nothing with the next release's.
    const second = await smart.service.upload(a2, space);
    expect(second).toMatchObject({ kind: 'delta', archiveAware: true });
    expect(second.storedBytes * 3).toBeLessThan(await plainDeltaBytes(a1, a2));
    expect(smart.log.lines.filter((l) => l.includes('reproduced exactly'))).toHaveLength(1);
  } finally {
    await smart.cleanup();
  }
});
