import { purgeExpired, type PurgeOptions, type PurgeReport } from '../core/rehydrate.js';
import type { App } from './create-app.js';

/** `purge`: removes the expired rehydrated copies under `.deltaglider/tmp/` of `bucket`. */
export function purge(app: App, bucket: string, options: PurgeOptions = {}): Promise<PurgeReport> {
  return purgeExpired(app.storage, bucket, app.clock.now(), options);
}
