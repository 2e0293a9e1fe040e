import { LocalTree } from '../adapters/local-tree.js';
import {
  runSync,
  type SyncOutcome,
  type SyncRequest as CoreSyncRequest,
} from '../core/lifecycle/sync-run.js';
import type { App } from './create-app.js';

export interface SyncRequest extends CoreSyncRequest {
  /** The local directory (up: the source; down: the destination). */
  local: string;
}

/** `sync`: makes the tree under `root` match the directory `local`, or the other way. */
export function sync(app: App, { local, ...request }: SyncRequest): Promise<SyncOutcome> {
  return runSync(
    {
      storage: app.storage,
      log: app.log,
      hasher: app.hasher,
      uploads: app.core.uploads,
      downloads: app.core.downloads,
      local: new LocalTree(local, app.log),
    },
    request,
  );
}
