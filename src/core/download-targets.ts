// Before a download writes anything, every destination is checked: a name this file
// system cannot hold, or (without overwrite) an existing file with other bytes, stops
// the whole download with nothing written. A file already there with the same bytes
// counts as downloaded. Names that differ only in case stop it where the destination
// ignores case (case-clash.ts).
import type { HasherPort, LocalFilesPort, LoggerPort, StoragePort } from '../ports.js';
import { caseClashError, caseClashes } from './case-clash.js';
import { deltaKey, directKey } from './delta-space.js';
import { InputError } from './errors.js';
import { formToRead } from './two-forms.js';
import { decodeObject } from './metadata.js';
import type { DeltaSpace, FileResult, LogicalFile } from './models.js';
import { mapLimit } from './util/map-limit.js';

export interface DownloadOptions {
  /**
   * Replace existing files whose bytes differ. Default true here (a library call says
   * where to write); the action's `overwrite` input defaults to false.
   */
  overwrite?: boolean;
}

export interface DownloadTarget {
  file: LogicalFile;
  dest: string;
}

interface TargetDeps {
  files: LocalFilesPort;
  hasher: HasherPort;
  log: LoggerPort;
}

/** Existing files hashed at once while checking. */
const CHECK_CONCURRENCY = 4;

/**
 * Checks every target; resolves to the results of those already in place (same sha256),
 * keyed by destination. Throws one error naming every conflict.
 */
export async function checkTargets(
  targets: readonly DownloadTarget[],
  deps: TargetDeps,
  options: DownloadOptions,
): Promise<Map<string, FileResult>> {
  for (const { dest } of targets) await deps.files.checkName(dest);
  const clashes = caseClashes(targets.map(({ dest }) => dest));
  if (clashes.length > 0 && (await deps.files.ignoresCase(clashes[0]![0]!))) {
    throw caseClashError(clashes);
  }
  const done = new Map<string, FileResult>();
  const conflicts: string[] = [];
  await mapLimit(targets, CHECK_CONCURRENCY, async ({ file, dest }) => {
    const state = await deps.files.state(dest);
    if (state === 'none') return;
    if (state === 'other') return void conflicts.push(`${dest} (not a regular file)`);
    if (await sameBytes(file, dest, deps)) {
      deps.log.info(`${file.name}: already at ${dest} with the same bytes`);
      return void done.set(dest, resultOf(file));
    }
    if (options.overwrite === false) conflicts.push(dest);
  });
  if (conflicts.length > 0) throw wouldOverwrite(conflicts);
  return done;
}

/**
 * The refusal of a download (or a sync down) that would replace `paths`, files with other
 * bytes, while overwriting is off: one error naming them all, nothing written.
 */
export function wouldOverwrite(paths: readonly string[]): InputError {
  const conflicts = [...paths].sort();
  return new InputError(
    `${conflicts.length === 1 ? 'A file' : `${conflicts.length} files`} already exist` +
      `${conflicts.length === 1 ? 's' : ''} with other content: ${conflicts.join(', ')}`,
    'Nothing was downloaded. Allow replacing them, or download into another directory',
    { code: 'would-overwrite', fields: { setting: 'overwrite', paths: conflicts } },
  );
}

/** What the bucket holds under `name`, read as a download reads it (direct first). */
export async function describeFile(
  storage: StoragePort,
  space: DeltaSpace,
  name: string,
): Promise<LogicalFile | undefined> {
  const [directHead, deltaHead] = await Promise.all([
    storage.head(space.bucket, directKey(space, name)),
    storage.head(space.bucket, deltaKey(space, name)),
  ]);
  // The form a download reads (two-forms.ts): the newer one when both exist.
  const head =
    directHead && deltaHead ? formToRead(directHead, deltaHead).read : (directHead ?? deltaHead);
  if (head) {
    const { key } = head;
    const decoded = decodeObject(head.metadata);
    if (decoded.type === 'plain') {
      return { name, key, kind: 'plain', originalBytes: head.size, storedBytes: head.size };
    }
    return {
      name,
      key,
      kind: decoded.type,
      originalBytes: decoded.size ?? head.size,
      storedBytes: head.size,
      sha256: decoded.sha256,
    };
  }
  return undefined;
}

/** Plain objects have no sha256 to compare: they never count as already in place. */
async function sameBytes(file: LogicalFile, dest: string, deps: TargetDeps): Promise<boolean> {
  if (file.sha256 === undefined || file.kind === 'plain') return false;
  if ((await deps.files.size(dest)) !== file.originalBytes) return false;
  return (await deps.hasher.sha256File(dest)) === file.sha256;
}

function resultOf(file: LogicalFile): FileResult {
  return {
    name: file.name,
    key: file.key,
    kind: file.kind === 'plain' ? 'direct' : file.kind,
    originalBytes: file.originalBytes,
    storedBytes: file.storedBytes,
    sha256: file.sha256 ?? '',
  };
}
