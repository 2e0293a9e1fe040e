// Downloads an archive with tool-cache (which retries network errors and 5xx) and refuses
// it unless its sha256 is the one we expect. Nothing downloaded runs before this passes.
import * as tc from '@actions/tool-cache';
import { rm } from 'node:fs/promises';
import type { LoggerPort } from '../../../ports.js';
import { sha256File } from './checksum.js';
import { DeltaGliderError } from '../../../core/errors.js';

/**
 * The URL without credentials or query string: mirrors may be presigned URLs whose
 * signature must not reach the log.
 */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const auth = parsed.username || parsed.password ? '***@' : '';
    const query = parsed.search ? '?…' : '';
    return `${parsed.protocol}//${auth}${parsed.host}${parsed.pathname}${query}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Path of the downloaded archive under RUNNER_TEMP, verified; the caller deletes it. */
export async function downloadVerified(
  url: string,
  expectedSha256: string,
  log: LoggerPort,
): Promise<string> {
  const shown = displayUrl(url);
  log.info(`Downloading xdelta3 from ${shown}`);
  let file: string;
  try {
    file = await tc.downloadTool(url);
  } catch (error) {
    const detail =
      error instanceof tc.HTTPError
        ? `the server answered HTTP ${error.httpStatusCode}`
        : error instanceof Error
          ? error.message
          : String(error);
    throw new DeltaGliderError(
      `Could not download xdelta3 from ${shown}: ${detail}`,
      'Check that the URL is right and reachable from here, or give the path of an xdelta3 ' +
        'already on this machine',
      { code: 'xdelta3-download' },
    );
  }
  const actual = await sha256File(file);
  if (actual !== expectedSha256) {
    await rm(file, { force: true });
    throw new DeltaGliderError(
      `Checksum mismatch for the xdelta3 archive from ${shown}: expected sha256 ` +
        `${expectedSha256}, got ${actual}. The archive was deleted unused`,
      'If you gave a download URL, its sha256 must be that of the archive at that URL; ' +
        'otherwise the download was corrupted or the release asset changed: report it',
      { code: 'xdelta3-checksum' },
    );
  }
  log.info(`Verified sha256 ${actual}`);
  return file;
}
