// Content-MD5 on DeleteObjects. S3's API reference has always required it there, and
// some stores enforce that (MinIO releases of 2024, Dell ECS: "Missing required header
// for this request: Content-MD5", 400 InvalidRequest). AWS SDK v3 (>= 3.729) sends a
// CRC32 checksum instead, under WHEN_REQUIRED too. The MD5 of a DeleteObjects body (at
// most 1,000 keys, ~100 KB) costs nothing and every S3 implementation accepts it, so it
// is always sent: no setting for users to discover only after their prune failed.
import { createHash } from 'node:crypto';
import type { DeleteObjectsCommand } from '@aws-sdk/client-s3';

export function withContentMd5(command: DeleteObjectsCommand): DeleteObjectsCommand {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      const body = request.body;
      // Build step: serialized, not yet signed, so the header is signed with the rest.
      if (request.headers && (typeof body === 'string' || body instanceof Uint8Array)) {
        request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
      }
      return next(args);
    },
    { step: 'build', name: 'deltagliderContentMd5' },
  );
  return command;
}
