import { spaceFromPrefixUrl, splitObjectUrl } from '../core/delta-space.js';
import { InputError } from '../core/errors.js';
import { formatBytes } from '../core/format.js';
import {
  fileJson,
  fileRecord,
  sharedSpaceUrl,
  verifyCounts,
  type FileRecord,
} from '../core/report.js';
import { spacesUnder } from '../app/spaces.js';
import { verify } from '../app/verify.js';
import { emptyShardNote, parseShard, type Shard } from '../core/lifecycle/shard.js';
import { parseS3Url } from '../core/s3-url.js';
import { strayFolders } from '../core/tree.js';
import { defineCommand, withSession } from './command.js';
import { printJson, renderTable, terminalText } from './output.js';

interface VerifyOptions {
  recursive: boolean;
  shard?: Shard;
}

export const verifyCommand = defineCommand<VerifyOptions>({
  name: 'verify',
  summary: 'rebuild files from the bucket and check their sha256, keeping nothing',
  usage: [
    'deltaglider verify [options] s3://BUCKET/PREFIX/NAME...',
    'deltaglider verify [options] s3://BUCKET/PREFIX/',
    'deltaglider verify -r [--shard I/N] [options] s3://BUCKET/PREFIX/',
  ],
  description: `Rebuilds each named file (or every file of a DeltaSpace) in a scratch directory,
checks it against the sha256 recorded at upload, and deletes it. References are
read from the bucket, never from the local cache, so a damaged reference.bin is
found too. Objects that no DeltaGlider wrote have no sha256 and are reported as
"unchecked". Exits with 1 when any file fails.

With -r, verifies every DeltaSpace at or below each prefix, and the files an earlier
version stored under a space's reserved .dg-refs/ folder; any failure exits with 1.
--shard I/N takes only the DeltaSpaces of shard I of N (never splitting one), so a
matrix of N jobs shares a big bucket with no overlap.`,
  options: {
    recursive: { type: 'boolean', short: 'r' },
    shard: { type: 'string' },
  },
  optionsHelp: `  -r, --recursive       every DeltaSpace at or below each prefix
  --shard I/N           only the DeltaSpaces of shard I of N (a matrix of N jobs)`,
  readOwn: (values) => ({
    recursive: values.recursive === true,
    shard: typeof values.shard === 'string' ? parseShard(values.shard) : undefined,
  }),
  positionals: { min: 1, max: Number.POSITIVE_INFINITY, what: 'one or more s3:// URLs' },
  examples: [
    'deltaglider verify s3://releases/app/',
    'deltaglider verify s3://releases/app/app-1.2.0.zip',
    'deltaglider verify -r --shard 1/4 s3://releases/',
  ],
  async run(context) {
    const urls = context.positionals.map((arg) => parseS3Url(arg));
    const { recursive, shard } = context.own;
    if ((recursive || shard) && urls.some((url) => !url.isPrefix)) {
      throw new InputError(
        `${recursive ? '-r' : '--shard'} takes DeltaSpace URLs (ending with "/"), not file URLs`,
      );
    }
    const verified: FileRecord[] = [];
    let strays = 0;
    await withSession(context, async ({ app }) => {
      if (recursive || shard) {
        const roots = urls.map((url) => spaceFromPrefixUrl(url));
        const spaces = await spacesUnder(app, roots, { recursive, shard });
        if (spaces.length === 0) context.io.err(`deltaglider: ${emptyShardNote(shard!, roots)}\n`);
        for (const { space, directory } of spaces) {
          // A folder of references only (its files pruned) has nothing to verify; files an
          // older upload stored under its .dg-refs/ are checked as the spaces they are.
          const nested = strayFolders(directory).map((prefix) => ({ ...space, prefix }));
          strays += nested.length;
          for (const target of directory.objects.length > 0 ? [space, ...nested] : nested) {
            for (const result of await verify(app, { space: target })) {
              verified.push(fileRecord(target, result));
            }
          }
        }
        return;
      }
      for (const url of urls) {
        if (url.isPrefix) {
          const space = spaceFromPrefixUrl(url);
          for (const result of await verify(app, { space })) {
            verified.push(fileRecord(space, result));
          }
        } else {
          const { space, name } = splitObjectUrl(url);
          const [result] = await verify(app, { space, names: [name] });
          verified.push(fileRecord(space, result!));
        }
      }
    });
    if (strays > 0) {
      context.io.err(
        `deltaglider: warning: ${strays} folder(s) under a reserved ".dg-refs/" hold files an older upload stored there; ` +
          'other commands leave them alone: download them and upload them under another prefix\n',
      );
    }
    const counts = verifyCounts(verified);
    const { failed } = counts;
    const spaceUrl = sharedSpaceUrl(verified);
    const { io } = context;
    if (context.global.json) {
      printJson(io, {
        ...(spaceUrl ? { 'delta-space-url': spaceUrl } : {}),
        ...counts,
        results: verified.map(fileJson),
      });
    } else {
      // Files of several DeltaSpaces are told apart by their URLs.
      const label = (r: FileRecord) => (spaceUrl ? r.name : r.s3Url);
      const rows = verified.map((r) => [
        label(r),
        r.kind,
        r.status === 'failed' ? '' : formatBytes(r.originalBytes),
        r.sha256?.slice(0, 16) ?? '',
        r.status === 'ok' ? 'OK' : r.status === 'failed' ? 'FAILED' : 'unchecked',
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
      for (const r of verified.filter((r) => r.problem)) {
        io.out(`\n${terminalText(`${label(r)}: ${r.problem}`)}\n`);
      }
      const summary = [`${counts.verified} ok`, `${failed} failed`];
      if (counts.unchecked > 0) summary.push(`${counts.unchecked} unchecked (no sha256 metadata)`);
      io.out(`\n${summary.join(', ')}\n`);
    }
    if (failed === 0) return 0;
    io.err(`deltaglider: ${failed} of ${verified.length} file(s) failed verification\n`);
    return 1;
  },
});
