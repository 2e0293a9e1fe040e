// The built bundle with `presign` and `command: purge`: every uploaded file gets a URL
// that a plain GET downloads byte-exact (a delta through a whole copy under
// .deltaglider/tmp/ that expires with it), the URLs never reach the log, and purge
// removes exactly the expired copies. Bad durations fail with one line.
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readField } from '../../src/core/metadata.js';
import { parseExpiresAt } from '../../src/core/rehydrate.js';
import { runCli } from '../helpers/cli.js';
import { listKeys } from '../helpers/bucket.js';
import { expectOneError, useBundleSuite } from '../helpers/bundle-suite.js';

const suite = useBundleSuite();
const run = suite.run;
const oneError = expectOneError;

const tmpKeys = () => listKeys(suite.raw, suite.bucket, '.deltaglider/tmp/');

describe('presign', () => {
  it('gives each file a URL that downloads its exact bytes under its name', async () => {
    const binary = randomBytes(2 * 1024 * 1024);
    await writeFile(join(suite.job.workspace, 'app.bin'), binary);
    await writeFile(join(suite.job.workspace, 'notes.txt'), 'release notes\n');
    const before = Date.now();
    const up = await run({
      path: 'app.bin\nnotes.txt',
      's3-url': `s3://${suite.bucket}/rel/`,
      presign: '2h',
      summary: 'true',
    });
    expect(up.code).toBe(0);
    const kinds = Object.fromEntries(
      (JSON.parse(up.outputs.results!) as { name: string; kind: string }[]).map((r) => [
        r.name,
        r.kind,
      ]),
    );
    expect(kinds).toEqual({ 'app.bin': 'reference', 'notes.txt': 'direct' });
    const urls = JSON.parse(up.outputs.urls!) as Record<string, string>;
    // The job summary links each file (HTML-escaped) in its Download column.
    expect(up.summary).toContain('<th>Download</th>');
    for (const url of Object.values(urls)) {
      expect(up.summary).toContain(`<a href="${url.replace(/&/g, '&amp;')}">download</a>`);
    }
    expect(Object.keys(urls).sort()).toEqual(['app.bin', 'notes.txt']);
    for (const url of Object.values(urls)) {
      expect(url).toMatch(/X-Amz-Signature=[0-9a-f]{64}/);
      expect(url).toMatch(/X-Amz-Expires=7200(&|$)/);
      expect(up.stdout).not.toContain(new URL(url).searchParams.get('X-Amz-Signature')!);
    }
    // The direct object is presigned where it is; the delta through a whole copy.
    expect(urls['notes.txt']).toContain('/rel/notes.txt?');
    const copies = await tmpKeys();
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/^\.deltaglider\/tmp\/[0-9a-f]{32}_app\.bin$/);
    expect(urls['app.bin']).toContain(copies[0]!.replace(/^\.deltaglider/, ''));
    const head = await suite.raw.send(
      new HeadObjectCommand({ Bucket: suite.bucket, Key: copies[0]! }),
    );
    expect(head.Metadata?.['dg-rehydrated']).toBe('true');
    const expires = parseExpiresAt(head.Metadata!['dg-expires-at']!)!.getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 7200_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 7200_000);

    const got = await fetch(urls['app.bin']!);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(binary)).toBe(true);
    // The copy's random key is not the name a browser saves it under (S3 answers with the
    // signed response-content-disposition; moto ignores it, so the URL is checked).
    expect(new URL(urls['app.bin']!).searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="app.bin"; filename*=UTF-8''app.bin`,
    );
    const notes = await fetch(urls['notes.txt']!);
    expect(await notes.text()).toBe(await readFile(join(suite.job.workspace, 'notes.txt'), 'utf8'));
  }, 60_000);

  it('presigns a file with a non-ASCII name: its copy records the name readably, outputs are set', async () => {
    const name = 'relé-ü-文件.bin';
    const bytes = randomBytes(2 * 1024 * 1024);
    await writeFile(join(suite.job.workspace, name), bytes);
    // A bucket of its own: purge's test counts the copies in the suite's.
    const bucket = await suite.server.createBucket();
    const up = await run({ path: name, 's3-url': `s3://${bucket}/intl/`, presign: '1h' });
    expect(up.code).toBe(0);
    const [result] = JSON.parse(up.outputs.results!) as { name: string; key: string }[];
    expect(result).toMatchObject({ name, kind: 'reference' });
    const urls = JSON.parse(up.outputs.urls!) as Record<string, string>;
    expect(Object.keys(urls)).toEqual([name]);
    const got = await fetch(urls[name]!);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    expect(new URL(urls[name]!).searchParams.get('response-content-disposition')).toBe(
      `attachment; filename="rel_-_-__.bin"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
    // The copy's metadata travels as headers: encoded, and decoded back to the names.
    const copy = (await listKeys(suite.raw, bucket, '.deltaglider/tmp/')).find((k) =>
      k.endsWith(`_${name}`),
    )!;
    const head = await suite.raw.send(new HeadObjectCommand({ Bucket: bucket, Key: copy }));
    expect(readField(head.Metadata!, 'original-key')).toBe(result!.key);
    expect(readField(head.Metadata!, 'original-filename')).toBe(name);
    // The CLI reads the same file back, and purge keeps the live copy.
    const cache = join(suite.job.dir, 'cli-cache');
    const back = join(suite.job.dir, 'back.bin');
    const cp = await runCli(
      ['cp', `s3://${bucket}/intl/${name}`, back],
      suite.server.endpoint,
      cache,
    );
    expect(cp.code).toBe(0);
    expect((await readFile(back)).equals(bytes)).toBe(true);
    const purge = await runCli(
      ['purge', '--dryrun', `s3://${bucket}/`],
      suite.server.endpoint,
      cache,
    );
    expect(purge.code).toBe(0);
    expect(await listKeys(suite.raw, bucket, '.deltaglider/tmp/')).toContain(copy);
  }, 60_000);

  it.each(['8d', 'soon', '0', '1w'])('refuses presign: %s with one error line', async (value) => {
    const result = await run({
      path: 'notes.txt',
      's3-url': `s3://${suite.bucket}/rel/`,
      presign: value,
    });
    expect(oneError(result)).toBe(
      `::error::Input presign must be a duration from 1s to 7d, such as 30m, 12h or 7d; got "${value}"`,
    );
  });
});

describe('purge', () => {
  it('removes the expired copies of the bucket and keeps the rest', async () => {
    const put = (key: string, metadata: Record<string, string>) =>
      suite.raw.send(
        new PutObjectCommand({ Bucket: suite.bucket, Key: key, Body: 'x', Metadata: metadata }),
      );
    // As the reference CLI writes them: Python isoformat, with and without an offset.
    await put('.deltaglider/tmp/0123_old.zip', {
      'dg-expires-at': '2020-01-01T00:00:00.123456+00:00',
    });
    await put('.deltaglider/tmp/4567_naive.zip', { 'dg-expires-at': '2020-01-01T00:00:00' });
    await put('.deltaglider/tmp/89ab_keep.zip', {});
    const live = await tmpKeys();
    const purge = await run({ command: 'purge', 's3-url': `s3://${suite.bucket}/` });
    expect(purge.code).toBe(0);
    expect(purge.outputs.files).toBe('2');
    expect(purge.outputs['stored-bytes']).toBe('2');
    expect(await tmpKeys()).toEqual(
      live.filter((k) => !k.endsWith('_old.zip') && !k.endsWith('_naive.zip')),
    );
    expect(purge.stdout).toMatch(/removed 2 expired copies \(2 bytes\), kept 2/);
  }, 60_000);
});
