import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createS3Client, type S3ClientOptions } from './client.js';

// Presigned GET URLs (SigV4 query signing; no request is made). A client of its own,
// with checksums only when required: otherwise the SDK would sign an
// `x-amz-checksum-mode` that a browser's plain GET never sends.

/** SigV4 presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface Presigner {
  /** A URL that downloads `key` as `fileName` for `seconds`. */
  url(bucket: string, key: string, fileName: string, seconds: number): Promise<string>;
  close(): void;
}

export function createPresigner(options: S3ClientOptions): Presigner {
  const client = createS3Client({ ...options, checksums: 'when-required' });
  return {
    url: (bucket, key, fileName, seconds) =>
      getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentDisposition: contentDisposition(fileName),
        }),
        { expiresIn: seconds },
      ),
    close: () => client.destroy(),
  };
}

/** `attachment` with an ASCII fallback name and the exact UTF-8 one (RFC 6266). */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
