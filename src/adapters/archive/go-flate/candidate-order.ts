// Which streams the Go levels are worth trying on, from the stream's last 4 bytes.
import type { FileHandle } from 'node:fs/promises';

/** Go's Close always ends the stream with an empty final stored block: 00 00 ff ff. */
const GO_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Orders candidates for one deflate stream by its last bytes, read once: Go always ends
 * with an empty stored block, so for a stream that does, Go's levels go first (the other
 * engines cannot have made it unless they flushed the same way); for one that does not,
 * Go's are dropped, and other archives pay nothing for them.
 */
export async function orderForGoTail<R extends { engine: string }>(
  handle: FileHandle,
  start: number,
  length: number,
  candidates: readonly R[],
): Promise<readonly R[]> {
  if (!candidates.some((recipe) => recipe.engine === 'go')) return candidates;
  const tail = Buffer.alloc(GO_TAIL.length);
  const at = start + length - tail.length;
  const { bytesRead } =
    length > tail.length ? await handle.read(tail, 0, tail.length, at) : { bytesRead: 0 };
  const isGo = (recipe: R) => recipe.engine === 'go';
  if (bytesRead !== tail.length || !tail.equals(GO_TAIL)) {
    return candidates.filter((recipe) => !isGo(recipe));
  }
  return [...candidates.filter(isGo), ...candidates.filter((recipe) => !isGo(recipe))];
}
