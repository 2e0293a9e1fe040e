import { directKey, spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import type { DeltaSpace } from '../core/models.js';
import { formatS3Url, parseS3Url } from '../core/s3-url.js';
import type { VerifyResult } from '../core/verifier.js';
import { defineCommand, withSession } from './command.js';
import { formatBytes, printJson, renderTable, terminalText } from './output.js';

interface Verified {
  space: DeltaSpace;
  result: VerifyResult;
}

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'rebuild files from the bucket and check their sha256, keeping nothing',
  usage: [
    'deltaglider verify [options] s3://BUCKET/PREFIX/NAME...',
    'deltaglider verify [options] s3://BUCKET/PREFIX/',
  ],
  description: `Rebuilds each named file (or every file of a DeltaSpace) in a scratch directory,
checks it against the sha256 recorded at upload, and deletes it. References are
read from the bucket, never from the local cache, so a damaged reference.bin is
found too. Objects that no DeltaGlider wrote have no sha256 and are reported as
"unchecked". Exits with 1 when any file fails.`,
  positionals: { min: 1, max: Number.POSITIVE_INFINITY, what: 'one or more s3:// URLs' },
  examples: [
    'deltaglider verify s3://releases/app/',
    'deltaglider verify s3://releases/app/app-1.2.0.zip',
  ],
  async run(context) {
    const urls = context.positionals.map((arg) => parseS3Url(arg));
    const verified: Verified[] = [];
    await withSession(context, async ({ service }) => {
      for (const url of urls) {
        if (url.isPrefix) {
          const space = spaceFromPrefixUrl(url);
          for (const result of await service.verifyAll(space)) verified.push({ space, result });
        } else {
          const { space, name } = splitObjectUrl(url);
          verified.push({ space, result: await service.verify(space, name) });
        }
      }
    });
    const count = (status: VerifyResult['status']) =>
      verified.filter((v) => v.result.status === status).length;
    const failed = count('failed');
    const { io } = context;
    if (context.global.json) {
      printJson(io, {
        ok: count('ok'),
        failed,
        unchecked: count('unchecked'),
        results: verified.map(({ space, result: r }) => ({
          name: r.name,
          key: r.key,
          kind: r.kind,
          status: r.status,
          'original-bytes': r.originalBytes,
          'stored-bytes': r.storedBytes,
          ...(r.sha256 ? { sha256: r.sha256 } : {}),
          ...(r.problem ? { problem: r.problem } : {}),
          url: formatS3Url(space.bucket, directKey(space, r.name)),
        })),
      });
    } else {
      const spaces = new Set(verified.map((v) => `${v.space.bucket}/${v.space.prefix}`));
      const label = ({ space, result }: Verified) =>
        spaces.size > 1 ? formatS3Url(space.bucket, directKey(space, result.name)) : result.name;
      const rows = verified.map((v) => [
        label(v),
        v.result.kind,
        v.result.status === 'failed' ? '' : formatBytes(v.result.originalBytes),
        v.result.sha256?.slice(0, 16) ?? '',
        v.result.status === 'ok' ? 'OK' : v.result.status === 'failed' ? 'FAILED' : 'unchecked',
      ]);
      io.out(
        renderTable(['NAME', 'KIND', 'SIZE', 'SHA256', 'RESULT'], rows, [
          'left',
          'left',
          'right',
          'left',
          'left',
        ]),
      );
      for (const v of verified.filter((v) => v.result.problem)) {
        io.out(`\n${terminalText(`${label(v)}: ${v.result.problem}`)}\n`);
      }
      const summary = [`${count('ok')} ok`, `${failed} failed`];
      if (count('unchecked') > 0)
        summary.push(`${count('unchecked')} unchecked (no sha256 metadata)`);
      io.out(`\n${summary.join(', ')}\n`);
    }
    if (failed === 0) return 0;
    io.err(`deltaglider: ${failed} of ${verified.length} file(s) failed verification\n`);
    return 1;
  },
});
