// Where the S3 endpoint of a run comes from, one rule for both shells: the shell's own
// setting (the endpoint-url input, the --endpoint-url flag), else AWS_ENDPOINT_URL_S3,
// else AWS_ENDPOINT_URL, as the AWS CLI and SDKs read them. Resolved here rather than
// left to the SDK, so that the storage built on it knows it talks to a custom endpoint:
// path-style addressing, only the checksums an operation requires, no AWS region
// redirects, and errors that name that endpoint (adapters/s3/client.ts, errors.ts).

/** The endpoint to use, or undefined for AWS S3. */
export function resolveEndpointUrl(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const given = explicit?.trim();
  if (given) return given;
  // The AWS SDKs' switch for ignoring the endpoint variables.
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true') return undefined;
  return env.AWS_ENDPOINT_URL_S3?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined;
}
