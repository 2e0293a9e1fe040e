import {
  formatHealthCheck,
  inShellWords,
  runHealthChecks,
  type HealthCheck,
} from '../adapters/health.js';
import { createS3Storage } from '../adapters/s3/s3-storage.js';
import type { App, StorageOptions } from './create-app.js';

// `doctor`: xdelta3, access to a bucket (one listing page, nothing written) and space for
// the reference cache. The action runs it on its app in debug mode; the CLI runs it
// alone, with no scratch folder, and a storage only when given a URL.

export { formatHealthCheck, inShellWords, type HealthCheck };

export interface DoctorRequest {
  xdelta3Binary: string;
  cacheDir: string;
  /** The bucket check runs when a location is given. */
  location?: { bucket: string; prefix: string; storage: StorageOptions };
}

export async function doctor(request: DoctorRequest): Promise<HealthCheck[]> {
  const { location } = request;
  const storage = location && createS3Storage(location.storage);
  try {
    return await runHealthChecks({
      xdelta3Binary: request.xdelta3Binary,
      cacheDir: request.cacheDir,
      storage,
      bucket: location?.bucket,
      prefix: location?.prefix,
    });
  } finally {
    storage?.close();
  }
}

/** The same checks on a running app's storage, xdelta3 and cache. */
export function checkApp(
  app: App,
  location: { bucket: string; prefix: string },
): Promise<HealthCheck[]> {
  return runHealthChecks({
    xdelta3Binary: app.options.xdelta3Binary,
    cacheDir: app.options.cacheRoot,
    storage: app.storage,
    ...location,
  });
}
