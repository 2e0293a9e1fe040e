// Turns AWS SDK failures into StorageErrors whose code says what kind of failure it was
// and whose message names the operation, the object and the endpoint, so the shells can
// print it without a stack and add their hint (the action names its inputs, the CLI its
// flags). The SDK error stays in `cause`. Errors are recognised by name and status rather
// than by class: the SDK's classes live in transitive packages, and S3-compatible servers
// vary in what they send.
import { DeltaGliderError, type ErrorCode, type ErrorFields } from '../../core/errors.js';
import { escapeLogLine } from '../../core/text-safety.js';

/** What the SDK said about a failed request. */
export interface S3Details {
  operation?: S3Operation;
  endpoint?: string;
  /** The S3 or Node error code (`AccessDenied`, `ECONNREFUSED`, ...). */
  awsCode?: string;
  status?: number;
  /** The IAM action the operation needs, for `storage-denied`. */
  permission?: string;
}

/** A storage failure; `message` and the neutral `hint` hold without a shell. */
export class StorageError extends DeltaGliderError {
  static override readonly defaultCode: ErrorCode = 'storage-failed';

  constructor(
    message: string,
    options?: {
      cause?: unknown;
      code?: ErrorCode;
      hint?: string;
      fields?: ErrorFields;
      s3?: S3Details;
    },
  ) {
    super(message, options?.hint, options);
    this.s3 = options?.s3 ?? {};
  }

  readonly s3: S3Details;
}

/** The S3 operations this adapter performs (multipart parts count as PutObject). */
export type S3Operation =
  | 'HeadObject'
  | 'GetObject'
  | 'ListObjectsV2'
  | 'PutObject'
  | 'CopyObject'
  | 'DeleteObject'
  | 'DeleteObjects'
  | 'HeadBucket';

/** The IAM action each operation needs (what an AccessDenied message should name). */
const REQUIRED_ACTION: Record<S3Operation, string> = {
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  PutObject: 's3:PutObject',
  CopyObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject',
  DeleteObjects: 's3:DeleteObject',
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

/** Wraps any SDK failure in a StorageError with the code that classifies it. */
export function toStorageError(error: unknown, context: S3ErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const { code, message, hint, permission } = classify(error, context);
  return new StorageError(message, {
    cause: error,
    code,
    hint,
    fields: { bucket: context.bucket, key: context.key },
    s3: {
      operation: context.operation,
      endpoint: context.endpoint,
      awsCode: errorCodeOf(error),
      status: httpStatusOf(error),
      permission,
    },
  });
}

interface Classified {
  code: ErrorCode;
  message: string;
  /** Shell-neutral; the shells' hints say it in their words. */
  hint?: string;
  permission?: string;
}

function classify(error: unknown, context: S3ErrorContext): Classified {
  const { operation, bucket, key, endpoint } = context;
  const target = s3Url(bucket, key);
  const code = errorCodeOf(error);
  const status = httpStatusOf(error);
  const detail = messageOf(error);

  if (code === 'CredentialsProviderError') {
    return {
      code: 'storage-no-credentials',
      message: `no AWS credentials found for ${operation} ${target}`,
      hint:
        'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus AWS_SESSION_TOKEN for ' +
        'temporary keys) in the environment, or use a profile or a role',
    };
  }
  // The SDK already retried transient failures: say how often, so a persistent one reads
  // as persistent.
  const attempts = shape(error).$metadata?.attempts;
  const tries = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return {
      code: 'storage-unreachable',
      message: `cannot reach the S3 endpoint ${endpoint} for ${operation} ${target}${tries} (${detail})`,
      hint: 'Check the endpoint URL and that the server is running and reachable from here',
    };
  }
  if (code !== undefined && DROPPED_CODES.has(code)) {
    return {
      code: 'storage-dropped',
      message:
        `the connection to the S3 endpoint ${endpoint} broke during ${operation} ${target}${tries} ` +
        `(${detail})`,
      hint: 'Try again, and allow more attempts if the network to this endpoint is flaky',
    };
  }
  if (code === 'TimeoutError' || code === 'RequestTimeout') {
    return {
      code: 'storage-timeout',
      message: `the S3 endpoint ${endpoint} timed out during ${operation} ${target} (${detail})`,
    };
  }
  if (code === 'NoSuchBucket' || (operation === 'HeadBucket' && status === 404)) {
    return {
      code: 'storage-no-bucket',
      message: `bucket ${bucket} does not exist at ${endpoint}`,
      hint: 'Check the bucket name in the S3 URL, and the endpoint',
    };
  }
  if (code === 'NoSuchKey' || (status === 404 && operation === 'GetObject')) {
    return { code: 'storage-no-key', message: `object ${target} does not exist` };
  }
  if (code !== undefined && REJECTED_CREDENTIALS.has(code)) {
    return {
      code: 'storage-bad-credentials',
      message: `S3 rejected the credentials (${code}) for ${operation} ${target}`,
      hint:
        'Check that AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) belong ' +
        'together and have not expired',
    };
  }
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return {
      code: 'storage-wrong-region',
      message: `bucket ${bucket} is not in the configured region (${code ?? status}: ${detail})`,
      hint: 'Set AWS_REGION to the bucket region',
    };
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
    // IAM is the same whatever the shell: the whole advice stays in the message.
    return {
      code: 'storage-denied',
      permission: action,
      message:
        `access denied: ${operation} ${target} needs the ${action} permission on ${resource}` +
        `${missingKeyNote}; grant it to the role or user these credentials belong to` +
        `${kmsNote}${said}`,
    };
  }
  const why = [code, status === undefined ? undefined : `HTTP ${status}`]
    .filter((part) => part !== undefined)
    .join(', ');
  return {
    code: 'storage-failed',
    message: `S3 ${operation} ${target} at ${endpoint} failed${why ? ` (${why})` : ''}${tries}: ${detail}`,
  };
}

/**
 * A store's answer for a warning: "HTTP 400 InvalidRequest: <its message>", bounded and
 * escaped (the server wrote it).
 */
export function describeAnswer(error: unknown): string {
  const status = httpStatusOf(error);
  const code = errorCodeOf(error);
  const message = messageOf(error);
  const said = message && message !== 'UnknownError' && message !== code;
  const text = [status === undefined ? undefined : `HTTP ${status}`, code]
    .filter(Boolean)
    .join(' ');
  return escapeLogLine(`${text}${said ? `: ${message.slice(0, 200)}` : ''}`);
}
