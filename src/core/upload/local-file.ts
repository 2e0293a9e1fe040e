import type { DeltaSpace, FileResult } from '../models.js';
import { MIN_DELTA_BYTES } from '../policy.js';
import type { UploaderDeps, UploadOptions } from './deps.js';
import type { ExpandedFile, Expansion, WhileProving } from './expansion.js';

// The file being uploaded as the upload modules see it (its hash, its expanded form when
// it is a container), the reference a delta names, and the one way a result is built.

/** What the uploader knows about a local file before deciding how to store it. */
export interface LocalFile {
  path: string;
  name: string;
  size: number;
  sha256: string;
  /**
   * False when a delta of the file's own bytes cannot pay (gzip-compressed content, which
   * only an archive-aware delta can store smaller).
   */
  plainDelta: boolean;
  /** Present when the file may be a container the codec reproduces (archive-aware on). */
  expansion?: Expansion;
}

/** The file's expanded form, made on first use; undefined without one. */
export function expandedOf(file: LocalFile): Promise<ExpandedFile | undefined> {
  return file.expansion?.get() ?? Promise.resolve(undefined);
}

/** A reference as a delta names it: `dg-ref-key` and `dg-ref-sha256`. */
export interface RefId {
  key: string;
  sha256: string;
}

/** The cache key of a space's reference catalog. */
export function catalogKey(space: DeltaSpace): string {
  return `${space.bucket}\n${space.prefix}`;
}

/** Whether archive-aware deltas apply to a file of this size (the codec sniffs the rest). */
export function mayExpand(
  deps: Pick<UploaderDeps, 'archives'>,
  options: Pick<UploadOptions, 'archiveAware' | 'minDeltaBytes'>,
  size: number,
): boolean {
  return (
    !!options.archiveAware && !!deps.archives && size >= (options.minDeltaBytes ?? MIN_DELTA_BYTES)
  );
}

/**
 * The expanded form of a compressed container whose exact bytes the codec can rebuild
 * (proved by the codec before it answers), or undefined: the file is then stored as
 * any other.
 */
export async function expandFile(
  deps: Pick<UploaderDeps, 'archives' | 'files' | 'hasher' | 'log'>,
  file: Pick<LocalFile, 'path' | 'name'>,
  whileProving?: WhileProving,
): Promise<ExpandedFile | undefined> {
  const { archives, files, hasher, log } = deps;
  if (!archives) return undefined;
  const path = files.tempPath(`${file.name}.expanded`);
  const found = await archives.codec.expand(file.path, path, { whileProving });
  if (!found) return undefined;
  if ('declined' in found) {
    const notice = `${file.name}: stored without archive-aware expansion: ${found.declined}`;
    if (log.notice) log.notice(notice);
    else log.info(notice);
    return undefined;
  }
  log.info(
    `${file.name}: ${found.codec} content reproduced exactly; storing an archive-aware delta`,
  );
  const [sha256, size] = [await hasher.sha256File(path), await files.size(path)];
  return { path, codec: found.codec, sha256, size };
}

export function fileResult(
  file: LocalFile,
  key: string,
  kind: FileResult['kind'],
  storedBytes: number,
): FileResult {
  return {
    name: file.name,
    key,
    kind,
    originalBytes: file.size,
    storedBytes,
    sha256: file.sha256,
  };
}
