// What a download may write for one delta, from its metadata: the file at most
// `dg-file-size` bytes, an archive-aware expanded form at most `dg-expanded-size` (or,
// on objects older than that key, the expansion limit of the file's size). A delta
// without `dg-file-size` is refused: nothing would bound its output.
import type { LimitOptions, ProgressListener, ProgressOptions } from '../ports.js';
import { IntegrityError } from './errors.js';
import type { DecodedObject } from './metadata.js';
import { expansionLimit, OutputLimitError } from './output-limit.js';
import type { HasherPort } from '../ports.js';

type DecodedDelta = Extract<DecodedObject, { type: 'delta' }>;

export interface DeltaBounds {
  /** The object, as named in errors. */
  where: string;
  fileBytes: number;
  expandedBytes: number;
  /** Which metadata the expanded bound comes from, for the error. */
  expandedSource: string;
  expandedSha256?: string;
  /** Decode options for the file itself. */
  file(onProgress?: ProgressListener): ProgressOptions & LimitOptions;
  /** Decode options for an archive-aware delta's expanded form. */
  expanded(onProgress?: ProgressListener): ProgressOptions & LimitOptions;
  /** Runs bounded work; a limit it passes becomes one error naming the object. */
  decoding<T>(work: Promise<T>): Promise<T>;
}

export function boundsOf(where: string, decoded: DecodedDelta): DeltaBounds {
  const fileBytes = decoded.size;
  if (fileBytes === undefined) {
    throw new IntegrityError(
      `${where} has no dg-file-size metadata, so nothing bounds what it decodes to; refusing it`,
      'Every DeltaGlider release records it: the object is corrupt or was not written by DeltaGlider; upload the file again',
    );
  }
  const limit = expansionLimit(fileBytes);
  const recorded = decoded.archive?.expandedSize;
  if (recorded !== undefined && recorded > limit) {
    throw new IntegrityError(
      `${where} records an expanded form of ${recorded} bytes (dg-expanded-size), more than ` +
        `the ${limit} bytes allowed for a ${fileBytes}-byte file; refusing it`,
      'The object is corrupt or hostile; nothing was written',
    );
  }
  const expandedBytes = recorded ?? limit;
  const expandedSource =
    recorded !== undefined
      ? `dg-expanded-size: ${recorded} bytes`
      : `the expansion limit of a ${fileBytes}-byte file: ${limit} bytes`;
  return {
    where,
    fileBytes,
    expandedBytes,
    expandedSource,
    expandedSha256: decoded.archive?.expandedSha256,
    file: (onProgress) => ({ onProgress, maxBytes: fileBytes }),
    expanded: (onProgress) => ({ onProgress, maxBytes: expandedBytes }),
    async decoding<T>(work: Promise<T>): Promise<T> {
      try {
        return await work;
      } catch (error) {
        if (!(error instanceof OutputLimitError)) throw error;
        const source =
          error.limitBytes === fileBytes ? `dg-file-size: ${fileBytes} bytes` : expandedSource;
        throw new OutputLimitError(
          error.limitBytes,
          `${where} decodes to more than its recorded size (${source}); decoding was stopped`,
          error,
        );
      }
    },
  };
}

/** An archive-aware delta's expanded form must hash as recorded before anything is rebuilt. */
export async function checkExpanded(
  hasher: HasherPort,
  expandedPath: string,
  bounds: DeltaBounds,
): Promise<void> {
  if (bounds.expandedSha256 === undefined) return;
  const actual = await hasher.sha256File(expandedPath);
  if (actual !== bounds.expandedSha256) {
    throw new IntegrityError(
      `${bounds.where} decoded to an expanded form with sha256 ${actual}, but its ` +
        `dg-expanded-sha256 says ${bounds.expandedSha256}`,
      'The object or its reference is corrupt; nothing was rebuilt or written',
    );
  }
}
