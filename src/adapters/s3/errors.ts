// Turns AWS SDK failures into one-line messages that name the cause and the fix, so
// the shells can print `message` without a stack. The SDK error stays in `cause`.
// Errors are recognised by name and status rather than by class: the SDK's classes
// live in transitive packages, and S3-compatible servers vary in what they send.

/** A storage failure the user can act on; `message` is complete on its own. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** The S3 operations this adapter performs (multipart parts count as PutObject). */
export type S3Operation =
  'HeadObject' | 'GetObject' | 'ListObjectsV2' | 'PutObject' | 'DeleteObject' | 'HeadBucket';

/** The IAM action each operation needs (what an AccessDenied message should name). */
const REQUIRED_ACTION: Record<S3Operation, string> = {
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  PutObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
  HeadBucket: 's3:ListBucket',
};

export interface S3ErrorContext {
  operation: S3Operation;
  bucket: string;
  key?: string;
  /** The endpoint as people configured it (without credentials). */
  endpoint: string;
}

// No connection could be made at all: a wrong endpoint, DNS, or a server that is down.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

// A connection was made, then lost in the middle of a request: the endpoint is right,
// the network (or the server, or a proxy between) is not, so the message says so.
const DROPPED_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

const REJECTED_CREDENTIALS = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'ExpiredTokenException',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** The HTTP status of an SDK error, when the server answered at all. */
export function httpStatusOf(error: unknown): number | undefined {
  return shape(error).$metadata?.httpStatusCode;
}

/** The S3 error code (`NoSuchKey`, `PreconditionFailed`, …) or the Node error code. */
export function errorCodeOf(error: unknown): string | undefined {
  const { name, Code, code, message } = shape(error);
  if (Code) return Code;
  if (name && name !== 'Error' && name !== 'UnknownError') return name;
  if (code) return code;
  // The SDK rewraps errors that are not `instanceof Error` in its own realm (Node's
  // socket errors under Jest's VM modules) as "AWS SDK error wrapper for Error: connect
  // ECONNREFUSED …", keeping only the text: recover the code from it.
  return /\b(E[A-Z]{4,})\b/.exec(message ?? '')?.[1];
}

function messageOf(error: unknown): string {
  const text = shape(error).message ?? String(error);
  return text.replace(/^AWS SDK error wrapper for (Error: )?/, '');
}

export function s3Url(bucket: string, key?: string): string {
  return key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`;
}

/** Wraps any SDK failure in a StorageError whose message says what to do. */
export function toStorageError(error: unknown, context: S3ErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  return new StorageError(describe(error, context), { cause: error });
}

function describe(error: unknown, context: S3ErrorContext): string {
  const { operation, bucket, key, endpoint } = context;
  const target = s3Url(bucket, key);
  const code = errorCodeOf(error);
  const status = httpStatusOf(error);
  const detail = messageOf(error);

  if (code === 'CredentialsProviderError') {
    return (
      `no AWS credentials found for ${operation} ${target}: in a workflow, add a step with ` +
      'aws-actions/configure-aws-credentials (OIDC role, needs `permissions: id-token: write`) ' +
      'before this one, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus ' +
      'AWS_SESSION_TOKEN for temporary keys) in the environment'
    );
  }
  // The SDK already retried transient failures: say how often, so a persistent one reads
  // as persistent.
  const attempts = shape(error).$metadata?.attempts;
  const tries = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return (
      `cannot reach the S3 endpoint ${endpoint} for ${operation} ${target}${tries} (${detail}): ` +
      'check endpoint-url and that the server is running and reachable from this runner'
    );
  }
  if (code !== undefined && DROPPED_CODES.has(code)) {
    return (
      `the connection to the S3 endpoint ${endpoint} broke during ${operation} ${target}${tries} ` +
      `(${detail}): re-run the step, and raise max-attempts if the network to this endpoint ` +
      'is flaky'
    );
  }
  if (code === 'TimeoutError' || code === 'RequestTimeout') {
    return `the S3 endpoint ${endpoint} timed out during ${operation} ${target} (${detail})`;
  }
  if (code === 'NoSuchBucket' || (operation === 'HeadBucket' && status === 404)) {
    return `bucket ${bucket} does not exist at ${endpoint} (check s3-url)`;
  }
  if (code === 'NoSuchKey' || (status === 404 && operation === 'GetObject')) {
    return `object ${target} does not exist`;
  }
  if (code !== undefined && REJECTED_CREDENTIALS.has(code)) {
    return (
      `S3 rejected the credentials (${code}) for ${operation} ${target}: check that ` +
      'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) belong together and ' +
      'have not expired, or re-run aws-actions/configure-aws-credentials'
    );
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return (
      `bucket ${bucket} is not in the configured region (${code ?? status}: ${detail}): set ` +
      'the region input or AWS_REGION to the bucket region'
    );
  }
  if (code === 'AccessDenied' || status === 403) {
    const action = REQUIRED_ACTION[operation];
    // s3:ListBucket is granted on the bucket; object actions on the object ARN.
    const onBucket = key === undefined || operation === 'ListObjectsV2';
    const resource = onBucket ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
    const missingKeyNote =
      operation === 'HeadObject' || operation === 'GetObject'
        ? ' (without s3:ListBucket on the bucket, S3 also answers 403 for a key that does not exist)'
        : '';
    const kmsNote = /kms/i.test(detail)
      ? '; with SSE-KMS the key policy must also allow kms:GenerateDataKey (uploads) and ' +
        'kms:Decrypt (downloads)'
      : '';
    // A HEAD answer has no body: the SDK then has nothing better than "UnknownError".
    const said = detail && detail !== 'UnknownError' ? ` (server said: ${detail})` : '';
    return (
      `access denied: ${operation} ${target} needs the ${action} permission on ${resource}` +
      `${missingKeyNote}; grant it to the role or user these credentials belong to` +
      `${kmsNote}${said}`
    );
  }
  const why = [code, status === undefined ? undefined : `HTTP ${status}`]
    .filter((part) => part !== undefined)
    .join(', ');
  return `S3 ${operation} ${target} at ${endpoint} failed${why ? ` (${why})` : ''}${tries}: ${detail}`;
}
