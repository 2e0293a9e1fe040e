import type { DeltaSpace, LogicalFile } from '../core/models.js';
import type { Directory } from '../core/tree.js';
import type { ListedObject } from '../ports.js';
import type { App } from './create-app.js';

/**
 * `ls`: the logical files of a DeltaSpace (warning about names stored in two forms).
 * `listed`: its objects from a walk already made.
 */
export function list(
  app: App,
  { space, listed }: { space: DeltaSpace; listed?: Iterable<ListedObject> },
): Promise<LogicalFile[]> {
  return app.core.inspection.list(space, listed);
}

/** The directories (candidate DeltaSpaces) under a bucket or prefix, with their objects. */
export function walk(
  app: App,
  { bucket, prefix }: { bucket: string; prefix: string },
): Promise<Directory[]> {
  return app.core.inspection.walk(bucket, prefix);
}
