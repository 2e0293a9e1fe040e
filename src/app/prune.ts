import {
  Pruner,
  type PruneDeps,
  type PruneOptions,
  type SpacePruneResult,
} from '../core/lifecycle/prune.js';
import type { App } from './create-app.js';
import type { SelectedSpace } from './spaces.js';

export interface PruneRequest extends PruneOptions {
  spaces: readonly SelectedSpace[];
  onEvent?: PruneDeps['onEvent'];
}

/** `prune`: old versions per file family, then the references no delta left needs. */
export function prune(
  app: App,
  { spaces, onEvent, ...options }: PruneRequest,
): Promise<SpacePruneResult[]> {
  const pruner = new Pruner({
    storage: app.storage,
    log: app.log,
    concurrency: app.options.concurrency,
    onEvent,
  });
  return pruner.prune(spaces, options);
}
