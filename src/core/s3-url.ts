import { InputError } from './errors.js';

/** A parsed `s3://bucket/key` URL. `key` has no leading slash; it may be ''. */
export interface S3Url {
  bucket: string;
  key: string;
  /** True when the URL ends with '/' or names the bucket alone: a prefix, not an object. */
  isPrefix: boolean;
}

// S3 bucket naming rules (the subset that matters to catch typos early): 3-63 chars of
// lowercase letters, digits, dots and hyphens, starting and ending alphanumeric.
const BAD_URL = { code: 'bad-url', fields: { setting: 'location' } } as const;

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseS3Url(input: string): S3Url {
  const text = input.trim();
  const example = 'Use the form s3://bucket/prefix/ (a DeltaSpace) or s3://bucket/prefix/file.zip';
  if (!text.startsWith('s3://')) {
    throw new InputError(`"${input}" is not an S3 URL`, example, BAD_URL);
  }
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!BUCKET_NAME.test(bucket)) {
    throw new InputError(`"${input}" does not name a valid bucket ("${bucket}")`, example, BAD_URL);
  }
  if (key.startsWith('/') || key.includes('//')) {
    throw new InputError(`"${input}" has an empty path segment`, example, BAD_URL);
  }
  const segments = key.split('/');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw new InputError(`"${input}" contains a "." or ".." path segment`, example, BAD_URL);
  }
  return { bucket, key, isPrefix: key === '' || key.endsWith('/') };
}

export function formatS3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
