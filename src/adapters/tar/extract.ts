import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, openSync, renameSync } from 'node:fs';
import { chmod, lstat, rm, stat } from 'node:fs/promises';
import { finished, pipeline } from 'node:stream/promises';
import { dirname, join, resolve } from 'node:path';
import { caseClashError, caseClashes } from '../../core/case-clash.js';
import { InputError } from '../../core/errors.js';
import { ignoresCase } from '../case-probe.js';
import type { CleanupTracker } from '../cleanup.js';
import { asLocalError } from '../local-errors.js';
import { PARTIAL_PREFIX } from '../local-files.js';
import type { TarEntry } from './reader.js';

// Writes the entries of an accepted index (reader.ts) under `destDir`. Everything that
// can be checked is checked before the first write: existing files with other bytes
// (unless `overwrite`), and symbolic links or files where the archive needs a directory
// (writing through a link could land outside `destDir`). Each file is written beside its
// destination and renamed into place; on failure the files and directories this call
// created are removed again.
//
// For interrupts, each path is told to the cleanup tracker before it is created, and the
// three calls that create paths (mkdir, open, rename) are synchronous. A signal handler
// runs between two turns of the event loop: with an asynchronous call in flight on the
// thread pool, the handler's removal could come first and the path appear after it (seen
// in the CLI's cancellation test: an empty lib/, then a partial file, left behind).

export interface ExtractOptions {
  overwrite: boolean;
  /** Told of each file and directory this call creates until it is done (interrupts). */
  cleanup?: CleanupTracker;
}

export interface ExtractReport {
  /** Files written. */
  written: number;
  /** Files already there with the same bytes. */
  unchanged: number;
  bytes: number;
}

type PathState = 'none' | 'file' | 'directory' | 'symlink' | 'other';

async function stateOf(path: string): Promise<PathState> {
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return 'symlink';
    if (info.isDirectory()) return 'directory';
    return info.isFile() ? 'file' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw asLocalError(error, path, { verb: 'read' });
  }
}

export async function extractTar(
  tarPath: string,
  entries: readonly TarEntry[],
  destination: string,
  options: ExtractOptions,
): Promise<ExtractReport> {
  // One spelling from here on (`out/`, `./out`, `out//` all become the absolute path):
  // the walk up from each entry stops where it meets this very string.
  const destDir = resolve(destination);
  const plan = await planWrites(tarPath, entries, destDir, options);
  const createdDirs: string[] = [];
  const createdFiles: string[] = [];
  const untrack: (() => void)[] = [];
  const track = (path: string) => {
    if (options.cleanup) untrack.push(options.cleanup.track(path));
  };
  const makeDir = (dir: string, created = dir) => {
    track(created);
    try {
      mkdirSync(dir, { recursive: dir !== created });
    } catch (error) {
      throw asLocalError(error, dir, { verb: 'create' });
    }
    createdDirs.push(created);
  };
  let bytes = 0;
  try {
    if (plan.createDestination) makeDir(destDir, plan.createDestination);
    for (const dir of plan.directories) makeDir(dir);
    for (const { entry, dest, existed } of plan.files) {
      // Only a new file is removed again: one that was replaced is not put back.
      await writeEntry(tarPath, entry, dest, track, existed ? undefined : dest);
      if (!existed) createdFiles.push(dest);
      bytes += entry.size;
    }
  } catch (error) {
    for (const file of createdFiles) await rm(file, { force: true });
    for (const dir of createdDirs.reverse()) await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    for (const done of untrack) done();
  }
  return { written: plan.files.length, unchanged: plan.unchanged, bytes };
}

interface Plan {
  /** When the destination does not exist yet: its topmost missing ancestor (or itself). */
  createDestination?: string;
  /** Directories to create, parents first. */
  directories: string[];
  files: { entry: TarEntry; dest: string; existed: boolean }[];
  unchanged: number;
}

async function planWrites(
  tarPath: string,
  entries: readonly TarEntry[],
  destDir: string,
  options: ExtractOptions,
): Promise<Plan> {
  const dirStates = new Map<string, PathState>();
  const directories: string[] = [];
  const refusals: string[] = [];
  // The destination itself may be a link to a directory (the caller named it); anything
  // else there that is not a directory cannot take the files.
  const destState = await destinationState(destDir);
  if (destState !== 'directory' && destState !== 'none') {
    refuse(destDir, [`it is ${destState}`], 'Name a directory, or a path that does not exist yet');
  }
  const conflicts: string[] = [];
  /** Checks (once) that `dir` is a real directory or can be made one. */
  const needDirectory = async (dir: string): Promise<void> => {
    // Every entry path lies under destDir (reader.ts), so the walk meets it; the root
    // check only keeps a broken invariant from recursing forever.
    if (dir === destDir || dirStates.has(dir) || dirname(dir) === dir) return;
    await needDirectory(dirname(dir));
    const state = await stateOf(dir);
    dirStates.set(dir, state);
    if (state === 'none') directories.push(dir);
    else if (state === 'symlink') refusals.push(`${dir} is a symbolic link`);
    else if (state !== 'directory')
      refusals.push(`${dir} is a file, the archive needs a directory there`);
  };
  const files: Plan['files'] = [];
  let unchanged = 0;
  for (const entry of entries) {
    const dest = join(destDir, ...entry.path.split('/'));
    if (entry.type === 'directory') {
      await needDirectory(dest);
      continue;
    }
    await needDirectory(dirname(dest));
    const parentMissing =
      dirStates.get(dirname(dest)) === 'none' ||
      (dirname(dest) === destDir && destState === 'none');
    const state = parentMissing ? 'none' : await stateOf(dest);
    if (state === 'directory' || state === 'other') {
      conflicts.push(`${dest} (not a regular file)`);
    } else if (state === 'file' && (await sameBytes(tarPath, entry, dest))) {
      unchanged++;
    } else {
      if (state !== 'none' && !options.overwrite) conflicts.push(dest);
      files.push({ entry, dest, existed: state !== 'none' });
    }
  }
  if (refusals.length > 0) refuse(destDir, refusals);
  // Entries that differ only in case would land on one another on NTFS or APFS.
  const clashes = caseClashes(entries.map((entry) => join(destDir, ...entry.path.split('/'))));
  if (clashes.length > 0 && (await ignoresCase(destDir))) throw caseClashError(clashes);
  if (conflicts.length > 0) {
    conflicts.sort();
    const shown = conflicts.slice(0, 10).join(', ') + (conflicts.length > 10 ? ', …' : '');
    throw new InputError(
      `${conflicts.length === 1 ? 'A file' : `${conflicts.length} files`} already exist` +
        `${conflicts.length === 1 ? 's' : ''} with other content: ${shown}`,
      'Nothing was downloaded. Allow replacing them, or download into another directory',
      { code: 'would-overwrite', fields: { setting: 'overwrite', paths: conflicts } },
    );
  }
  const createDestination = destState === 'none' ? await topmostMissing(destDir) : undefined;
  return { createDestination, directories, files, unchanged };
}

/** The highest directory of `dir`'s path that does not exist (`dir` itself at least). */
async function topmostMissing(dir: string): Promise<string> {
  let top = dir;
  while (dirname(top) !== top && (await stateOf(dirname(top))) === 'none') top = dirname(top);
  return top;
}

function refuse(
  destDir: string,
  refusals: readonly string[],
  fix = 'Unpacking never writes through symbolic links in the destination; remove them or unpack into another directory',
): never {
  throw new InputError(
    `Cannot unpack into ${destDir}: ${refusals.slice(0, 5).join(', ')}${refusals.length > 5 ? ', …' : ''}`,
    `Nothing was written. ${fix}`,
  );
}

/** What the destination is, links followed: a link to nothing is named as such. */
async function destinationState(
  destDir: string,
): Promise<'none' | 'directory' | 'a file, not a directory' | 'a symbolic link to nothing'> {
  try {
    return (await stat(destDir)).isDirectory() ? 'directory' : 'a file, not a directory';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return 'a file, not a directory';
    if (code !== 'ENOENT') throw asLocalError(error, destDir, { verb: 'read' });
    return (await stateOf(destDir)) === 'symlink' ? 'a symbolic link to nothing' : 'none';
  }
}

/** Writes beside `dest` and renames; `created` (the new file) is tracked before the rename. */
async function writeEntry(
  tarPath: string,
  entry: TarEntry,
  dest: string,
  track: (path: string) => void,
  created?: string,
): Promise<void> {
  const partial = join(dirname(dest), `${PARTIAL_PREFIX}${randomBytes(6).toString('hex')}`);
  track(partial);
  try {
    const output = createWriteStream(partial, { fd: openSync(partial, 'wx', 0o600) });
    if (entry.size === 0) await finished(output.end());
    else await pipeline(createReadStream(tarPath, rangeOf(entry)), output);
    // The tar was indexed whole; a shorter copy means it changed underneath.
    const written = (await stat(partial)).size;
    if (written !== entry.size) {
      throw new Error(
        `${tarPath} changed while it was unpacked (${written} of ${entry.size} bytes)`,
      );
    }
    // Modes are kept (the exec bit is the point); set-id and sticky bits never are.
    await chmod(partial, entry.mode & 0o777);
    if (created) track(created);
    renameSync(partial, dest);
  } catch (error) {
    await rm(partial, { force: true });
    throw asLocalError(error, dest);
  }
}

function rangeOf(entry: TarEntry): { start: number; end: number; highWaterMark: number } {
  return { start: entry.offset, end: entry.offset + entry.size - 1, highWaterMark: 1024 * 1024 };
}

async function sameBytes(tarPath: string, entry: TarEntry, dest: string): Promise<boolean> {
  if ((await stat(dest)).size !== entry.size) return false;
  if (entry.size === 0) return true;
  const [a, b] = await Promise.all([
    digest(createReadStream(tarPath, rangeOf(entry))),
    digest(createReadStream(dest, { highWaterMark: 1024 * 1024 })),
  ]);
  return a === b;
}

async function digest(stream: NodeJS.ReadableStream): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
