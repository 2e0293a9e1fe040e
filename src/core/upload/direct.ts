import { deltaKey, directKey } from '../delta-space.js';
import { encodeDirect } from '../metadata.js';
import type { DeltaSpace, FileResult } from '../models.js';
import { inStep } from '../progress.js';
import type { UploaderDeps } from './deps.js';
import { fileResult, type LocalFile } from './local-file.js';

// One name, one form: the direct upload, and the removal of the form a new upload
// supersedes (a direct object replaces a delta, and a delta a direct object).

export class DirectWriter {
  constructor(
    private readonly deps: Pick<UploaderDeps, 'storage' | 'clock' | 'log' | 'progress'>,
  ) {}

  async putDirect(space: DeltaSpace, file: LocalFile): Promise<FileResult> {
    const { storage, clock } = this.deps;
    const key = directKey(space, file.name);
    const meta = encodeDirect({
      originalName: file.name,
      sha256: file.sha256,
      size: file.size,
      createdAt: clock.now(),
    });
    await inStep(this.deps.progress, file.name, 'uploading', file.size, (onProgress) =>
      storage.upload(space.bucket, key, file.path, meta, { onProgress }),
    );
    await this.removeStale(space, deltaKey(space, file.name));
    return fileResult(file, key, 'direct', file.size);
  }

  /**
   * A name lives in one form: a direct object shadows a delta on read, and a stale
   * delta beside a direct object lists twice. Only deletes what exists, so buckets
   * written once per name need no s3:DeleteObject permission.
   */
  async removeStale(space: DeltaSpace, key: string): Promise<void> {
    const { storage, log } = this.deps;
    if (!(await storage.head(space.bucket, key))) return;
    log.info(`Removing ${key}: superseded by the new upload`);
    await storage.delete(space.bucket, key);
  }
}
