// Jest globalSetup (jest.config.js): one local S3 server for the whole run instead of one
// per suite. Test processes inherit DG_TEST_S3_SHARED and attach to it through
// startS3Server (scripts/lib/local-s3.mjs); each suite makes its own buckets.
// global-teardown.mjs stops it.
import { startSharedS3Server } from '../../scripts/lib/local-s3.mjs';

export default async function globalSetup() {
  // The notice about a less capable server (no moto) prints once, like a skip note.
  globalThis.stopSharedS3 = await startSharedS3Server({
    warn: (message) => process.stderr.write(`skipped: ${message}\n`),
  });
}
