// Go's compress/flate as a recipe: what Go's archive/zip (level 5 by default),
// compress/gzip (level 6 by default) and goreleaser (level 9 for both) write.
import { HUFFMAN_ONLY } from './compressor.js';

export interface GoFlateRecipe {
  engine: 'go';
  /** Go's level: 0–9, or -2 for flate.HuffmanOnly. */
  level: number;
}

/** Recorded in the expanded form's `producers`. */
export const GO_FLATE_PRODUCER = 'go-flate 1 (port of Go 1.19 compress/flate)';

/** Most used first: goreleaser (9), archive/zip (5), gzip's default (6), BestSpeed (1). */
const GO_LEVELS = [9, 5, 6, 1, 7, 8, 4, 3, 2, 0, HUFFMAN_ONLY];

export function goFlate(level: number): GoFlateRecipe {
  return { engine: 'go', level };
}

/** Go candidates, the container's likely levels first. */
export function goFlateCandidates(likelyLevels: readonly number[] = []): GoFlateRecipe[] {
  const levels = [...likelyLevels.filter((level) => GO_LEVELS.includes(level)), ...GO_LEVELS];
  return [...new Set(levels)].map(goFlate);
}

export function describeGoFlate(recipe: GoFlateRecipe): string {
  return `go-flate level ${recipe.level}`;
}

/** Go's level from an untrusted recipe, or undefined when it is not one Go has. */
export function goFlateLevel(value: unknown): number | undefined {
  return typeof value === 'number' && GO_LEVELS.includes(value) ? value : undefined;
}
