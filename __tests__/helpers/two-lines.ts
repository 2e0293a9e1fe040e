import { join } from 'node:path';
import type { DeltaSpace } from '../../src/core/models.js';
import type { ServiceFixture } from './service-fixture.js';
import { writeVersions } from './versions.js';

/**
 * Two artifact lines, three releases each, uploaded to `space`: linux 1.0.0 makes
 * reference.bin, mac gets its own reference under .dg-refs/, and linux 3.0.0, stored by
 * `rotating` (rotation ratio 0), becomes its line's new reference. After `--keep-last 1`
 * no delta needs reference.bin. Resolves to the local files by name.
 */
export async function uploadTwoLines(
  dir: string,
  space: DeltaSpace,
  size: number,
  usual: ServiceFixture,
  rotating: ServiceFixture,
): Promise<Map<string, string>> {
  const paths = new Map<string, string>();
  for (const [platform, seed] of [
    ['linux', 61],
    ['mac', 71],
  ] as const) {
    const names = [1, 2, 3].map((v) => `tool-${v}.0.0-${platform}.bin`);
    const written = await writeVersions(join(dir, space.prefix), names, size, seed);
    names.forEach((name, i) => paths.set(name, written[i]!));
  }
  for (const v of [1, 2, 3]) {
    for (const platform of ['linux', 'mac']) {
      const name = `tool-${v}.0.0-${platform}.bin`;
      const writer = name === 'tool-3.0.0-linux.bin' ? rotating : usual;
      await writer.service.uploads.upload(paths.get(name)!, space, name);
    }
  }
  return paths;
}
