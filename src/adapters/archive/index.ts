// Archive-aware deltas: see docs/archive-aware.md.
export { ArchiveCodec, sniffContainer, type ArchiveCodecOptions } from './archive-codec.js';
export type { ExpandReport } from './expand-context.js';
export { EXPANDED_MAGIC, looksExpanded, type ContainerCodec } from './expanded-format.js';
export { describeRecipe, type DeflateRecipe } from './deflate-recipes.js';
export { VIEW_VERSION } from './view.js';
