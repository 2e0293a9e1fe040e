import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';
import { runAction } from '../../scripts/lib/run-action.mjs';
import { createS3Storage } from '../../src/adapters/s3/s3-storage.js';
import { useXdelta3MirrorSuite } from '../helpers/mirror-suite.js';
import { s3TestOptions } from '../helpers/s3-server.js';

// The bundle on a runner without xdelta3: it downloads the archive named by xdelta3-url,
// verifies it against xdelta3-sha256, caches it in the tool cache and uses it.

const MB = 1024 * 1024;
const suite = useXdelta3MirrorSuite();

async function keysIn(name: string): Promise<string[]> {
  const storage = createS3Storage(s3TestOptions(suite.server.endpoint));
  const keys: string[] = [];
  for await (const object of storage.list(name, '')) keys.push(object.key);
  return keys;
}

function inputs(extra: Record<string, string>): Record<string, string> {
  return {
    'endpoint-url': suite.server.endpoint,
    'force-path-style': 'true',
    's3-url': `s3://${suite.bucket}/tools-test/`,
    ...extra,
  };
}

it('fails before writing anything when PATH has no xdelta3 and none is configured', async () => {
  const file = join(suite.job.dir, 'a.bin');
  await writeArtifact(file, 2 * MB, 3);
  const run = await runAction('main', inputs({ path: file }), {
    runner: suite.job,
    env: { PATH: suite.barePath },
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/::error::.*xdelta3-path.*xdelta3-url/s);
  expect(await keysIn(suite.bucket)).toEqual([]);
});

it('downloads, verifies and caches xdelta3 from xdelta3-url, then uses it', async () => {
  const v1 = join(suite.job.dir, 'app-1.bin');
  const v2 = join(suite.job.dir, 'app-2.bin');
  await writeArtifact(v1, 2 * MB, 5);
  await writeNextVersion(v1, v2);
  const toolCache = join(suite.job.dir, 'tool-cache');
  const env = { PATH: suite.barePath, RUNNER_TOOL_CACHE: toolCache };
  const mirror = {
    'xdelta3-url': suite.tools.url('xdelta3.tar.gz'),
    'xdelta3-sha256': suite.archiveSha,
  };

  const first = await runAction('main', inputs({ path: v1, ...mirror }), {
    runner: suite.job,
    env,
  });
  expect(first.stdout).not.toContain('::error::');
  expect(first.code).toBe(0);
  expect(first.outputs['xdelta3-path']).toContain(toolCache);
  expect(suite.tools.requests.filter((p) => p === '/xdelta3.tar.gz')).toHaveLength(1);

  const second = await runAction('main', inputs({ path: v2, ...mirror }), {
    runner: suite.job,
    env,
  });
  expect(second.code).toBe(0);
  expect(JSON.parse(second.outputs.results!)[0].kind).toBe('delta');
  // Found in the tool cache: no second download.
  expect(suite.tools.requests.filter((p) => p === '/xdelta3.tar.gz')).toHaveLength(1);
  expect(await readdir(toolCache)).not.toHaveLength(0);
}, 120_000);

it('fails with both hashes when the archive does not match xdelta3-sha256', async () => {
  const file = join(suite.job.dir, 'b.bin');
  await writeArtifact(file, 2 * MB, 4);
  const wrong = '0'.repeat(64);
  const run = await runAction(
    'main',
    inputs({
      path: file,
      's3-url': `s3://${suite.bucket}/checksum-test/`,
      'xdelta3-url': suite.tools.url('xdelta3.tar.gz'),
      'xdelta3-sha256': wrong,
    }),
    {
      runner: suite.job,
      env: { PATH: suite.barePath, RUNNER_TOOL_CACHE: join(suite.job.dir, 'tool-cache-2') },
    },
  );
  expect(run.code).toBe(1);
  const error = run.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? '';
  expect(error).toContain(wrong);
  expect(error).toContain(suite.archiveSha);
  expect(await keysIn(suite.bucket)).not.toContainEqual(expect.stringContaining('checksum-test/'));
});
