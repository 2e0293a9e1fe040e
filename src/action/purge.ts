import * as core from '@actions/core';
import { formatS3Url } from '../core/s3-url.js';
import { escapeLogLine } from '../core/text-safety.js';
import { purgeExpired } from '../core/rehydrate.js';
import type { StoragePort } from '../ports.js';
import type { ActionInputs } from './inputs.js';

/**
 * `command: purge`: removes the expired full copies that `presign` (or the reference
 * CLI) wrote under `.deltaglider/tmp/` of the s3-url's bucket. Outputs: `files` (copies
 * removed) and `stored-bytes` (their bytes).
 */
export async function runPurge(storage: StoragePort, inputs: ActionInputs): Promise<void> {
  const { bucket } = inputs.s3Url;
  const report = await purgeExpired(storage, bucket, new Date());
  const bytes = report.expired.reduce((sum, e) => sum + e.size, 0);
  for (const e of report.expired)
    core.info(escapeLogLine(`removed ${formatS3Url(bucket, e.key)} (expired ${e.expiresAt})`));
  core.info(
    `${formatS3Url(bucket, report.prefix)}: removed ${report.expired.length} expired cop${report.expired.length === 1 ? 'y' : 'ies'} (${bytes} bytes), kept ${report.kept}`,
  );
  core.setOutput('files', report.expired.length);
  core.setOutput('stored-bytes', bytes);
}
