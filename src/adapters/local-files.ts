import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../core/errors.js';
import type { LocalFilesPort } from '../ports.js';

/** Local files, with scratch files kept in one private directory under `scratchRoot`. */
export class LocalFiles implements LocalFilesPort {
  private readonly scratchDir: string;

  constructor(scratchRoot: string) {
    this.scratchDir = join(
      scratchRoot,
      `deltaglider-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    mkdirSync(this.scratchDir, { recursive: true, mode: 0o700 });
  }

  async size(path: string): Promise<number> {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        throw new InputError(`The file ${path} does not exist`, 'Check the path input');
      }
      throw error;
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
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  tempPath(hint: string): string {
    return join(this.scratchDir, `${randomBytes(6).toString('hex')}-${basename(hint)}`);
  }

  partialPathFor(destPath: string): string {
    return join(
      dirname(destPath),
      `.${basename(destPath)}.${randomBytes(4).toString('hex')}.dg-partial`,
    );
  }

  async ensureDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
  }

  rename(from: string, to: string): Promise<void> {
    return rename(from, to);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /** Deletes the scratch directory and everything left in it. */
  async dispose(): Promise<void> {
    await rm(this.scratchDir, { recursive: true, force: true });
  }
}
