import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { InputError } from '../core/errors.js';
import type { LocalFilesPort, LocalPathState } from '../ports.js';
import { ignoresCase } from './case-probe.js';
import { windowsNameProblem } from './windows-names.js';
import type { CleanupTracker } from './cleanup.js';
import { asLocalError, localFileError } from './local-errors.js';

/** The longest file name (in bytes) the usual file systems hold (ext4, XFS, APFS, NTFS). */
const NAME_MAX = 255;

/** Hints (and extensions) up to this many bytes are kept in temporary names. */
const SHORT_HINT = 40;

/** Prefix of partial files beside destinations, and of scratch directories. */
export const PARTIAL_PREFIX = '.dg-';
export const SCRATCH_PREFIX = 'deltaglider-';

/**
 * Local files, with scratch files kept in one private directory under `scratchRoot`.
 * Temporary names are short and never derived from the file's own name, so a file whose
 * name is near the file system's limit still fits. Paths that should not outlive an
 * interrupted run are reported to `cleanup`.
 */
export class LocalFiles implements LocalFilesPort {
  readonly scratchDir: string;
  private readonly untrack = new Map<string, () => void>();

  constructor(
    scratchRoot: string,
    private readonly cleanup?: CleanupTracker,
  ) {
    this.scratchDir = join(scratchRoot, `${SCRATCH_PREFIX}${process.pid}-${randomHex(4)}`);
    try {
      mkdirSync(this.scratchDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw asLocalError(error, this.scratchDir, { verb: 'create' });
    }
    this.track(this.scratchDir);
  }

  async size(path: string): Promise<number> {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        throw new InputError(`The file ${path} does not exist`, undefined, {
          code: 'missing-file',
          fields: { setting: 'path', path },
        });
      }
      throw asLocalError(error, path, { verb: 'read' });
    });
    if (!info.isFile()) {
      throw new InputError(
        `${path} is not a regular file`,
        'Name files, or glob patterns that match files',
      );
    }
    return info.size;
  }

  async readHead(path: string, bytes: number): Promise<Uint8Array> {
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw asLocalError(error, path, { verb: 'read' });
    });
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  /**
   * `<random>-<hint>` for a short hint, else `<random><extension>`: never much longer
   * than a few dozen bytes, whatever the file's own name.
   */
  tempPath(hint: string): string {
    const name = basename(hint);
    const ext = extname(name);
    const tail =
      Buffer.byteLength(name) <= SHORT_HINT
        ? `-${name}`
        : Buffer.byteLength(ext) <= SHORT_HINT
          ? ext
          : '';
    return join(this.scratchDir, `${randomHex(6)}${tail}`);
  }

  /** `.dg-<random>` in the destination's directory: never longer than any real name. */
  partialPathFor(destPath: string): string {
    const path = join(dirname(destPath), `${PARTIAL_PREFIX}${randomHex(4)}`);
    this.track(path);
    return path;
  }

  async checkName(path: string): Promise<void> {
    const full = resolve(path);
    const windows = process.platform === 'win32' && windowsNameProblem(basename(full));
    if (windows) {
      throw new InputError(
        `Cannot write ${full}: the name ${JSON.stringify(basename(full))} ${windows}`,
        'Nothing was downloaded. Rename the object with another S3 tool, or download it on Linux or macOS',
        { code: 'unsafe-name', fields: { path: full } },
      );
    }
    const tooLong = full.split(sep).find((part) => Buffer.byteLength(part) > NAME_MAX);
    if (tooLong !== undefined) throw localFileError('ENAMETOOLONG', full);
    // The file system may hold less than the usual limit (eCryptfs: 143 bytes): ask it.
    await stat(full).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENAMETOOLONG') throw localFileError('ENAMETOOLONG', full);
    });
  }

  ignoresCase(path: string): Promise<boolean> {
    return ignoresCase(path);
  }

  async state(path: string): Promise<LocalPathState> {
    try {
      return (await stat(path)).isFile() ? 'file' : 'other';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
      if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'other';
      throw asLocalError(error, path, { verb: 'read' });
    }
  }

  async ensureDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw asLocalError(error, dir, { verb: 'create' });
    });
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to).catch((error: unknown) => {
      throw asLocalError(error, to, { ownPath: false });
    });
    this.forget(from);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
    this.forget(path);
  }

  /** Deletes the scratch directory and everything left in it. */
  async dispose(): Promise<void> {
    await rm(this.scratchDir, { recursive: true, force: true });
    this.forget(this.scratchDir);
  }

  private track(path: string): void {
    const untrack = this.cleanup?.track(path);
    if (untrack) this.untrack.set(path, untrack);
  }

  private forget(path: string): void {
    this.untrack.get(path)?.();
    this.untrack.delete(path);
  }
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
