import { selectSpaces, type Shard } from '../core/lifecycle/shard.js';
import type { DeltaSpace } from '../core/models.js';
import type { Directory } from '../core/tree.js';
import type { App } from './create-app.js';

export interface SelectedSpace {
  space: DeltaSpace;
  /** Its objects, as the selecting walk listed them. */
  directory: Directory;
}

/** The DeltaSpaces a command works on: the roots, with -r their sub-spaces, in a shard. */
export function spacesUnder(
  app: App,
  roots: readonly DeltaSpace[],
  selection: { recursive: boolean; shard?: Shard },
): Promise<SelectedSpace[]> {
  return selectSpaces(app.storage, roots, selection);
}
