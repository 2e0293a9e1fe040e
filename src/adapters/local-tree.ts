import { lstat, mkdir, readdir, realpath, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../core/errors.js';
import type { LocalTreePort } from '../core/lifecycle/sync-run.js';
import type { LoggerPort } from '../ports.js';

// The local side of a sync: the regular files under a directory, by '/'-separated path
// relative to it, and the check that keeps downloads inside it.

export interface LocalFile {
  path: string;
  absolute: string;
  size: number;
}

/** A sync's local directory (it need not exist until a download creates it). */
export class LocalTree implements LocalTreePort {
  constructor(
    private readonly root: string,
    private readonly log: LoggerPort,
  ) {}

  async list(): Promise<LocalFile[]> {
    const exists = await stat(this.root).then(
      () => true,
      () => false,
    );
    return exists ? listLocalTree(this.root, this.log) : [];
  }

  pathOf(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  async prepare(path: string): Promise<void> {
    const folder = dirname(this.pathOf(path));
    // A folder inside the directory that links elsewhere must not receive the file, nor
    // the folders below it: check the deepest existing one before creating any.
    await mkdir(this.root, { recursive: true });
    if (!(await insideRoot(this.root, await deepestExisting(folder)))) {
      throw new InputError(
        `${folder} leads outside ${this.root} (a link)`,
        'Nothing more was written. Remove the link, or sync into another directory',
      );
    }
    await mkdir(folder, { recursive: true });
  }

  async remove(absolute: string): Promise<void> {
    await rm(absolute, { force: true });
  }
}

/**
 * Regular files below `root`, in path order. Links to files are followed; links to
 * directories are not (they could loop, or lead out of the tree).
 */
export async function listLocalTree(root: string, log: LoggerPort): Promise<LocalFile[]> {
  const found: LocalFile[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const absolute = join(dir, entry.name);
      if (entry.isDirectory()) await visit(absolute);
      else if (entry.isFile() || entry.isSymbolicLink()) {
        const info = await stat(absolute).catch(() => undefined);
        if (info?.isFile()) {
          found.push({
            path: relative(root, absolute).split(sep).join('/'),
            absolute,
            size: info.size,
          });
        } else log.warning(`Skipping ${absolute}: a link to a directory, or a broken link`);
      }
    }
  };
  await visit(root);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Whether `dir` (existing) resolves inside `root`, links followed: a directory inside
 * the tree that is a link to elsewhere must not receive downloads.
 */
export async function insideRoot(root: string, dir: string): Promise<boolean> {
  const [realRoot, realDir] = [await realpath(root), await realpath(dir)];
  return (
    realDir === realRoot || realDir.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)
  );
}

/** `dir` if it exists, else its nearest existing ancestor (links followed). */
export async function deepestExisting(dir: string): Promise<string> {
  let at = resolve(dir);
  while (!(await stat(at).catch(() => undefined))) {
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  return at;
}

/** What is at `path` without following a final link. */
export async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(resolve(path)).catch(() => undefined))?.isDirectory() ?? false;
}
