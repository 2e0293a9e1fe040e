import type { LoggerPort, StoragePort } from '../../ports.js';
import { formatSpace, nameProblem } from '../delta-space.js';
import { describeSpace } from '../lister.js';
import type { DeltaSpace, LogicalFile } from '../models.js';
import { walkTree } from '../tree.js';

// The logical files under an S3 prefix, each with its path relative to that prefix: the
// remote side of a sync. Each directory is a DeltaSpace of its own, as `cp -r` makes them.

export interface RemoteFile {
  /** '/'-separated, relative to the root prefix. */
  path: string;
  space: DeltaSpace;
  file: LogicalFile;
}

/** Every logical file under `root` (its own level and every DeltaSpace below it). */
export async function listRemoteTree(
  storage: StoragePort,
  log: LoggerPort,
  root: DeltaSpace,
): Promise<RemoteFile[]> {
  const base = root.prefix === '' ? '' : `${root.prefix}/`;
  const directories = await walkTree(storage, root.bucket, base);
  const found: RemoteFile[] = [];
  for (const directory of directories) {
    if (directory.objects.length === 0) continue;
    const space = { bucket: root.bucket, prefix: directory.prefix };
    const below = directory.prefix.slice(base.length);
    // Keys from the bucket become local paths: a "..", "." or "a\\b" folder could climb out.
    const badSegment = below.split('/').find((s) => below !== '' && nameProblem(s) !== undefined);
    if (badSegment !== undefined) {
      log.warning(
        `Skipping ${JSON.stringify(formatSpace(space))}: the folder name ${nameProblem(badSegment)}`,
      );
      continue;
    }
    for (const file of await describeSpace(storage, space, directory.objects)) {
      const path = below === '' ? file.name : `${below}/${file.name}`;
      if (file.problem) {
        log.warning(`Skipping ${JSON.stringify(path)}: ${file.problem}`);
        continue;
      }
      found.push({ path, space, file });
    }
  }
  return found;
}
