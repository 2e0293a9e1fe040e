import type { StatsReport } from '../core/stats.js';
import type { App } from './create-app.js';

/** `stats`: totals for a bucket (`prefix` '') or everything under a prefix. */
export function stats(
  app: App,
  { bucket, prefix }: { bucket: string; prefix: string },
): Promise<StatsReport> {
  return app.core.inspection.stats(bucket, prefix);
}
