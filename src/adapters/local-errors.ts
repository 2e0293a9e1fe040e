// Failures of the local machine (disk full, no permission, read-only, out of file
// handles, name too long) turned into one LocalFileError that names the path: they must
// never read as a corrupt object or a broken bucket.
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LocalFileError } from '../core/errors.js';
import type { ArchiveCodecPort } from '../ports.js';

interface Known {
  problem: string;
  /** strerror text, as xdelta3 prints it. */
  text: string;
  fix: string;
}

const FULL = 'free space on that disk, or choose a destination (or RUNNER_TEMP) on another one';
const DENIED = 'grant this user write access there, or choose another destination';
const HANDLES = 'raise the open-file limit (ulimit -n), or lower concurrency';

const KNOWN: Record<string, Known> = {
  ENOSPC: { problem: 'no space left on the device', text: 'No space left on device', fix: FULL },
  EDQUOT: { problem: 'disk quota exceeded', text: 'Disk quota exceeded', fix: FULL },
  EACCES: { problem: 'permission denied', text: 'Permission denied', fix: DENIED },
  EPERM: { problem: 'operation not permitted', text: 'Operation not permitted', fix: DENIED },
  EROFS: {
    problem: 'read-only file system',
    text: 'Read-only file system',
    fix: 'choose a destination (or RUNNER_TEMP) on a writable file system',
  },
  EMFILE: { problem: 'too many open files', text: 'Too many open files', fix: HANDLES },
  ENFILE: {
    problem: 'too many open files in the system',
    text: 'Too many open files in system',
    fix: HANDLES,
  },
  ENAMETOOLONG: {
    problem: 'file name too long for this file system',
    text: 'File name too long',
    fix: 'shorten the name (most file systems hold 255 bytes) or the destination path',
  },
};

/** The errno code of a Node.js file-system error, when it is a local problem we know. */
function knownCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code in KNOWN ? code : undefined;
}

/**
 * Free bytes on the file system that holds `path`, counting the space the failed file
 * itself takes (it is removed right after): what a retry would have.
 */
function freeBytes(path: string): number | undefined {
  let own = 0;
  try {
    own = statSync(path).size;
  } catch {
    // Not written yet, or already removed.
  }
  for (const candidate of [dirname(path), path]) {
    try {
      const info = statfsSync(candidate);
      return info.bavail * info.bsize + own;
    } catch {
      // Try the path itself (a directory).
    }
  }
  return undefined;
}

/** A LocalFileError for errno `code` on `path`. */
export function localFileError(
  code: string,
  path: string,
  options: { verb?: string; bytesNeeded?: number; cause?: unknown } = {},
): LocalFileError {
  const known = KNOWN[code]!;
  const full = code === 'ENOSPC' || code === 'EDQUOT';
  return new LocalFileError(
    {
      path,
      code,
      problem: known.problem,
      fix: known.fix,
      verb: options.verb,
      bytesNeeded: full ? options.bytesNeeded : undefined,
      bytesFree: full ? freeBytes(path) : undefined,
    },
    { cause: options.cause },
  );
}

/**
 * `error` as a LocalFileError on `path` when it is a local problem (ENOSPC, EACCES, ...);
 * otherwise `error` unchanged. The error's own `path` wins (it names the file that
 * failed) unless `ownPath` is false (a spawn error's path is the program).
 */
export function asLocalError(
  error: unknown,
  path: string,
  options: { verb?: string; bytesNeeded?: number; ownPath?: boolean } = {},
): unknown {
  if (error instanceof LocalFileError) return error;
  const code = knownCode(error);
  if (code === undefined) return error;
  const own = (error as { path?: unknown }).path;
  const named = options.ownPath !== false && typeof own === 'string' ? own : path;
  return localFileError(code, named, { ...options, cause: error });
}

/**
 * The local problem a child process (xdelta3) reported on stderr, such as
 * "xdelta3: write failed: /out: No space left on device", naming the path it printed
 * (or `fallbackPath`); undefined when stderr names no local problem.
 */
export function localErrorInStderr(
  stderr: string,
  fallbackPath: string,
): LocalFileError | undefined {
  for (const [code, known] of Object.entries(KNOWN)) {
    const at = stderr.indexOf(`: ${known.text}`);
    if (at === -1) continue;
    // The path is the text between the last ": " before the errno text and the text.
    const line = stderr.slice(stderr.lastIndexOf('\n', at) + 1, at);
    const path = line.slice(line.lastIndexOf(': ') + 2) || fallbackPath;
    const verb = /\bread\b/.test(line) ? 'read' : 'write';
    return localFileError(code, path.startsWith('/') ? path : fallbackPath, { verb });
  }
  return undefined;
}

/**
 * The archive codec with its local failures (a full disk while writing the reference
 * view, an expanded form or a rebuilt file) reported as LocalFileErrors on that file.
 */
export function withLocalErrors(codec: ArchiveCodecPort): ArchiveCodecPort {
  const on =
    (path: string) =>
    (error: unknown): never => {
      throw asLocalError(error, path);
    };
  // Arguments pass through whole: the codec's signatures may grow.
  type Args<K extends keyof ArchiveCodecPort> = Parameters<ArchiveCodecPort[K]>;
  return {
    expand: (...args: Args<'expand'>) => codec.expand(...args).catch(on(args[1])),
    rebuild: (...args: Args<'rebuild'>) => codec.rebuild(...args).catch(on(args[1])),
    view: (...args: Args<'view'>) => codec.view(...args).catch(on(args[1])),
  };
}
