// One fixture for the destructive-operations suite: a DeltaSpace whose reference.bin no
// delta needs once `--keep-last 1` has run (so a prune retires it), the writers that race
// the deletions, and the check every case ends with: each file reported stored downloads
// byte-exact.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { Pruner, type PruneDeps } from '../../src/core/lifecycle/prune.js';
import { selectSpaces } from '../../src/core/lifecycle/shard.js';
import { writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { DEFAULT_REFERENCE_POLICY, SINGLE_REFERENCE } from '../../src/core/references/choose.js';
import type { DeltaSpace } from '../../src/core/models.js';
import type { StoragePort } from '../../src/ports.js';
import { s3TestOptions, startS3Server, type S3TestServer } from '../helpers/s3-server.js';
import { recordingLogger, serviceOver, type ServiceFixture } from '../helpers/service-fixture.js';
import { uploadTwoLines } from '../helpers/two-lines.js';

const SIZE = 192 * 1024;

/** Files reported stored: name -> the local file uploaded. */
export type Stored = Map<string, string>;

export class DestructiveFixture {
  readonly stored: Stored = new Map();
  private readonly services: ServiceFixture[] = [];

  constructor(
    readonly storage: StoragePort,
    readonly dir: string,
  ) {}

  async writer(references = SINGLE_REFERENCE, storage = this.storage): Promise<ServiceFixture> {
    const fixture = await serviceOver(storage, { references, minDeltaBytes: 1024 });
    this.services.push(fixture);
    return fixture;
  }

  /**
   * Two lines of three releases in `space`: linux 1.0.0 makes reference.bin, mac gets an
   * extra reference, linux 3.0.0 (rotation ratio 0) becomes its line's new one. After
   * `--keep-last 1` no delta needs reference.bin.
   */
  async twoLines(space: DeltaSpace): Promise<void> {
    const usual = await this.writer(DEFAULT_REFERENCE_POLICY);
    const rotating = await this.writer({ ...DEFAULT_REFERENCE_POLICY, rotationRatio: 0 });
    const paths = await uploadTwoLines(this.dir, space, SIZE, usual, rotating);
    // Those --keep-last 1 removes are no longer promised.
    for (const name of ['tool-3.0.0-linux.bin', 'tool-3.0.0-mac.bin'])
      this.stored.set(name, paths.get(name)!);
    this.first = paths.get('tool-1.0.0-linux.bin')!;
  }

  private first = '';

  /** A next linux release, an edit of 1.0.0: a delta against reference.bin if it may. */
  async nextRelease(space: DeltaSpace, version: number): Promise<{ name: string; path: string }> {
    const name = `tool-${version}.0.0-linux.bin`;
    const path = join(this.dir, space.prefix, name);
    await writeNextVersion(this.first, path, { seed: 90 + version });
    return { name, path };
  }

  /** Uploads with `writer` and records the file as stored once the upload says so. */
  async upload(
    writer: ServiceFixture,
    space: DeltaSpace,
    file: { name: string; path: string },
  ): Promise<string> {
    const result = await writer.service.uploads.upload(file.path, space, file.name);
    this.stored.set(file.name, file.path);
    return result.kind;
  }

  /** Every file reported stored downloads (empty cache) to the bytes uploaded. */
  async expectAllStored(space: DeltaSpace): Promise<void> {
    const reader = await this.writer();
    const out = join(reader.dir, 'out');
    const failed: string[] = [];
    for (const [name, path] of this.stored) {
      try {
        await reader.service.downloads.download(space, name, out);
        const same = (await readFile(join(out, name))).equals(await readFile(path));
        if (!same) failed.push(`${name}: different bytes`);
      } catch (error) {
        failed.push(`${name}: ${(error as Error).message}`);
      }
    }
    expect(failed).toEqual([]);
  }

  async cleanup(): Promise<void> {
    for (const s of this.services.splice(0)) await s.cleanup();
  }
}

/** What a case of the suite works with; set by the hooks `destructiveSuite` registers. */
export interface SuiteContext {
  server: S3TestServer;
  storage: S3Storage;
  work: string;
  fixture: DestructiveFixture;
  /** `rel/` of a fresh bucket, holding `twoLines`. */
  space: DeltaSpace;
}

/** One moto for the file, a fresh bucket with `twoLines` per case. */
export function destructiveSuite(): SuiteContext {
  const ctx = {} as SuiteContext;
  beforeAll(async () => {
    ctx.server = await startS3Server();
    ctx.storage = new S3Storage(s3TestOptions(ctx.server.endpoint));
    ctx.work = await mkdtemp(join(tmpdir(), 'dg-destructive-'));
  }, 60_000);
  beforeEach(async () => {
    ctx.space = { bucket: await ctx.server.createBucket(), prefix: 'rel' };
    ctx.fixture = new DestructiveFixture(ctx.storage, join(ctx.work, ctx.space.bucket));
    await ctx.fixture.twoLines(ctx.space);
  });
  afterEach(async () => {
    await ctx.fixture.cleanup();
  });
  afterAll(async () => {
    ctx.storage?.close();
    await ctx.server?.stop();
    if (ctx.work) await rm(ctx.work, { recursive: true, force: true });
  });
  return ctx;
}

/** `prune --keep-last 1 --reference-grace 0s` of the case's space, in this process. */
export async function pruneKeepLast(ctx: SuiteContext, extra: Partial<PruneDeps> = {}) {
  const pruner = new Pruner({
    storage: ctx.storage,
    log: recordingLogger(),
    concurrency: 4,
    ...extra,
  });
  const spaces = await selectSpaces(ctx.storage, [ctx.space], { recursive: false });
  const [result] = await pruner.prune(spaces, {
    rule: { kind: 'keep-last', count: 1 },
    dryRun: false,
    now: new Date(),
    referenceGraceSeconds: 0,
  });
  return result!;
}
