import type { LoggerPort } from '../ports.js';
import { formatS3Url } from './s3-url.js';

// One logical name can be stored in two forms at once, `<name>` (direct) and
// `<name>.delta`: our uploads remove the other form, but the reference DeltaGlider CLI
// does not, so a file it stores after ours (or the other way round) leaves both. The
// object written last is the file's current version: reads take the newer form by
// LastModified, and every command that meets such a pair says so (docs/format.md,
// "One name in two forms").

/** What both forms need for the choice: the key and when it was written. */
export interface StoredForm {
  key: string;
  lastModified?: Date;
}

/**
 * The form reads use: the newer by LastModified. On a tie (S3 keeps whole seconds) or
 * when a time is unknown, `<name>`, which is what the reference CLI reads.
 */
export function formToRead<T extends StoredForm>(direct: T, delta: T): { read: T; stale: T } {
  const directTime = direct.lastModified?.getTime();
  const deltaTime = delta.lastModified?.getTime();
  const deltaIsNewer =
    directTime !== undefined && deltaTime !== undefined && deltaTime > directTime;
  return deltaIsNewer ? { read: delta, stale: direct } : { read: direct, stale: delta };
}

/** The warning for a name stored twice, naming the form that is read. */
export function twoFormsWarning(bucket: string, name: string, read: string, stale: string): string {
  return (
    `"${name}" is stored twice, as ${formatS3Url(bucket, read)} and ${formatS3Url(bucket, stale)}: ` +
    `reading ${formatS3Url(bucket, read)}, the newer. Delete the other to settle it ` +
    `(another tool, such as the DeltaGlider CLI, left it behind)`
  );
}

/** Warns once per name of a listing that is stored twice. */
export function warnTwoForms(
  log: LoggerPort,
  bucket: string,
  files: readonly { name: string; key: string; staleKey?: string }[],
): void {
  for (const file of files) {
    if (file.staleKey) log.warning(twoFormsWarning(bucket, file.name, file.key, file.staleKey));
  }
}
