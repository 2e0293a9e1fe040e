// Builds the S3Client from the few options people set. Credentials always come from the
// SDK default chain (environment, shared config, web identity / OIDC, container and
// instance roles): they are never passed around here, and never logged.

import { S3Client } from '@aws-sdk/client-s3';
import { StorageError } from './errors.js';

export interface S3ClientOptions {
  /** Default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1. */
  region?: string;
  /** An S3-compatible endpoint (MinIO, Ceph, R2, moto, …) instead of AWS. */
  endpointUrl?: string;
  /**
   * Path-style URLs (`host/bucket/key`). Default: on with an `endpointUrl` (MinIO, Ceph
   * and loopback servers have no per-bucket DNS names), off on AWS.
   */
  forcePathStyle?: boolean;
  /** Attempts per request including the first (SDK default: 3). */
  maxAttempts?: number;
  /**
   * Flexible checksums (CRC32 on every put, validated on every get). Default:
   * 'when-supported' on AWS, 'when-required' with an `endpointUrl`. See below why.
   */
  checksums?: 'when-supported' | 'when-required';
}

const DEFAULT_REGION = 'us-east-1';
// Only the connect phase is bounded: a black-holed endpoint fails in 10 s instead of
// hanging, while a slow multi-GB transfer is never cut off.
const CONNECTION_TIMEOUT_MS = 10_000;

export function resolveRegion(options: S3ClientOptions, env = process.env): string {
  return options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || DEFAULT_REGION;
}

/** The endpoint as error messages name it: the configured URL minus any user:password. */
export function describeEndpoint(options: S3ClientOptions, env = process.env): string {
  if (!options.endpointUrl) return `https://s3.${resolveRegion(options, env)}.amazonaws.com`;
  const url = parseEndpoint(options.endpointUrl);
  url.username = '';
  url.password = '';
  return url.href.replace(/\/$/, '');
}

function parseEndpoint(endpointUrl: string): URL {
  let url: URL;
  try {
    url = new URL(endpointUrl);
  } catch (error) {
    throw new StorageError(`the S3 endpoint '${endpointUrl}' is not a URL`, {
      cause: error,
      code: 'bad-setting',
      hint: 'Write it like https://minio.example.com:9000',
      fields: { setting: 'endpoint' },
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StorageError(`the S3 endpoint '${endpointUrl}' must start with http:// or https://`, {
      code: 'bad-setting',
      fields: { setting: 'endpoint' },
    });
  }
  return url;
}

export function createS3Client(options: S3ClientOptions = {}, env = process.env): S3Client {
  const custom = Boolean(options.endpointUrl);
  if (options.endpointUrl) parseEndpoint(options.endpointUrl);
  // Checksums: SDK >= 3.729 adds CRC32 to every put and validates it on get. Measured
  // here: moto 5.2 and fauxqs 1.9.2 store byte-exact bodies with the defaults, both for
  // lib-storage's buffered parts and for aws-chunked streamed puts. But many
  // S3-compatible stores (older MinIO/Ceph, some vendors) reject the checksum headers
  // or trailers, and s3rver corrupts streamed bodies under them; so with a custom
  // endpoint we only send checksums an operation requires. Integrity does not depend on
  // them: every object we read is checked against its dg-file-sha256.
  const checksums = options.checksums ?? (custom ? 'when-required' : 'when-supported');
  const mode = checksums === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return new S3Client({
    region: resolveRegion(options, env),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    forcePathStyle: options.forcePathStyle ?? custom,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    requestChecksumCalculation: mode,
    responseChecksumValidation: mode,
    // On AWS, a bucket in another region answers 301; follow it rather than fail.
    followRegionRedirects: !custom,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS },
  });
}
