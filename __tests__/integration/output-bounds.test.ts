import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { ExpandBudgetOptions } from '../../src/adapters/archive/expand-budget.js';
import { parseRecipe } from '../../src/adapters/archive/deflate-recipes.js';
import {
  deflatedRecordHead,
  END_RECORD,
  ExpandedWriter,
} from '../../src/adapters/archive/expanded-format.js';
import { Xdelta3Differ } from '../../src/adapters/xdelta3/differ.js';
import { sha256, text } from '../helpers/archive-fixtures.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';
import { encodeDelta, encodeReference } from '../../src/core/metadata.js';
import type { Metadata } from '../../src/ports.js';

// A few bytes in the bucket must not become gigabytes on the runner: decoding stops at
// dg-file-size, reference views and expanded forms at what the delta records (or a
// multiple of their container), and hostile archives are not expanded at upload.

const MIB = 1024 * 1024;
const space = { bucket: 'bucket', prefix: 'rel' };
let storage: MemoryStorage;
let fx: ServiceFixture;

beforeEach(async () => {
  storage = new MemoryStorage();
  fx = await serviceOver(storage, { archiveAware: true, minDeltaBytes: 1 });
});
afterEach(() => fx.cleanup());

/** Puts an object straight into the bucket, as another writer could. */
function put(key: string, body: Buffer, metadata: Metadata): void {
  storage.objects.set(`bucket/rel/${key}`, { body, metadata });
}

function putReference(body: Buffer): string {
  const sha = sha256(body);
  put(
    'reference.bin',
    body,
    encodeReference({ sourceName: 'r', sha256: sha, createdAt: new Date() }),
  );
  return sha;
}

/** An xdelta3 delta from `reference` to `target`, with the flags the differ uses. */
async function xdelta(reference: Buffer, target: Buffer): Promise<Buffer> {
  const [ref, out, delta] = ['ref', 'target', 'delta'].map((n) => join(fx.dir, `x-${n}`)) as [
    string,
    string,
    string,
  ];
  await writeFile(ref, reference);
  await writeFile(out, target);
  execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-s', ref, out, delta]);
  return readFile(delta);
}

function deltaMeta(fields: {
  sha256: string;
  size: number;
  refSha: string;
  archive?: Parameters<typeof encodeDelta>[0]['archive'];
}): Metadata {
  return encodeDelta({
    originalName: 'app.bin',
    sha256: fields.sha256,
    size: fields.size,
    createdAt: new Date(),
    refKey: 'rel/reference.bin',
    refSha256: fields.refSha,
    deltaSize: 1,
    deltaCmd: 'xdelta3',
    archive: fields.archive,
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every file left under the fixture's scratch directory and the given destination. */
async function leftovers(dest: string): Promise<string[]> {
  return [...(await filesUnder(join(fx.dir, 'scratch'))), ...(await filesUnder(dest))];
}

describe('delta bomb', () => {
  const reference = text(64 * 1024, 1);
  let bomb: Buffer;
  beforeAll(async () => {
    const dir = await serviceOver(new MemoryStorage());
    try {
      const ref = join(dir.dir, 'ref');
      const zeros = join(dir.dir, 'zeros');
      await writeFile(ref, reference);
      await writeFile(zeros, Buffer.alloc(32 * MIB));
      execFileSync('xdelta3', ['-e', '-f', '-9', '-D', '-s', ref, zeros, join(dir.dir, 'd')]);
      bomb = await readFile(join(dir.dir, 'd'));
    } finally {
      await dir.cleanup();
    }
  });

  it('a download stops at dg-file-size and leaves nothing behind', async () => {
    expect(bomb.length).toBeLessThan(4096); // 32 MiB of output from a few hundred bytes
    const refSha = putReference(reference);
    put('app.bin.delta', bomb, deltaMeta({ sha256: 'a'.repeat(64), size: 1000, refSha }));
    const dest = join(fx.dir, 'out');

    await expect(fx.service.downloads.download(space, 'app.bin', dest)).rejects.toThrow(
      /rel\/app\.bin\.delta decodes to more than its recorded size \(dg-file-size: 1000 bytes\); decoding was stopped/,
    );
    expect(await leftovers(dest)).toEqual([]);
  });

  it('verify reports it as a failed file', async () => {
    const refSha = putReference(reference);
    put('app.bin.delta', bomb, deltaMeta({ sha256: 'a'.repeat(64), size: 1000, refSha }));

    const [verdict] = await fx.service.verifier.verifyAll(space);
    expect(verdict).toMatchObject({ name: 'app.bin', status: 'failed' });
    expect(verdict!.problem).toMatch(/decodes to more than its recorded size \(dg-file-size: 1000/);
  });

  it('a delta without dg-file-size is refused before anything is fetched', async () => {
    const refSha = putReference(reference);
    const target = Buffer.concat([reference, Buffer.from('v2')]);
    const meta = deltaMeta({ sha256: sha256(target), size: target.length, refSha });
    delete meta['dg-file-size'];
    put('app.bin.delta', await xdelta(reference, target), meta);
    storage.calls.length = 0;

    await expect(
      fx.service.downloads.download(space, 'app.bin', join(fx.dir, 'out')),
    ).rejects.toThrow(/rel\/app\.bin\.delta has no dg-file-size metadata/);
    expect(storage.calls.filter((c) => c.startsWith('GET'))).toEqual([]);
  });

  it('the reference CLI spelling file_size still bounds and decodes', async () => {
    const refSha = putReference(reference);
    const target = Buffer.concat([reference, Buffer.from('v2')]);
    const meta = deltaMeta({ sha256: sha256(target), size: target.length, refSha });
    meta.file_size = meta['dg-file-size']!;
    delete meta['dg-file-size'];
    put('app.bin.delta', await xdelta(reference, target), meta);

    const dest = join(fx.dir, 'out');
    await fx.service.downloads.download(space, 'app.bin', dest);
    expect((await readFile(join(dest, 'app.bin'))).equals(target)).toBe(true);
  });
});

describe('archive-aware deltas record what they need', () => {
  async function twoReleases(): Promise<[string, string]> {
    const a = join(fx.dir, 'app-1.tgz');
    const b = join(fx.dir, 'app-2.tgz');
    const content = text(3 * MIB, 7);
    await writeFile(a, gzipSync(content, { level: 9 }));
    await writeFile(b, gzipSync(Buffer.concat([content, Buffer.from('next')]), { level: 9 }));
    return [a, b];
  }

  it('writes the view and expanded sizes and sha256s, and downloads check them', async () => {
    const [a, b] = await twoReleases();
    await fx.service.uploads.upload(a, space);
    await fx.service.uploads.upload(b, space);
    const meta = storage.objects.get('bucket/rel/app-2.tgz.delta')!.metadata;
    expect(meta).toMatchObject({
      'dg-ref-view': 'view-v1',
      'dg-ref-view-size': String(3 * MIB),
      'dg-ref-view-sha256': sha256(text(3 * MIB, 7)),
      'dg-expanded-sha256': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(Number(meta['dg-expanded-size'])).toBeGreaterThan(3 * MIB);

    // A tampered record is refused before the view or the rebuild is built.
    const reader = await serviceOver(storage);
    try {
      meta['dg-ref-view-sha256'] = 'b'.repeat(64);
      await expect(
        reader.service.downloads.download(space, 'app-2.tgz', join(reader.dir, 'o')),
      ).rejects.toThrow(
        /The reference's view has sha256 [0-9a-f]{64}, but s3:\/\/bucket\/rel\/app-2\.tgz\.delta records b{64}/,
      );
      meta['dg-ref-view-sha256'] = sha256(text(3 * MIB, 7));
      meta['dg-expanded-sha256'] = 'c'.repeat(64);
      await expect(
        reader.service.downloads.download(space, 'app-2.tgz', join(reader.dir, 'o')),
      ).rejects.toThrow(
        /decoded to an expanded form with sha256 [0-9a-f]{64}, but its dg-expanded-sha256 says c{64}/,
      );
    } finally {
      await reader.cleanup();
    }
  });

  it('objects written before these keys existed still download', async () => {
    const [a, b] = await twoReleases();
    await fx.service.uploads.upload(a, space);
    await fx.service.uploads.upload(b, space);
    const meta = storage.objects.get('bucket/rel/app-2.tgz.delta')!.metadata;
    for (const key of ['size', 'sha256']) {
      delete meta[`dg-expanded-${key}`];
      delete meta[`dg-ref-view-${key}`];
    }
    const reader = await serviceOver(storage);
    try {
      await reader.service.downloads.download(space, 'app-2.tgz', join(reader.dir, 'o'));
      expect(sha256(await readFile(join(reader.dir, 'o', 'app-2.tgz')))).toBe(
        sha256(await readFile(b)),
      );
    } finally {
      await reader.cleanup();
    }
  });
});

describe('reference-view bomb', () => {
  // 80 KB of gzip that inflates to 80 MiB: more than the 64 MiB a small reference may view as.
  const bomb = gzipSync(Buffer.alloc(80 * MIB), { level: 9 });
  type Archive = NonNullable<Parameters<typeof deltaMeta>[0]['archive']>;
  const archive = (fields: Partial<Archive>): Archive => ({
    codec: 'gzip',
    refView: 'view-v1',
    expandedSize: 2000,
    expandedSha256: 'c'.repeat(64),
    ...fields,
  });

  async function refused(fields: Partial<Archive>, message: RegExp): Promise<void> {
    const refSha = putReference(bomb);
    const meta = deltaMeta({
      sha256: 'a'.repeat(64),
      size: 1000,
      refSha,
      archive: archive(fields),
    });
    put('app.tgz.delta', Buffer.from('never fetched'), meta);
    storage.calls.length = 0;
    const dest = join(fx.dir, 'out');
    await expect(fx.service.downloads.download(space, 'app.tgz', dest)).rejects.toThrow(message);
    // The view is checked before the delta is even fetched, and nothing is left behind.
    expect(storage.calls.filter((c) => c.startsWith('GET'))).toEqual(['GET rel/reference.bin']);
    expect(await leftovers(dest)).toEqual([]);
  }

  it('stops building the view at the size the delta records', async () => {
    expect(bomb.length).toBeLessThan(100 * 1024);
    await refused(
      { refViewSize: 1000, refViewSha256: 'b'.repeat(64) },
      /rel\/app\.tgz\.delta: The reference's archive-aware view passed 1000 bytes/,
    );
  });

  it('refuses a recorded view larger than the limit before building it', async () => {
    await refused(
      { refViewSize: 10 ** 12 },
      /app\.tgz\.delta records a reference view of 1000000000000 bytes, more than the 67108864 bytes allowed/,
    );
  });

  it('without a recorded size (older objects), stops at the limit: 64 MiB here', async () => {
    await refused({}, /The reference's archive-aware view passed 67108864 bytes/);
  });

  it('at upload, a reference whose view is too large is used raw, and still downloads', async () => {
    putReference(bomb);
    const next = join(fx.dir, 'app-2.tgz');
    await writeFile(next, gzipSync(Buffer.concat([Buffer.alloc(MIB), text(MIB, 3)])));
    const writer = await serviceOver(storage, {
      archiveAware: true,
      maxRatio: 1000, // whatever the raw source costs: this test is about the view
      minDeltaBytes: 1,
    });
    let log: string;
    try {
      const result = await writer.service.uploads.upload(next, space);
      expect(result.kind).toBe('direct');
      log = writer.log.lines.join('\n');
    } finally {
      await writer.cleanup();
    }
    // The archive-aware delta was made against the raw reference (its 80 MiB view passes the
    // limit and was not built): the upload went on, and as that delta saves nothing against
    // unrelated raw bytes, the file went direct.
    expect(log).toMatch(/app-2\.tgz: gzip content reproduced exactly/);
    expect(log).toMatch(
      /app-2\.tgz: the archive-aware delta \(\d+ bytes\) is not smaller than the file; storing it direct/,
    );
    expect(storage.objects.has('bucket/rel/app-2.tgz.delta')).toBe(false);
    await fx.service.downloads.download(space, 'app-2.tgz', join(fx.dir, 'out'));
    expect(sha256(await readFile(join(fx.dir, 'out', 'app-2.tgz')))).toBe(
      sha256(await readFile(next)),
    );
  });
});

describe('rebuild bomb', () => {
  const reference = text(64 * 1024, 5);
  const recipe = { engine: 'zlib', level: 6, memLevel: 8, windowBits: 15, strategy: 'default' };

  /** An expanded form of `count` records of empty content, each "deflating" to 2 bytes. */
  async function emptyRecords(
    count: number,
    with_: unknown = recipe,
    codec: 'gzip' | 'zip' = 'zip',
  ): Promise<Buffer> {
    const path = join(fx.dir, `empty-${count}.expanded`);
    const writer = await ExpandedWriter.create(path, {
      codec,
      recipes: [parseRecipe(with_)],
      producers: {},
    });
    for (let i = 0; i < count; i++) await writer.deflated(0, 2, Readable.from([]));
    await writer.finish();
    return readFile(path);
  }

  /**
   * The same form as emptyRecords, assembled at once: the writer's own preamble and header
   * (a form of no records), then `count` copies of one record head, end record and table.
   */
  async function manyEmptyRecords(
    count: number,
    with_: Parameters<typeof parseRecipe>[0],
    codec: 'gzip' | 'zip',
  ): Promise<Buffer> {
    const none = await emptyRecords(0, with_, codec);
    const tabled = codec === 'zip';
    const prefix = none.subarray(0, none.length - END_RECORD.length - (tabled ? 4 : 0));
    const head = deflatedRecordHead(0, 2, tabled ? undefined : 0);
    const table = Buffer.alloc(tabled ? count * 2 + 4 : 0);
    if (tabled) table.writeUInt32BE(count, count * 2);
    return Buffer.concat([prefix, Buffer.concat(Array(count).fill(head)), END_RECORD, table]);
  }

  async function putArchiveDelta(
    expanded: Buffer,
    fields: { size: number; expandedSize?: number; codec?: 'gzip' | 'zip' },
  ) {
    const refSha = putReference(reference);
    const meta = deltaMeta({
      sha256: 'a'.repeat(64),
      size: fields.size,
      refSha,
      archive: {
        codec: fields.codec ?? 'zip',
        refView: 'raw',
        expandedSize: fields.expandedSize ?? expanded.length,
        expandedSha256: sha256(expanded),
      },
    });
    put('app.zip.delta', await xdelta(reference, expanded), meta);
  }

  it('refuses records describing more than dg-file-size before recompressing any', async () => {
    const expanded = await emptyRecords(600); // 1200 bytes described, within the record cap
    await putArchiveDelta(expanded, { size: 1000 });
    const dest = join(fx.dir, 'out');
    await expect(fx.service.downloads.download(space, 'app.zip', dest)).rejects.toThrow(
      /app\.zip\.delta decodes to more than its recorded size \(dg-file-size: 1000 bytes\)/,
    );
    expect(await leftovers(dest)).toEqual([]);
  });

  // The cost of a rebuild grew with the record count, which only dg-file-size bounded: 100,000
  // empty records (a 274-byte delta) took 41 s of CPU to refuse with zlib, 160 s with gzip.
  // The timeout is a bound, not a measurement: the refusal comes before any engine runs.
  // A zip form (version 3) states its count in its recipe table; a gzip form's is counted.
  it.each([
    ['zip form, zlib', recipe, 'zip', 'has 100000'],
    [
      'gzip form, gzip',
      { engine: 'gzip', level: 6, rsyncable: false },
      'gzip',
      'has more than 10048',
    ],
  ] as const)(
    'refuses 100,000 empty records (%s) that dg-file-size allows, before any engine runs',
    async (_, engine, codec, count) => {
      const expanded = await manyEmptyRecords(100_000, engine, codec);
      await putArchiveDelta(expanded, { size: 200_000, codec });
      const dest = join(fx.dir, 'out');
      const refused = fx.service.downloads.download(space, 'app.zip', dest);
      await expect(refused).rejects.toMatchObject({ code: 'integrity' });
      await expect(refused).rejects.toThrow(
        `The expanded archive is malformed: it ${count} deflate records for 200000 bytes of output (at most 10048: 10000, and one per 4096 bytes)`,
      );
      expect(await leftovers(dest)).toEqual([]);
    },
    10_000,
  );

  it('stops decoding the expanded form at dg-expanded-size', async () => {
    const expanded = await emptyRecords(100);
    await putArchiveDelta(expanded, { size: 1000, expandedSize: 300 });
    await expect(
      fx.service.downloads.download(space, 'app.zip', join(fx.dir, 'out')),
    ).rejects.toThrow(/decodes to more than its recorded size \(dg-expanded-size: 300 bytes\)/);
  });

  it('refuses a recorded expanded size beyond the limit for the file before fetching', async () => {
    await putArchiveDelta(await emptyRecords(1), { size: 1000, expandedSize: 10 ** 9 });
    storage.calls.length = 0;
    await expect(
      fx.service.downloads.download(space, 'app.zip', join(fx.dir, 'out')),
    ).rejects.toThrow(
      /records an expanded form of 1000000000 bytes \(dg-expanded-size\), more than the 67108864 bytes allowed/,
    );
    expect(storage.calls.filter((c) => c.startsWith('GET'))).toEqual([]);
  });

  it('an empty record is malformed: every record must describe output', async () => {
    const one = await emptyRecords(1);
    // 'R' + u64 0 inserted before the end record, which a zip form (version 3) follows
    // with its recipe table: one u16 recipe index and the u32 count.
    const end = one.length - 1 - 2 - 4;
    const empty = Buffer.concat([
      one.subarray(0, end),
      Buffer.from([0x52, 0, 0, 0, 0, 0, 0, 0, 0]),
      one.subarray(end),
    ]);
    await putArchiveDelta(empty, { size: 1000 });
    await expect(
      fx.service.downloads.download(space, 'app.zip', join(fx.dir, 'out')),
    ).rejects.toThrow(/The expanded archive is malformed: an empty verbatim record/);
  });
});

describe('hostile archives at upload are stored without expansion', () => {
  async function uploadWith(budget: ExpandBudgetOptions, file: string) {
    // Only a delta against a reference expands: the first upload of a space never does.
    putReference(text(64 * 1024, 99));
    const writer = await serviceOver(storage, {
      archiveAware: true,
      minDeltaBytes: 1,
      archiveBudget: budget,
    });
    try {
      const result = await writer.service.uploads.upload(file, space);
      const notices = writer.log.lines.filter((l) => l.includes('without archive-aware'));
      return {
        result,
        notices,
        scratch: await filesUnder(join(writer.dir, 'scratch')),
      };
    } finally {
      await writer.cleanup();
    }
  }

  it('a small .tgz of many zeros passes the byte budget', async () => {
    const file = join(fx.dir, 'zeros.tgz');
    await writeFile(file, gzipSync(Buffer.alloc(16 * MIB), { level: 9 }));
    const { result, notices, scratch } = await uploadWith({ maxExpandedBytes: MIB }, file);
    expect(notices).toEqual([
      'info: zeros.tgz: stored without archive-aware expansion: its expanded content passed 1 MiB, the archive-aware budget for a file of its size',
    ]);
    expect(result.kind).not.toBe('delta');
    expect(scratch).toEqual([]);
  });

  it('a zip with more entries than the budget', async () => {
    const dir = join(fx.dir, 'many');
    await mkdir(dir);
    for (let i = 0; i < 30; i++) await writeFile(join(dir, `f${i}.txt`), text(2000, i));
    execFileSync('zip', ['-q', '-r', '-9', join(fx.dir, 'many.zip'), '.'], { cwd: dir });
    const { notices } = await uploadWith({ maxEntries: 10 }, join(fx.dir, 'many.zip'));
    expect(notices).toEqual([
      'info: many.zip: stored without archive-aware expansion: it has 30 entries, more than the 10 the archive-aware budget allows',
    ]);
  });

  it('out of time (search, write or proof)', async () => {
    const file = join(fx.dir, 'text.tgz');
    await writeFile(file, gzipSync(text(MIB, 9), { level: 9 }));
    const { notices } = await uploadWith({ maxMs: 0.001 }, file);
    expect(notices).toEqual([
      'info: text.tgz: stored without archive-aware expansion: expanding and proving it ran out of its time budget',
    ]);
  });
});

describe('the bounded xdelta3 decode', () => {
  it('decodes byte-exact up to exactly the limit', async () => {
    const reference = text(256 * 1024, 11);
    const target = Buffer.concat([reference, text(300 * 1024, 12)]);
    const delta = join(fx.dir, 'exact.delta');
    await writeFile(delta, await xdelta(reference, target));
    await writeFile(join(fx.dir, 'exact.ref'), reference);
    const differ = new Xdelta3Differ({ binary: 'xdelta3' });
    const out = join(fx.dir, 'exact.out');
    await differ.decode(join(fx.dir, 'exact.ref'), delta, out, { maxBytes: target.length });
    expect((await readFile(out)).equals(target)).toBe(true);
    await expect(
      differ.decode(join(fx.dir, 'exact.ref'), delta, out, { maxBytes: target.length - 1 }),
    ).rejects.toThrow(`The output exceeds its limit of ${target.length - 1} bytes`);
    expect(existsSync(out)).toBe(false);
  });

  it('small outputs are not lost, however late the file opens (many at once)', async () => {
    // Node drops a child's stdout that no one has started reading when the child exits;
    // tiny outputs used to come back empty now and then under load.
    const reference = text(2000, 13);
    const target = Buffer.concat([reference.subarray(0, 500), Buffer.from('small')]);
    const delta = join(fx.dir, 'small.delta');
    await writeFile(delta, await xdelta(reference, target));
    await writeFile(join(fx.dir, 'small.ref'), reference);
    const differ = new Xdelta3Differ({ binary: 'xdelta3' });
    const outs = Array.from({ length: 24 }, (_, i) => join(fx.dir, `small-${i}.out`));
    await Promise.all(
      outs.map((out) =>
        differ.decode(join(fx.dir, 'small.ref'), delta, out, { maxBytes: target.length }),
      ),
    );
    for (const out of outs) expect((await readFile(out)).equals(target)).toBe(true);
  });

  it('refuses a delta made without -D against a reference that inflates past the limit', async () => {
    // The reference CLI's deltas of gzip files make xdelta3 decompress reference.bin to a
    // temporary file: a gzip bomb there must be measured, not inflated, first.
    const ref = join(fx.dir, 'bomb.gz');
    await writeFile(ref, gzipSync(Buffer.alloc(80 * MIB), { level: 9 }));
    const target = join(fx.dir, 'small.gz');
    await writeFile(target, gzipSync(text(4096, 14)));
    const delta = join(fx.dir, 'undashed.delta');
    // Its warnings about decompressing the input are expected: keep them out of the run.
    execFileSync('xdelta3', ['-e', '-9', '-f', '-s', ref, target, delta], { stdio: 'pipe' });
    const out = join(fx.dir, 'undashed.out');
    const differ = new Xdelta3Differ({ binary: 'xdelta3' });
    await expect(differ.decode(ref, delta, out, { maxBytes: 5000 })).rejects.toThrow(
      `The reference inflates to more than ${64 * MIB} bytes when decompressed for this delta`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a missing xdelta3 is still named, and leaves no output', async () => {
    const differ = new Xdelta3Differ({ binary: join(fx.dir, 'no-xdelta3') });
    await writeFile(join(fx.dir, 'r'), 'r');
    const out = join(fx.dir, 'missing.out');
    await expect(
      differ.decode(join(fx.dir, 'r'), join(fx.dir, 'r'), out, { maxBytes: 10 }),
    ).rejects.toThrow(/xdelta3 was not found \(tried ".*no-xdelta3"\)/);
    expect(existsSync(out)).toBe(false);
  });
});
