// Types for local-s3.mjs (plain JavaScript so Node scripts run it without a build).

export interface S3ServerCapabilities {
  /** The server honours `If-None-Match: *` (412 when the key exists). */
  conditionalWrites: boolean;
  /** Largest request body the server accepts (Infinity when unbounded). */
  maxBodyBytes: number;
}

export interface S3TestServer {
  endpoint: string;
  kind: 'moto' | 'fauxqs' | 'ceph' | 'external';
  capabilities: S3ServerCapabilities;
  /** Time from spawn to the first HTTP answer (0 for an external server). */
  startupMs: number;
  /** Creates a bucket (a unique name unless given) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** Stops the server (external or shared: deletes the buckets this handle created). */
  stop(): Promise<void>;
}

export interface StartS3ServerOptions {
  env?: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
}

export function startS3Server(options?: StartS3ServerOptions): Promise<S3TestServer>;

/**
 * Starts the one server a test run shares and publishes it in `env` (DG_TEST_S3_SHARED),
 * so that `startS3Server` in the test processes attaches to it; nothing when S3_ENDPOINT
 * is set. Resolves to the function that stops it.
 */
export function startSharedS3Server(options?: StartS3ServerOptions): Promise<() => Promise<void>>;

export function s3TestOptions(endpoint: string): {
  endpointUrl: string;
  forcePathStyle: true;
  region: string;
};
