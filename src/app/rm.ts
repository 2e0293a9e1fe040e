import { removeSpace, type RemoveSpaceResult } from '../core/lifecycle/remove-space.js';
import type { DeltaSpace } from '../core/models.js';
import type { RemoveResult } from '../core/remover.js';
import type { App } from './create-app.js';

/** `rm`: a logical file, and the space's reference once no delta needs it. */
export function remove(
  app: App,
  { space, name, dryRun }: { space: DeltaSpace; name: string; dryRun?: boolean },
): Promise<RemoveResult> {
  return app.core.inspection.remove(space, name, { dryRun });
}

/** `rm -r`: every object of a DeltaSpace. */
export function removeWhole(
  app: App,
  { space, dryRun }: { space: DeltaSpace; dryRun?: boolean },
): Promise<RemoveSpaceResult> {
  return removeSpace(app.storage, app.log, space, { dryRun });
}
