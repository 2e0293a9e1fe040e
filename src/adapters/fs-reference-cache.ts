import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { HasherPort, LoggerPort, ReferenceCachePort } from '../ports.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * References on local disk, one file per sha256: `<root>/<sha256>.bin`. An entry is
 * re-hashed before its first use in a process, and a corrupt entry is dropped, so a
 * damaged cache costs a download, never a wrong file.
 */
export class FsReferenceCache implements ReferenceCachePort {
  private readonly verified = new Set<string>();

  constructor(
    readonly root: string,
    private readonly hasher: HasherPort,
    private readonly log: LoggerPort,
  ) {}

  /** Where the entry for `sha256` lives (also the path the actions cache saves). */
  pathFor(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`Not a sha256: ${sha256}`);
    return join(this.root, `${sha256}.bin`);
  }

  async get(sha256: string): Promise<string | undefined> {
    const path = this.pathFor(sha256);
    const exists = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!exists) return undefined;
    if (this.verified.has(sha256)) return path;
    const actual = await this.hasher.sha256File(path);
    if (actual !== sha256) {
      this.log.warning(`Dropping corrupt cached reference ${path} (sha256 ${actual})`);
      await rm(path, { force: true });
      return undefined;
    }
    this.verified.add(sha256);
    return path;
  }

  async put(filePath: string, sha256: string, options?: { copy?: boolean }): Promise<string> {
    const path = this.pathFor(sha256);
    await mkdir(this.root, { recursive: true });
    // Copy or move into a temporary name first, so a reader never sees a half entry.
    const partial = `${path}.${process.pid}.partial`;
    if (options?.copy) await copyFile(filePath, partial);
    else await rename(filePath, partial).catch(() => copyFile(filePath, partial));
    await rename(partial, path);
    this.verified.add(sha256);
    return path;
  }
}
