// The dg-* metadata an upload writes stays within S3's 2 KB of user metadata, whatever
// the file name and prefix: built through the real uploader (smart references with their
// sketch, an archive-aware delta, a long non-ASCII prefix and the longest name allowed),
// measured at a relay that refuses larger metadata with 400 MetadataTooLarge, as S3 does.
import { afterAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { InputError } from '../../src/core/errors.js';
import { METADATA_LIMIT_BYTES, worstCaseMetadataBytes } from '../../src/core/metadata-budget.js';
import { DEFAULT_REFERENCE_POLICY } from '../../src/core/references/choose.js';
import type { DeltaSpace } from '../../src/core/models.js';
import { s3TestOptions, startS3Server } from '../helpers/s3-server.js';
import { FaultProxy, type SeenRequest } from '../helpers/fault-proxy.js';
import { serviceOver } from '../helpers/service-fixture.js';
import { releaseTree } from '../helpers/tool-archives.js';
import { listKeys } from '../helpers/bucket.js';
import { createS3Client } from '../../src/adapters/s3/client.js';

const server = await startS3Server();
const bucket = await server.createBucket();
const raw = createS3Client(s3TestOptions(server.endpoint));
const proxy = await FaultProxy.start(server.endpoint);
const s3 = new S3Storage({ ...s3TestOptions(proxy.endpoint), maxAttempts: 1 });
const work = await mkdtemp(path.join(tmpdir(), 'dg-meta-budget-'));

afterAll(async () => {
  s3.close();
  raw.destroy();
  await proxy.stop();
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

/** User metadata of a request as S3 counts it: name (without x-amz-meta-) and value bytes. */
function userMetadataBytes(headers: IncomingHttpHeaders): number {
  let total = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    total += Buffer.byteLength(name.slice('x-amz-meta-'.length)) + Buffer.byteLength(String(value));
  }
  return total;
}
proxy.failNext(Infinity, {
  status: 400,
  code: 'MetadataTooLarge',
  message: 'Your metadata headers exceed the maximum allowed metadata size',
  match: (r) => userMetadataBytes(r.headers) > METADATA_LIMIT_BYTES,
});
const writes = (): SeenRequest[] =>
  proxy.seen.filter((r) => r.method === 'PUT' || r.method === 'POST');

// A prefix a user could choose: long, with non-ASCII (RFC 2047-encoded in dg-ref-key).
const space: DeltaSpace = {
  bucket,
  prefix: `releases/${'überlänge-'.repeat(12)}/linux-x86_64`,
};

/** The longest stem of `char`s for which `<stem>-<digit>.tgz` fits in `where`. */
function longestName(where: DeltaSpace, char: string): string {
  let stem = '';
  while (worstCaseMetadataBytes(where, `${stem}${char}-1.tgz`) <= METADATA_LIMIT_BYTES) {
    stem += char;
  }
  return stem;
}

/** Release `release` as a .tgz (stored under a name given to upload: local file names
 * stop at 255 bytes, S3 names do not). */
async function tgz(release: 1 | 2): Promise<string> {
  const out = path.join(work, `built-${release}.tgz`);
  if (!existsSync(out)) {
    const tree = await releaseTree(path.join(work, `tree-${release}`), release, 12);
    execFileSync('tar', ['czf', out, '-C', path.dirname(tree), path.basename(tree)]);
  }
  return out;
}

describe.each([
  ['ASCII', 'a'],
  ['non-ASCII', 'é'],
])('the longest %s name allowed', (label, char) => {
  // Two spaces with prefixes of one length: the first gets objects, the second must not.
  const written: DeltaSpace = { ...space, prefix: `${space.prefix}/${label}-1` };
  const refused: DeltaSpace = { ...space, prefix: `${space.prefix}/${label}-2` };

  test('reference, zero-diff and archive-aware delta all fit in 2 KB', async () => {
    const stem = longestName(written, char);
    expect(stem.length).toBeGreaterThan(20);
    const fx = await serviceOver(s3, {
      archiveAware: true,
      references: DEFAULT_REFERENCE_POLICY,
      minDeltaBytes: 0,
    });
    const before = writes().length;
    try {
      const first = await fx.service.uploads.upload(await tgz(1), written, `${stem}-1.tgz`);
      const second = await fx.service.uploads.upload(await tgz(2), written, `${stem}-2.tgz`);
      expect([first.kind, second.kind]).toEqual(['reference', 'delta']);

      const ours = writes().slice(before);
      expect(ours.filter((r) => r.outcome !== 'forwarded')).toEqual([]);
      const sizes = ours.map((r) => userMetadataBytes(r.headers));
      const largest = Math.max(...sizes);
      expect(largest).toBeLessThanOrEqual(METADATA_LIMIT_BYTES);
      // The archive-aware delta was among them, and the budget is really being used: the
      // worst case also reserves an extra reference's longer dg-ref-key (+26 bytes),
      // 16-digit sizes and a full 256-character dg-delta-cmd, which this upload lacks.
      expect(ours.some((r) => r.headers['x-amz-meta-dg-archive-codec'] === 'gzip')).toBe(true);
      expect(largest).toBeGreaterThan(METADATA_LIMIT_BYTES - 400);
    } finally {
      await fx.cleanup();
    }
  }, 120_000);

  test('one character more is refused before anything is written', async () => {
    const name = `${longestName(refused, char)}${char}-1.tgz`;
    const fx = await serviceOver(s3, { archiveAware: true });
    const before = writes().length;
    try {
      const error = await fx.service.uploads
        .upload(await tgz(1), refused, name)
        .catch((e: unknown) => e as InputError);
      expect(error).toBeInstanceOf(InputError);
      expect(error).toMatchObject({ code: 'unsafe-name' });
      expect((error as Error).message).toContain(`allows ${METADATA_LIMIT_BYTES}`);
      expect(writes().length).toBe(before);
      expect(await listKeys(raw, bucket, `${refused.prefix}/`)).toEqual([]);
    } finally {
      await fx.cleanup();
    }
  }, 60_000);
});
