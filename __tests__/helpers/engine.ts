import { createApp, type App } from '../../src/app/create-app.js';
import { s3TestOptions } from './s3-server.js';
import { recordingLogger } from './service-fixture.js';

// The app the action's commands run on (real xdelta3, S3 adapter) over a test server:
// scratch and cache under the test's own directory. `close` removes its scratch folder
// and closes its S3 client.

export function appOver(endpoint: string, work: string, cacheRoot: string): App {
  return createApp({
    storage: s3TestOptions(endpoint),
    log: recordingLogger(),
    xdelta3Binary: process.env.XDELTA3 ?? 'xdelta3',
    maxRatio: 0.5,
    concurrency: 2,
    scratchRoot: work,
    cacheRoot,
  });
}
