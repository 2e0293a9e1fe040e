import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../../scripts/lib/artifacts.mjs';
import { ArchiveCodec } from '../../src/adapters/archive/index.js';
import { Xdelta3Differ } from '../../src/adapters/xdelta3/differ.js';
import type { ArchiveCodecPort, DifferPort } from '../../src/ports.js';
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

/** Both releases of `trees()` as `app-1.tgz` and `app-2.tgz` in `dir`. */
async function tgzReleases(dir: string): Promise<[string, string]> {
  const { v1, v2 } = await trees();
  const [a1, a2] = [join(dir, 'app-1.tgz'), join(dir, 'app-2.tgz')];
  tarGz(v1, a1);
  tarGz(v2, a2);
  return [a1, a2];
}

function zipTree(tree: string, out: string): void {
  execFileSync('zip', ['-q', '-r', '-9', out, 'pkg'], { cwd: join(tree, '..') });
}

/** What xdelta3 makes of the compressed bytes themselves, with the flags our differ uses. */
function plainDeltaBytes(ref: string, target: string): Promise<number> {
  return xdelta3DeltaBytes(ref, target, join(fx.dir, 'plain.delta'));
}

it.each([
  // gzip views are the same bytes in both versions: named view-v1, which older releases read.
  ['tar czf', 'app-1.tgz', 'app-2.tgz', tarGz, 'gzip', 'view-v1'],
  ['zip -r -9', 'app-1.zip', 'app-2.zip', zipTree, 'zip', 'view-v2'],
])(
  '%s releases delta through their content and rebuild byte-exact',
  async (_tool, n1, n2, pack, codec, view) => {
    const { v1, v2 } = await trees();
    const a1 = join(fx.dir, n1);
    const a2 = join(fx.dir, n2);
    pack(v1, a1);
    pack(v2, a2);

    expect((await fx.service.uploads.upload(a1, space)).kind).toBe('reference');
    // The reference stays the original bytes: other readers see the format unchanged.
    expect(storage.body('bucket', 'rel/reference.bin')!.equals(await readFile(a1))).toBe(true);
    // Creating it expanded nothing: its zero-diff delta is plain, and no recipe was proven.
    expect(storage.objects.get(`bucket/rel/${n1}.delta`)!.metadata).not.toHaveProperty(
      'dg-archive-codec',
    );
    expect(fx.log.lines.filter((l) => l.includes('reproduced exactly'))).toEqual([]);
    const second = await fx.service.uploads.upload(a2, space);
    expect(second.kind).toBe('delta');
    const meta = storage.objects.get(`bucket/rel/${n2}.delta`)!.metadata;
    expect(meta).toMatchObject({
      'dg-archive-codec': codec,
      'dg-archive-format': 'expanded-v1',
      'dg-ref-view': view,
      'dg-file-sha256': await sha256File(a2),
    });
    // The point of the feature: far smaller than xdelta3 on the compressed bytes.
    expect(second.storedBytes * 3).toBeLessThan(await plainDeltaBytes(a1, a2));

    // A reader with an empty cache (a fresh job) rebuilds both files exactly.
    const reader = await serviceOver(storage);
    try {
      const out = join(reader.dir, 'out');
      await reader.service.downloads.downloadAll(space, out);
      expect(await sha256File(join(out, n1))).toBe(await sha256File(a1));
      expect(await sha256File(join(out, n2))).toBe(await sha256File(a2));
      const verdicts = await reader.service.verifier.verifyAll(space);
      expect(verdicts.map((v) => v.status)).toEqual(['ok', 'ok']);
    } finally {
      await reader.cleanup();
    }
  },
);

/** A reader with an empty cache (a fresh job) downloads `name` as the bytes of `original`. */
async function expectFreshDownload(name: string, original: string): Promise<void> {
  const reader = await serviceOver(storage);
  try {
    await reader.service.downloads.download(space, name, join(reader.dir, 'o'));
    expect(await sha256File(join(reader.dir, 'o', name))).toBe(await sha256File(original));
  } finally {
    await reader.cleanup();
  }
}

/** Both releases zipped and uploaded as app-1.zip (the reference) and app-2.zip (a delta). */
async function uploadZipReleases(): Promise<[string, string]> {
  const { v1, v2 } = await trees();
  const [a1, a2] = [join(fx.dir, 'app-1.zip'), join(fx.dir, 'app-2.zip')];
  zipTree(v1, a1);
  zipTree(v2, a2);
  await fx.service.uploads.upload(a1, space);
  await fx.service.uploads.upload(a2, space);
  return [a1, a2];
}

/** A version 3 expanded form (zip) rewritten as version 1, as releases before view-v2 wrote it. */
function asVersion1(form: Buffer): Buffer {
  const recordsStart = 13 + form.readUInt32BE(9);
  const count = form.readUInt32BE(form.length - 4);
  const table = form.subarray(form.length - 4 - 2 * count, form.length - 4);
  const parts: Buffer[] = [Buffer.from(form.subarray(0, recordsStart))];
  parts[0]![8] = 1;
  let at = recordsStart;
  for (let deflated = 0; form[at] !== 0x45;) {
    const kind = form[at]!;
    if (kind === 0x52) {
      const end = at + 9 + Number(form.readBigUInt64BE(at + 1));
      parts.push(form.subarray(at, end));
      at = end;
    } else if (kind === 0x5a) {
      // The central directory: back to verbatim, its offsets summed up from differences.
      const end = at + 9 + Number(form.readBigUInt64BE(at + 1));
      const directory = Buffer.from(form.subarray(at + 9, end));
      let previous = 0;
      for (let entry = 0; entry < directory.length;) {
        previous = (previous + directory.readUInt32LE(entry + 42)) >>> 0;
        directory.writeUInt32LE(previous, entry + 42);
        const [name, extra, comment] = [28, 30, 32].map((at) => directory.readUInt16LE(entry + at));
        entry += 46 + name! + extra! + comment!;
      }
      parts.push(Buffer.from('R'), form.subarray(at + 1, at + 9), directory);
      at = end;
    } else {
      expect(kind).toBe(0x44); // no near misses in these zips
      const end = at + 17 + Number(form.readBigUInt64BE(at + 1));
      const index = table.subarray(2 * deflated, 2 * deflated + 2);
      parts.push(form.subarray(at, at + 1), index, form.subarray(at + 1, end));
      at = end;
      deflated++;
    }
  }
  parts.push(Buffer.from('E'));
  return Buffer.concat(parts);
}

it('a zip delta stored against view-v1 (earlier releases) still downloads byte-exact', async () => {
  const [a1, a2] = await uploadZipReleases();
  // Rewrite the stored delta as an earlier release made it: view-v1, expanded form version 1.
  const codec = new ArchiveCodec({ tempDir: fx.dir });
  const [view, form, delta] = [join(fx.dir, 'view'), join(fx.dir, 'form'), join(fx.dir, 'delta')];
  expect(await codec.view(a1, view, { version: 'view-v1' })).toBe('view-v1');
  await codec.expand(a2, form);
  await writeFile(form, asVersion1(await readFile(form)));
  execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-s', view, form, delta]);
  const stored = storage.objects.get('bucket/rel/app-2.zip.delta')!;
  expect(stored.metadata['dg-ref-view']).toBe('view-v2');
  stored.body = await readFile(delta);
  Object.assign(stored.metadata, {
    'dg-ref-view': 'view-v1',
    'dg-ref-view-size': String((await readFile(view)).length),
    'dg-ref-view-sha256': await sha256File(view),
    'dg-expanded-size': String((await readFile(form)).length),
    'dg-expanded-sha256': await sha256File(form),
    'dg-delta-size': String(stored.body.length),
  });
  await expectFreshDownload('app-2.zip', a2);
});

it('a delta naming a view this build does not know fails clearly and writes nothing', async () => {
  await uploadZipReleases();
  storage.objects.get('bucket/rel/app-2.zip.delta')!.metadata['dg-ref-view'] = 'view-v9';
  const reader = await serviceOver(storage);
  try {
    const out = join(reader.dir, 'o');
    await expect(reader.service.downloads.download(space, 'app-2.zip', out)).rejects.toMatchObject({
      code: 'unsupported-format',
      message: expect.stringMatching(/made against the view-v9 view of its reference/),
    });
    await expect(readdir(out).catch(() => [])).resolves.toEqual([]);
  } finally {
    await reader.cleanup();
  }
});

it("keeps today's behaviour when archive-aware is off: gzip content goes direct", async () => {
  const off = await serviceOver(storage, { archiveAware: false });
  try {
    const { v1 } = await trees();
    const a1 = join(off.dir, 'app-1.tgz');
    tarGz(v1, a1);
    expect((await off.service.uploads.upload(a1, space)).kind).toBe('direct');
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
  expect((await fx.service.uploads.upload(a, space)).kind).toBe('reference');
  const result = await fx.service.uploads.upload(both, space);
  expect(result.kind).toBe('direct');
  await expectFreshDownload('both.tar.gz', both);
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
  await small.service.uploads.upload(a1, space);
  const second = await small.service.uploads.upload(a2, space);
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
    const [a1, a2] = await tgzReleases(smart.dir);
    expect((await smart.service.uploads.upload(a1, space)).kind).toBe('reference');
    expect(smart.log.lines.filter((l) => l.includes('reproduced exactly'))).toEqual([]);
    // The next release, tried against that reference, expands and is stored archive-aware.
    const second = await smart.service.uploads.upload(a2, space);
    expect(second).toMatchObject({ kind: 'delta', archiveAware: true });
    expect(second.storedBytes * 3).toBeLessThan(await plainDeltaBytes(a1, a2));
    expect(smart.log.lines.filter((l) => l.includes('reproduced exactly'))).toHaveLength(1);
  } finally {
    await smart.cleanup();
  }
});

describe('the archive-aware delta encoded while the expansion is proven', () => {
  /** A real xdelta3 differ that counts its encodes. */
  function countingDiffer(): { differ: DifferPort; encodes: () => number } {
    const real = new Xdelta3Differ({ binary: process.env.XDELTA3 ?? 'xdelta3' });
    let encodes = 0;
    const differ: DifferPort = {
      ...real,
      describeEncode: real.describeEncode.bind(real),
      decode: real.decode.bind(real),
      encode: (...args) => {
        encodes++;
        return real.encode(...args);
      },
    };
    return { differ, encodes: () => encodes };
  }

  /**
   * The real codec, whose `whileProving` work is handed `swap(form)` instead of the form
   * being proven; `seen` counts the calls, and the encodes made by that work.
   */
  function wrapped(swap: (form: string) => Promise<string>, encodes: () => number) {
    const seen = { calls: 0, encodesWhileProving: 0 };
    const codec = (real: ArchiveCodec): ArchiveCodecPort => ({
      view: real.view.bind(real),
      rebuild: real.rebuild.bind(real),
      expand: (path, out, options) =>
        real.expand(path, out, {
          whileProving: async (form) => {
            seen.calls++;
            const before = encodes();
            await options?.whileProving?.(await swap(form));
            seen.encodesWhileProving += encodes() - before;
          },
        }),
    });
    return { codec, seen };
  }

  async function releaseTwo(swap: (form: string) => Promise<string>) {
    const counting = countingDiffer();
    const { codec, seen } = wrapped(swap, counting.encodes);
    const fx2 = await serviceOver(storage, {
      archiveAware: true,
      differ: counting.differ,
      archiveCodec: codec,
    });
    try {
      const [a1, a2] = await tgzReleases(fx2.dir);
      await fx2.service.uploads.upload(a1, space);
      const before = counting.encodes();
      const second = await fx2.service.uploads.upload(a2, space);
      const reader = await serviceOver(storage);
      try {
        await reader.service.downloads.download(space, 'app-2.tgz', join(reader.dir, 'o'));
        expect(await sha256File(join(reader.dir, 'o', 'app-2.tgz'))).toBe(await sha256File(a2));
      } finally {
        await reader.cleanup();
      }
      return { second, encodes: counting.encodes() - before, ...seen };
    } finally {
      await fx2.cleanup();
    }
  }

  it('is the one stored: a .tgz is encoded once, during the proof', async () => {
    const run = await releaseTwo(async (form) => form);
    expect(run.second).toMatchObject({ kind: 'delta', archiveAware: true });
    expect(run).toMatchObject({ encodes: 1, calls: 1, encodesWhileProving: 1 });
  });

  it('is dropped when it does not decode to the form the proof accepted', async () => {
    // The work sees a form one byte off the one proven (as after a correction rewrote it):
    // its delta decodes to other bytes, so the upload encodes again and stores that.
    const run = await releaseTwo(async (form) => {
      const other = `${form}.other`;
      const bytes = await readFile(form);
      bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
      await writeFile(other, bytes);
      return other;
    });
    expect(run.second).toMatchObject({ kind: 'delta', archiveAware: true });
    expect(run).toMatchObject({ encodes: 2, calls: 1, encodesWhileProving: 1 });
  });
});
