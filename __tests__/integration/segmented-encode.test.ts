// The segmented parallel encode of the xdelta3 differ on real xdelta3: several encoders
// and one recoder give one standard VCDIFF that plain `xdelta3 -d` and the reference
// DeltaGlider CLI decode byte-exact; one failing segment fails the encode, kills the
// other encoders and leaves neither an object nor temporary files. Segments are shrunk
// to 1 MiB units (instead of 8 MiB) so the files stay small.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { sha256File, writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { createS3Client } from '../../src/adapters/s3/client.js';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { Xdelta3Differ } from '../../src/adapters/xdelta3/differ.js';
import { referenceCliAvailability, runReferenceCli } from '../helpers/reference-cli.js';
import { s3TestOptions, startS3Server } from '../helpers/s3-server.js';
import { serviceOver } from '../helpers/service-fixture.js';
import { skipNote } from '../helpers/skip-note.js';
import type { FileResult } from '../../src/core/models.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const XDELTA3 = process.env.XDELTA3 ?? 'xdelta3';
const server = await startS3Server();
const raw = createS3Client(s3TestOptions(server.endpoint));
let dir: string;
let v1: string;
let v2: string;

/**
 * An xdelta3 that logs its arguments to `log`. With `failFlag` present, segment encoders
 * (`-e -c`) misbehave: the first one started sleeps (its pid in `state/sleeper`), the
 * others exit 3.
 */
async function wrapper(name: string) {
  const path = join(dir, name);
  const log = join(dir, `${name}.log`);
  const state = join(dir, `${name}.state`);
  const failFlag = join(dir, `${name}.fail`);
  await mkdir(state);
  await writeFile(
    path,
    `#!/bin/sh
echo "$*" >> '${log}'
if [ -e '${failFlag}' ] && [ "$2" = "-e" ] && [ "$3" = "-c" ]; then
  if mkdir '${state}/first' 2>/dev/null; then echo $$ > '${state}/sleeper'; exec sleep 60; fi
  echo "segment failed on purpose" >&2
  exit 3
fi
exec '${XDELTA3}' "$@"
`,
  );
  await chmod(path, 0o755);
  const runs = async () => (await readFile(log, 'utf8')).trim().split('\n');
  return { path, runs, failFlag, sleeper: join(state, 'sleeper') };
}

/** A differ through `binary` that splits encodes into 1 MiB segments, 3 processes at most. */
function splitting(binary: string): Xdelta3Differ {
  return new Xdelta3Differ({ binary, encodeWorkers: 3, segmentUnitBytes: MIB });
}

/**
 * The use cases over a new bucket of the suite's server whose differ encodes in segments
 * of 1 MiB with 3 workers through the named wrapper; `v1` is already uploaded to `rel/`.
 */
async function withSegmentedService(
  name: string,
  body: (context: {
    xdelta3: Awaited<ReturnType<typeof wrapper>>;
    bucket: string;
    uploadV2: () => Promise<FileResult[]>;
    scratch: string;
  }) => Promise<void>,
): Promise<void> {
  const xdelta3 = await wrapper(name);
  const bucket = await server.createBucket();
  const storage = new S3Storage(s3TestOptions(server.endpoint));
  const fixture = await serviceOver(storage, {
    differ: splitting(xdelta3.path),
  });
  try {
    const space = { bucket, prefix: 'rel' };
    await fixture.service.uploads.uploadAll([v1], space);
    const uploadV2 = () => fixture.service.uploads.uploadAll([v2], space);
    await body({ xdelta3, bucket, uploadV2, scratch: join(fixture.dir, 'scratch') });
  } finally {
    storage.close();
    await fixture.cleanup();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dg-segmented-'));
  v1 = join(dir, 'app-1.zip');
  v2 = join(dir, 'app-2.zip');
  await writeArtifact(v1, 3 * MIB + 512 * 1024, 41);
  await writeNextVersion(v1, v2, { seed: 42 });
});

afterAll(async () => {
  raw.destroy();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('segmented encode', () => {
  test('three segments join into one VCDIFF that plain xdelta3 -d decodes byte-exact', async () => {
    const xdelta3 = await wrapper('plain');
    const differ = splitting(xdelta3.path);
    const delta = join(dir, 'plain.delta');
    const progress: number[] = [];
    await differ.encode(v1, v2, delta, { onProgress: (bytes) => progress.push(bytes) });

    const runs = await xdelta3.runs();
    expect(runs.filter((r) => r.startsWith('-v -e -c'))).toHaveLength(3);
    expect(runs.filter((r) => r.startsWith('recode'))).toHaveLength(1);
    const out = join(dir, 'plain.out');
    await run(XDELTA3, ['-d', '-f', '-s', v1, delta, out]);
    expect(await sha256File(out)).toBe(await sha256File(v2));
    // One file's progress: the segments' bytes add up to the whole target, never beyond.
    const total = (await readFile(v2)).length;
    expect(Math.max(...progress)).toBe(total);
    expect(progress.every((bytes) => bytes <= total)).toBe(true);
    // One header: xdelta3 reads the joined windows as one file.
    const { stdout } = await run(XDELTA3, ['printhdrs', delta], { maxBuffer: 16 * MIB });
    expect(stdout.match(/VCDIFF header size/g)).toHaveLength(1);
    expect(stdout).toMatch(/VCDIFF secondary compressor:\s+lzma/);
  });

  test('maxProcesses caps the split: 2 segments, or one plain process', async () => {
    const xdelta3 = await wrapper('capped');
    const differ = splitting(xdelta3.path);
    for (const maxProcesses of [2, 1]) {
      const delta = join(dir, `capped-${maxProcesses}.delta`);
      await differ.encode(v1, v2, delta, { maxProcesses });
      const out = join(dir, `capped-${maxProcesses}.out`);
      await run(XDELTA3, ['-d', '-f', '-s', v1, delta, out]);
      expect(await sha256File(out)).toBe(await sha256File(v2));
    }
    const runs = await xdelta3.runs();
    // 2: two segment encoders and their recode; 1: the single-process encode (-f, no -c).
    expect(runs.filter((r) => r.startsWith('-v -e -c'))).toHaveLength(2);
    expect(runs.filter((r) => r.startsWith('recode'))).toHaveLength(1);
    expect(runs.filter((r) => r.startsWith('-v -e -f'))).toHaveLength(1);
  });

  test('the reference DeltaGlider CLI downloads an object whose delta was encoded in segments', async () => {
    const availability = referenceCliAvailability();
    if (!availability.ok) {
      skipNote(availability.reason);
      return;
    }
    await withSegmentedService('oracle', async ({ xdelta3, bucket, uploadV2 }) => {
      const [result] = await uploadV2();
      expect(result?.kind).toBe('delta');
      expect((await xdelta3.runs()).filter((r) => r.startsWith('-v -e -c')).length).toBe(6);

      const out = join(dir, 'oracle-out');
      await mkdir(out);
      const got = await runReferenceCli(server.endpoint, [
        'cp',
        `s3://${bucket}/rel/app-2.zip`,
        join(out, 'app-2.zip'),
      ]);
      // The whole result on failure, so the oracle's stderr shows.
      expect(got).toMatchObject({ status: 0 });
      expect(await sha256File(join(out, 'app-2.zip'))).toBe(await sha256File(v2));
    });
  });

  test('one failing segment fails the encode, kills the others, writes nothing and leaves no temp files', async () => {
    await withSegmentedService('failing', async ({ xdelta3, bucket, uploadV2, scratch }) => {
      await writeFile(xdelta3.failFlag, '');

      const started = Date.now();
      await expect(uploadV2()).rejects.toThrow(/exited with 3: segment failed on purpose/);
      // The sleeping segment was killed, not waited for (it sleeps 60 s).
      expect(Date.now() - started).toBeLessThan(30_000);
      const sleeper = Number(await readFile(xdelta3.sleeper, 'utf8'));
      expect(() => process.kill(sleeper, 0)).toThrow();

      const listed = await raw.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
      expect(keys).toEqual(['rel/app-1.zip.delta', 'rel/reference.bin']);
      // The run's scratch directory (scratch/deltaglider-*) stays until dispose, empty.
      const left = await readdir(scratch, { recursive: true });
      expect(left.filter((name) => name.includes('/'))).toEqual([]);
    });
  });
});
