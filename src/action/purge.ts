import type { App } from '../app/create-app.js';
import { purge } from '../app/purge.js';
import { formatBytes } from '../core/format.js';
import { formatS3Url } from '../core/s3-url.js';
import { escapeLogLine } from '../core/text-safety.js';
import type { CommandReport } from './report.js';
import type { ActionInputs } from './inputs.js';
import { actionsLogger } from './logger.js';

/**
 * `command: purge`: removes the expired full copies that `presign` (or the reference
 * CLI) wrote under `.deltaglider/tmp/` of the s3-url's bucket. Outputs: `files` (copies
 * removed) and `stored-bytes` (their bytes).
 */
export async function runPurge(app: App, inputs: ActionInputs): Promise<CommandReport> {
  const { bucket } = inputs.s3Url;
  const report = await purge(app, bucket);
  const bytes = report.expired.reduce((sum, e) => sum + e.size, 0);
  const location = formatS3Url(bucket, report.prefix);
  for (const e of report.expired) {
    actionsLogger.info(
      escapeLogLine(`removed ${formatS3Url(bucket, e.key)} (expired ${e.expiresAt})`),
    );
  }
  const summary = `${location}: removed ${report.expired.length} expired cop${report.expired.length === 1 ? 'y' : 'ies'} (${bytes} bytes), kept ${report.kept}`;
  actionsLogger.info(summary);
  return {
    title: 'DeltaGlider purge',
    location: { label: 'Location', url: location },
    outputs: { files: report.expired.length, 'stored-bytes': bytes },
    table: {
      headers: ['Removed copy', 'Size', 'Expired'],
      rows: report.expired.map((e) => [e.key, formatBytes(e.size), e.expiresAt]),
    },
    notes: [`Kept ${report.kept}: not expired yet, or without dg-expires-at`],
  };
}
