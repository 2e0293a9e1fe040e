import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';

const GZIP_NAMES = new Set(['gzip', 'gunzip', 'zcat']);

/**
 * A PATH (one folder, `<dir>/bin-without-gzip`, of links to every program on this PATH but
 * gzip's) under which an archive rebuild can only use the bundled engines.
 */
export async function pathWithoutGzip(dir: string): Promise<string> {
  const bin = join(dir, 'bin-without-gzip');
  await mkdir(bin);
  for (const folder of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      if (GZIP_NAMES.has(name) || existsSync(join(bin, name))) continue;
      await symlink(join(folder, name), join(bin, name));
    }
  }
  return bin;
}
