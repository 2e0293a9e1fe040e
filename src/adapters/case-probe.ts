// Does the file system under a path ignore case? Asked without writing anything: stat the
// nearest existing folder whose name has letters under its case-swapped name, and see
// whether that is the same folder (same device and inode; Node gives NTFS file ids too).
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { PlatformPath } from 'node:path';

/** `name` with each letter's case swapped; equal to `name` when it has no cased letter. */
export function swapCase(name: string): string {
  return [...name]
    .map((char) => {
      const lower = char.toLowerCase();
      return lower === char ? char.toUpperCase() : lower;
    })
    .join('');
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  return stat(path).catch(() => undefined);
}

/**
 * Whether `path`'s file system treats `A` and `a` as one name. When no folder on the
 * way up (on the same device) has a letter to swap, it answers what the OS's default file
 * system does: NTFS and APFS ignore case, Linux's file systems do not.
 */
export async function ignoresCase(
  path: string,
  os: NodeJS.Platform = process.platform,
  paths: PlatformPath = nodePath,
): Promise<boolean> {
  let folder = paths.resolve(path);
  let info = await statOrUndefined(folder);
  while (!info?.isDirectory()) {
    const parent = paths.dirname(folder);
    if (parent === folder) return os === 'win32' || os === 'darwin';
    folder = parent;
    info = await statOrUndefined(folder);
  }
  const device = info.dev;
  for (;;) {
    const name = paths.basename(folder);
    const swapped = swapCase(name);
    const parent = paths.dirname(folder);
    const here = await statOrUndefined(folder);
    // Another file system further up (a mount point) may answer differently: stop.
    if (!here || here.dev !== device || parent === folder) break;
    if (swapped !== name) {
      const other = await statOrUndefined(paths.join(parent, swapped));
      return other !== undefined && other.dev === here.dev && other.ino === here.ino;
    }
    folder = parent;
  }
  return os === 'win32' || os === 'darwin';
}
