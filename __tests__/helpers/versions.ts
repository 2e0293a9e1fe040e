import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeArtifact, writeNextVersion } from '../../scripts/lib/artifacts.mjs';

/**
 * Consecutive versions of a `size`-byte artifact, written into `dir` under `names`: the
 * first is seeded with `seed`, each next one is a small edit of the one before (seeded
 * `seed + i`). Resolves to their paths, in order.
 */
export async function writeVersions(
  dir: string,
  names: readonly string[],
  size: number,
  seed: number,
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths = names.map((name) => join(dir, name));
  await writeArtifact(paths[0]!, size, seed);
  for (let i = 1; i < paths.length; i++) {
    await writeNextVersion(paths[i - 1]!, paths[i]!, { seed: seed + i });
  }
  return paths;
}
