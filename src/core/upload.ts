import { basename } from 'node:path';
import type { ProgressPort, StoragePort } from '../ports.js';
import { directKey, referenceKey } from './delta-space.js';
import { InputError } from './errors.js';
import type { DeltaSpace, FileResult } from './models.js';
import { refuseReservedKeys } from './reserved.js';
import type { Uploader } from './uploader.js';
import { mapLimit } from './util/map-limit.js';

export interface UploadsDeps {
  storage: Pick<StoragePort, 'head'>;
  uploader: Pick<Uploader, 'upload'>;
  progress: ProgressPort;
  /** Files processed at once. */
  concurrency: number;
}

/** The upload use case: one file, or several into one DeltaSpace. */
export class Uploads {
  constructor(private readonly deps: UploadsDeps) {}

  upload(path: string, space: DeltaSpace, name?: string): Promise<FileResult> {
    return this.deps.progress.file(name ?? basename(path), () =>
      this.deps.uploader.upload(path, space, name),
    );
  }

  /**
   * Uploads several files into one DeltaSpace. When the space has no reference yet, the
   * first file is uploaded alone so that the reference is the first file given (a
   * deterministic choice), and the rest run concurrently against it.
   */
  async uploadAll(paths: readonly string[], space: DeltaSpace): Promise<FileResult[]> {
    assertUniqueNames(paths);
    refuseReservedKeys(
      space.bucket,
      paths.map((path) => ({ key: directKey(space, basename(path)), path })),
    );
    if (paths.length === 0) return [];
    const { storage, concurrency } = this.deps;
    const hasReference = await storage.head(space.bucket, referenceKey(space));
    const [first, ...rest] = paths as [string, ...string[]];
    if (hasReference) return mapLimit(paths, concurrency, (p) => this.upload(p, space));
    const head = await this.upload(first, space);
    const tail = await mapLimit(rest, concurrency, (p) => this.upload(p, space));
    return [head, ...tail];
  }
}

function assertUniqueNames(paths: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const path of paths) {
    const name = basename(path);
    const other = seen.get(name);
    if (other !== undefined) {
      throw new InputError(
        `Two files share the name "${name}": ${other} and ${path}`,
        'Each file is stored as <prefix>/<basename>; upload them to different prefixes or rename one',
        { code: 'name-clash', fields: { setting: 'path', paths: [other, path] } },
      );
    }
    seen.set(name, path);
  }
}
