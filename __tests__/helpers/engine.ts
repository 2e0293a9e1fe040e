import { createS3Storage, type S3Storage } from '../../src/adapters/s3/s3-storage.js';
import { createEngine, type Engine } from '../../src/engine.js';
import { s3TestOptions } from './s3-server.js';
import { recordingLogger } from './service-fixture.js';

// The action's engine (real xdelta3, S3 adapter) over a test server, as the action's
// commands get it: scratch and cache under the test's own directory.

export interface TestEngine {
  engine: Engine;
  storage: S3Storage;
  /** Disposes of the engine's scratch space and closes its S3 client. */
  close(): Promise<void>;
}

export function engineOver(endpoint: string, work: string, cacheRoot: string): TestEngine {
  const storage = createS3Storage(s3TestOptions(endpoint));
  const engine = createEngine({
    storage,
    log: recordingLogger(),
    xdelta3Binary: process.env.XDELTA3 ?? 'xdelta3',
    maxRatio: 0.5,
    concurrency: 2,
    scratchRoot: work,
    cacheRoot,
  });
  return {
    engine,
    storage,
    close: async () => {
      await engine.dispose();
      storage.close();
    },
  };
}
