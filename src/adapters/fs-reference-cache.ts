import { chmod, copyFile, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { HasherPort, LoggerPort, ReferenceCachePort } from '../ports.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const ENTRY = /^[0-9a-f]{64}\.bin$/;
/** What a cache directory holds: entries, and partial entries of writers in flight. */
const OWN_FILE = /^[0-9a-f]{64}\.bin(\.\d+\.partial)?$/;

/** The local cache's default size cap: 2 GiB (README, "Reference cache"). */
export const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;

// Entries are whole artifacts: only the user may read them (directory 0700, files 0600).
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

export interface FsReferenceCacheOptions {
  /** Past this many bytes, the least recently used entries are evicted (default 2 GiB). */
  maxBytes?: number;
}

/**
 * References on local disk, one file per sha256: `<root>/<sha256>.bin`. An entry is
 * re-hashed before its first use in a process, and a corrupt entry is dropped, so a
 * damaged cache costs a download, never a wrong file. Every use marks an entry as
 * recent (its mtime); after each put, the oldest entries go until the cache fits its cap.
 */
export class FsReferenceCache implements ReferenceCachePort {
  private readonly verified = new Set<string>();
  private rootReady?: Promise<void>;
  readonly maxBytes: number;

  constructor(
    readonly root: string,
    private readonly hasher: HasherPort,
    private readonly log: LoggerPort,
    options: FsReferenceCacheOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  }

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
    // Entries of older versions (0644), or restored by the Actions cache's tar.
    await this.ensureRoot();
    await chmod(path, FILE_MODE);
    if (!this.verified.has(sha256)) {
      const actual = await this.hasher.sha256File(path);
      if (actual !== sha256) {
        this.log.warning(`Dropping corrupt cached reference ${path} (sha256 ${actual})`);
        await rm(path, { force: true });
        return undefined;
      }
      this.verified.add(sha256);
    }
    await touch(path);
    return path;
  }

  async put(filePath: string, sha256: string, options?: { copy?: boolean }): Promise<string> {
    const path = this.pathFor(sha256);
    await this.ensureRoot();
    // Copy or move into a temporary name first, so a reader never sees a half entry.
    const partial = `${path}.${process.pid}.partial`;
    if (options?.copy) await copyFile(filePath, partial);
    else await rename(filePath, partial).catch(() => copyFile(filePath, partial));
    await chmod(partial, FILE_MODE);
    await rename(partial, path);
    await touch(path);
    this.verified.add(sha256);
    await this.evict(path);
    return path;
  }

  /**
   * Creates the root 0700, or makes an existing cache directory 0700 (once per process).
   * A directory that holds anything but cache entries (`--cache-dir /tmp`, say) is not
   * ours to lock down: it is left as is, with a warning.
   */
  private ensureRoot(): Promise<void> {
    this.rootReady ??= (async () => {
      await mkdir(this.root, { recursive: true, mode: DIR_MODE });
      const mode = (await stat(this.root)).mode & 0o777;
      if (mode === DIR_MODE) return;
      const names = await readdir(this.root);
      if (names.every((name) => OWN_FILE.test(name))) {
        await chmod(this.root, DIR_MODE);
        return;
      }
      this.log.warning(
        `The reference cache directory ${this.root} can be read by other users ` +
          `(mode ${mode.toString(8)}) and holds other files, so it was left as is; ` +
          'give the cache a directory of its own',
      );
    })();
    return this.rootReady;
  }

  /** Removes the least recently used entries, never `keep`, until the cache fits its cap. */
  private async evict(keep: string): Promise<void> {
    const names = (await readdir(this.root)).filter((name) => ENTRY.test(name));
    const entries = (
      await Promise.all(
        names.map(async (name) => {
          const path = join(this.root, name);
          const s = await stat(path).catch(() => undefined);
          return s?.isFile() ? { path, bytes: s.size, used: s.mtimeMs } : undefined;
        }),
      )
    ).filter((e) => e !== undefined);
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    entries.sort((a, b) => a.used - b.used);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      if (entry.path === keep) continue;
      await rm(entry.path, { force: true });
      this.verified.delete(entry.path.slice(this.root.length + 1, -'.bin'.length));
      total -= entry.bytes;
      this.log.debug(`evicted ${entry.path} from the reference cache (cap ${this.maxBytes} bytes)`);
    }
  }
}

/** Marks an entry as just used: eviction goes by mtime (atime is often not kept). */
async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}
