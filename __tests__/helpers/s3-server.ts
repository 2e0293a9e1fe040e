// The S3 server every integration test uses. The implementation lives in
// scripts/lib/local-s3.mjs so the demo and benchmark scripts start the same server;
// see that file for how it chooses between S3_ENDPOINT, moto_server and fauxqs.
import {
  startS3Server as start,
  type S3TestServer,
  type StartS3ServerOptions,
} from '../../scripts/lib/local-s3.mjs';
import { skipNote } from './skip-note.js';

export { s3TestOptions } from '../../scripts/lib/local-s3.mjs';
export type { S3TestServer, S3ServerCapabilities } from '../../scripts/lib/local-s3.mjs';

/** Starts the test server; the notice about a less capable server prints as one line. */
export function startS3Server(options: StartS3ServerOptions = {}): Promise<S3TestServer> {
  return start({ warn: skipNote, ...options });
}

/**
 * Why the chosen store cannot take SSE headers, known before the server starts (suites
 * start it in beforeAll): Ceph RGW answers them with 400 InvalidRequest unless it serves
 * TLS and has a key backend (rgw crypt require ssl, rgw crypt s3 kms backend).
 */
export function sseUnsupported(env = process.env): string | undefined {
  return env.S3_TEST_SERVER === 'ceph'
    ? 'on ceph: RGW takes SSE headers only over TLS with a key backend'
    : undefined;
}
