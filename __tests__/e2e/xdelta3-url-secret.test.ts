// A presigned xdelta3-url carries its signature in the query. With debug logging on
// (RUNNER_DEBUG=1), @actions/tool-cache logs the URL it downloads; the bundle registers
// the URL and its query as secrets first, so the runner hides them. This harness has no
// runner: the raw values must appear in no line but their own `::add-mask::`, and the
// masks must come before the download.
import { expect, it } from '@jest/globals';
import { join } from 'node:path';
import { writeArtifact } from '../../scripts/lib/artifacts.mjs';
import { runAction } from '../../scripts/lib/run-action.mjs';
import { useXdelta3MirrorSuite } from '../helpers/mirror-suite.js';

const QUERY =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIADGPRESIGNED01%2F20261129%2Fus-east-1' +
  '%2Fs3%2Faws4_request&X-Amz-Expires=300&X-Amz-Signature=9f3c1e0d5b7a2c4e6f8091a2b3c4d5e6f70819';

const suite = useXdelta3MirrorSuite();

it('a presigned xdelta3-url is masked before tool-cache logs the download', async () => {
  const file = join(suite.job.dir, 'app.bin');
  await writeArtifact(file, 1024 * 1024, 7);
  const url = `${suite.tools.url('xdelta3.tar.gz')}?${QUERY}`;
  const run = await runAction(
    'main',
    {
      'endpoint-url': suite.server.endpoint,
      region: 'us-east-1',
      's3-url': `s3://${suite.bucket}/presigned/`,
      path: file,
      comment: 'never',
      'xdelta3-url': url,
      'xdelta3-sha256': suite.archiveSha,
    },
    {
      runner: suite.job,
      env: {
        PATH: suite.barePath,
        RUNNER_TOOL_CACHE: join(suite.job.dir, 'tool-cache'),
        RUNNER_DEBUG: '1',
      },
    },
  );
  expect(run.code).toBe(0);
  // The download did happen, with the query, and tool-cache logged at debug level.
  expect(suite.tools.requests).toContain('/xdelta3.tar.gz');
  expect(run.stdout).toMatch(/^::debug::/m);

  const lines = (run.stdout + '\n' + run.stderr).split('\n');
  const signature = QUERY.replace(/.*X-Amz-Signature=/, '');
  const view = asTheRunnerShows(lines);
  // tool-cache did log the URL, and the runner shows it masked.
  expect(view.some((line) => line.includes('Downloading ***'))).toBe(true);
  expect(view.filter((line) => line.includes(signature))).toEqual([]);
  expect(view.filter((line) => line.includes('AKIADGPRESIGNED01'))).toEqual([]);
}, 120_000);

/** Command data as the runner reads it back (@actions/core's escapeData, reversed). */
const unescape = (data: string) =>
  data.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');

/**
 * The log as the runner shows it: `::add-mask::` registers a value, and from then on
 * every occurrence of it is replaced by `***`. A value printed before its mask stays.
 */
function asTheRunnerShows(lines: readonly string[]): string[] {
  const masks: string[] = [];
  const view: string[] = [];
  for (const line of lines) {
    const mask = /^::add-mask::(.*)$/.exec(line);
    if (mask) {
      masks.push(unescape(mask[1]!));
      continue;
    }
    let shown = unescape(line);
    // Longest first, as the runner does, so a full URL wins over its query.
    for (const value of [...masks].sort((a, b) => b.length - a.length))
      shown = shown.split(value).join('***');
    view.push(shown);
  }
  return view;
}
