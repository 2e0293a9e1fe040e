// Looks a command up on PATH the way a shell would, without spawning one.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import type { PlatformPath } from 'node:path';

async function isRunnable(path: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    if (platform !== 'win32') await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First `command` on PATH (with PATHEXT extensions on Windows), or undefined. */
export async function findOnPath(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  // path.win32 on Windows: its `;` delimiter and `\` joins.
  path: PlatformPath = nodePath,
): Promise<string | undefined> {
  const folders = (env.PATH ?? '').split(path.delimiter).filter((folder) => folder !== '');
  const extensions =
    platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean) : [''];
  for (const folder of folders) {
    for (const extension of extensions) {
      const candidate = path.join(folder, command + extension);
      if (await isRunnable(candidate, platform)) return candidate;
    }
  }
  return undefined;
}
