// Progress reports from the real adapters through the core: xdelta3's -v window lines,
// lib-storage's upload events and the bytes of downloads, against a loopback S3 server.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { FsReferenceCache } from '../../src/adapters/fs-reference-cache.js';
import { LocalFiles } from '../../src/adapters/local-files.js';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { Sha256Hasher } from '../../src/adapters/sha256-hasher.js';
import { Xdelta3Differ } from '../../src/adapters/xdelta3/differ.js';
import { createUseCases, type UseCases } from '../../src/app/use-cases.js';
import { IntegrityError } from '../../src/core/errors.js';
import type { ProgressPort } from '../../src/ports.js';
import { recordingLogger } from '../helpers/service-fixture.js';
import { s3TestOptions, startS3Server } from '../helpers/s3-server.js';

const MIB = 1024 * 1024;
const SIZE = 24 * MIB;
const server = await startS3Server();
const bucket = await server.createBucket();
const storage = new S3Storage({ ...s3TestOptions(server.endpoint), partSizeBytes: 5 * MIB });
const differ = new Xdelta3Differ({ binary: process.env.XDELTA3 ?? 'xdelta3' });
let dir: string;

interface Recorded {
  file: string;
  activity: string;
  total: number;
  updates: number[];
  ended: boolean;
  /** The file whose `file()` scope the step ran in. */
  scope?: string;
}

/** A ProgressPort that records every step, and the file scope it started in. */
function recordingProgress(): ProgressPort & { steps: Recorded[]; files: string[] } {
  const steps: Recorded[] = [];
  const files: string[] = [];
  let current: string | undefined;
  return {
    steps,
    files,
    async file(name, work) {
      files.push(name);
      current = name;
      try {
        return await work();
      } finally {
        current = undefined;
      }
    },
    step(file, activity, total) {
      const step: Recorded = { file, activity, total, updates: [], ended: false, scope: current };
      steps.push(step);
      return { update: (bytes) => step.updates.push(bytes), end: () => (step.ended = true) };
    },
  };
}

function service(progress: ProgressPort, name: string): { service: UseCases; files: LocalFiles } {
  const hasher = new Sha256Hasher();
  const log = recordingLogger();
  const files = new LocalFiles(join(dir, `scratch-${name}`));
  const svc = createUseCases(
    {
      storage,
      differ,
      hasher,
      cache: new FsReferenceCache(join(dir, `cache-${name}`), hasher, log),
      files,
      clock: { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      log,
      progress,
    },
    { maxRatio: 0.5, concurrency: 2 },
  );
  return { service: svc, files };
}

function stepOf(progress: { steps: Recorded[] }, activity: string, file?: string): Recorded {
  const found = progress.steps.find(
    (s) => s.activity === activity && (file === undefined || s.file === file),
  );
  if (!found)
    throw new Error(
      `no "${activity}" step among ${progress.steps.map((s) => s.activity).join(', ')}`,
    );
  return found;
}

function expectRising(updates: number[]): void {
  for (let i = 1; i < updates.length; i++)
    expect(updates[i]).toBeGreaterThanOrEqual(updates[i - 1]!);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dg-progress-'));
  await mkdir(join(dir, 'v1'));
  await mkdir(join(dir, 'v2'));
  await writeArtifact(join(dir, 'v1', 'app-1.0.bin'), SIZE, 3);
  await writeNextVersion(join(dir, 'v1', 'app-1.0.bin'), join(dir, 'v2', 'app-1.1.bin'), {
    seed: 4,
  });
});

afterAll(async () => {
  storage.close();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('progress of an upload and a download', () => {
  const space = { bucket, prefix: 'progress' };
  const uploads = recordingProgress();
  const downloads = recordingProgress();

  test('upload: the encode reports the target bytes xdelta3 has read, the delta upload its bytes sent', async () => {
    const { service: svc, files } = service(uploads, 'up');
    try {
      await svc.uploads.upload(join(dir, 'v1', 'app-1.0.bin'), space);
      const result = await svc.uploads.upload(join(dir, 'v2', 'app-1.1.bin'), space);
      expect(result.kind).toBe('delta');
    } finally {
      await files.dispose();
    }
    expect(uploads.files).toEqual(['app-1.0.bin', 'app-1.1.bin']);
    const target = (await stat(join(dir, 'v2', 'app-1.1.bin'))).size;
    const encode = stepOf(uploads, 'encoding', 'app-1.1.bin');
    expect(encode).toMatchObject({ total: target, ended: true, scope: 'app-1.1.bin' });
    // One report per 8 MiB window of the target, read from xdelta3's -v output (rounded
    // to three digits by xdelta3).
    expect(encode.updates.length).toBeGreaterThanOrEqual(3);
    expectRising(encode.updates);
    expect(encode.updates.at(-1)! / target).toBeCloseTo(1, 2);
    const sent = stepOf(uploads, 'uploading the delta');
    expect(sent.updates.at(-1)).toBe(sent.total);
    // The conditional upload of the reference counts the parts it has sent.
    const reference = stepOf(uploads, 'uploading as the reference', 'app-1.0.bin');
    expect(reference).toMatchObject({ total: SIZE, ended: true });
    expect(reference.updates.at(-1)).toBe(SIZE);
    expectRising(reference.updates);
  });

  test('download on a fresh runner: the reference, the delta and the decode each report their bytes', async () => {
    const { service: svc, files } = service(downloads, 'down');
    const out = join(dir, 'restored');
    try {
      await svc.downloads.download(space, 'app-1.1.bin', out);
    } finally {
      await files.dispose();
    }
    expect(await sha256File(join(out, 'app-1.1.bin'))).toBe(
      await sha256File(join(dir, 'v2', 'app-1.1.bin')),
    );
    const reference = stepOf(downloads, 'downloading the reference');
    expect(reference).toMatchObject({
      file: 'progress/reference.bin',
      total: SIZE,
      scope: 'app-1.1.bin',
    });
    expect(reference.updates.at(-1)).toBe(SIZE);
    expectRising(reference.updates);
    const delta = stepOf(downloads, 'downloading the delta');
    expect(delta.updates.at(-1)).toBe(delta.total);
    const decode = stepOf(downloads, 'decoding');
    const target = (await stat(join(dir, 'v2', 'app-1.1.bin'))).size;
    expect(decode.total).toBe(target);
    expect(decode.updates.at(-1)! / target).toBeCloseTo(1, 2);
    expect(downloads.steps.every((s) => s.ended)).toBe(true);
  });

  test('a direct upload reports the bytes lib-storage has sent', async () => {
    const progress = recordingProgress();
    const { service: svc, files } = service(progress, 'direct');
    // Media goes direct: three 5 MiB parts.
    const video = join(dir, 'demo.mp4');
    await writeArtifact(video, 12 * MIB, 99);
    try {
      expect((await svc.uploads.upload(video, { bucket, prefix: 'progress-direct' })).kind).toBe(
        'direct',
      );
    } finally {
      await files.dispose();
    }
    const sent = stepOf(progress, 'uploading', 'demo.mp4');
    expect(sent).toMatchObject({ total: 12 * MIB, ended: true, scope: 'demo.mp4' });
    expect(sent.updates.at(-1)).toBe(12 * MIB);
    expectRising(sent.updates);
  });
});

describe('xdelta3 errors', () => {
  test('keep xdelta3’s own message, not its progress lines', async () => {
    const work = await mkdtemp(join(tmpdir(), 'dg-xd-'));
    try {
      const [ref, target, delta, out, other] = ['ref', 'target', 'delta', 'out', 'other'].map((n) =>
        join(work, n),
      ) as [string, string, string, string, string];
      await writeArtifact(ref, 20 * MIB, 5);
      await writeNextVersion(ref, target, { seed: 6 });
      await differ.encode(ref, target, delta);
      await writeArtifact(other, 20 * MIB, 8);
      const failure = differ.decode(other, delta, out);
      await expect(failure).rejects.toBeInstanceOf(IntegrityError);
      const message = await failure.catch((error: Error) => error.message);
      expect(message).toMatch(/xdelta3 -d exited with/);
      expect(message).not.toMatch(/total in|source size|finished in/);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
