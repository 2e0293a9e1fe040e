import * as core from '@actions/core';
import { basename } from 'node:path';
import { createPresigner } from '../adapters/s3/presign.js';
import { createS3Storage } from '../adapters/s3/s3-storage.js';
import type { DeltaSpace, FileResult } from '../core/models.js';
import { REHYDRATED_PREFIX, rehydratedKey, rehydratedMetadata } from '../core/rehydrate.js';
import type { FileRecord } from '../core/report.js';
import type { CommandReport } from './commands.js';
import { storageOptions, type ActionInputs } from './inputs.js';
import { escapeAttribute } from './pr-comment/escape.js';
import type { HtmlCell } from './summary.js';

// `presign`: a download URL for each uploaded file. A direct object is presigned as it
// is; a file stored as a delta has no object holding its bytes, so a full copy is
// written under `.deltaglider/tmp/` (the reference CLI's rehydration layout, expiring
// with the URL: `command: purge` removes it afterwards) and that copy is presigned.
// The URLs are bearer links: they go to the `urls` output (commands.ts), the job summary
// and the PR comment, never to the log.

/**
 * Presigns every result; `localPath(name)` is the uploaded file with those exact bytes
 * (already hashed and stored: copying it spares rebuilding the delta).
 */
export async function presignUploads(
  inputs: ActionInputs,
  space: DeltaSpace,
  results: readonly FileResult[],
  localPath: (name: string) => string,
): Promise<FileResult[]> {
  const seconds = inputs.presignSeconds!;
  const options = storageOptions(inputs);
  const storage = createS3Storage(options);
  const presigner = createPresigner(options);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + seconds * 1000);
  let copies = 0;
  try {
    const presigned: FileResult[] = [];
    for (const result of results) {
      let key = result.key;
      if (result.kind !== 'direct') {
        key = rehydratedKey(result.name);
        const metadata = rehydratedMetadata(result.key, result.name, now, expiresAt);
        await storage.upload(space.bucket, key, localPath(result.name), metadata);
        copies++;
      }
      const url = await presigner.url(space.bucket, key, result.name, seconds);
      presigned.push({ ...result, downloadUrl: url });
    }
    core.info(
      `Download URLs for ${presigned.length} file(s) in the urls output, valid until ${expiresAt.toISOString()}` +
        (copies > 0
          ? `; ${copies} delta(s) copied whole to s3://${space.bucket}/${REHYDRATED_PREFIX} for them (command: purge removes expired copies)`
          : ''),
    );
    return presigned;
  } finally {
    presigner.close();
    storage.close();
  }
}

/** The local file of each uploaded name (names are basenames, unique per upload). */
export function pathsByName(paths: readonly string[]): (name: string) => string {
  const byName = new Map(paths.map((p) => [basename(p), p]));
  return (name) => byName.get(name)!;
}

/**
 * The report of an upload with presign: the `urls` output (name -> link) and a Download
 * column of links in the job summary (the PR comment links the names itself).
 */
export function withDownloadLinks(
  report: CommandReport,
  records: readonly FileRecord[],
): CommandReport {
  const urls = Object.fromEntries(
    records.flatMap((r) => (r.downloadUrl ? [[r.name, r.downloadUrl]] : [])),
  );
  const link = (url: string | undefined): HtmlCell | string =>
    url ? { html: `<a href="${escapeAttribute(url)}">download</a>` } : '–';
  return {
    ...report,
    outputs: { ...report.outputs, urls: JSON.stringify(urls) },
    table: {
      headers: [...report.table.headers, 'Download'],
      rows: report.table.rows.map((row, i) => [...row, link(records[i]?.downloadUrl)]),
      ...(report.table.total ? { total: [...report.table.total, link(undefined)] } : {}),
    },
  };
}
