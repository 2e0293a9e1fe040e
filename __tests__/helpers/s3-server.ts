// The S3 server every integration test uses. The implementation lives in
// scripts/lib/local-s3.mjs so the demo and benchmark scripts start the same server;
// see that file for how it chooses between S3_ENDPOINT, moto_server and fauxqs.
export { startS3Server, s3TestOptions } from '../../scripts/lib/local-s3.mjs';
export type { S3TestServer, S3ServerCapabilities } from '../../scripts/lib/local-s3.mjs';
