// One pass instead of two for a .tgz: the inflated content goes to the expanded form's
// writer and, at the same time, through the GNU gzip recipe whose output is compared with
// the whole original deflate stream. The proof then only reads the form back and checks
// the content's sha256 (compared-streams.ts), instead of inflating nothing but
// recompressing everything a second time after the write.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { Mismatch, RangeComparer } from './byte-sinks.js';
import type { ComparedStream } from './compared-streams.js';
import { deflateWith, type EngineOptions } from './deflate-engines.js';
import { recipeKey, type GzipBinaryRecipe } from './deflate-recipes.js';

export interface ComparingTee {
  /** The content, for the writer: read it to the end, or destroy `content` on failure. */
  forWriter: Readable;
  /**
   * The stream compared whole, or where the recipe's output first differs (relative to
   * `start`); rejects when the content cannot be read (the writer sees the same error).
   */
  result: Promise<ComparedStream | Mismatch>;
  /** Stops both sides after the writer failed (`result` then rejects). */
  cancel(): void;
}

/**
 * Splits `content` between the writer and `recipe`, whose output is compared with the
 * `length` bytes of `original` from `start`. The slower side sets the pace (pipe waits
 * for both); a recipe that fails early leaves the writer reading on its own.
 */
export function compareWhileWriting(
  content: Readable,
  original: FileHandle,
  start: number,
  length: number,
  recipe: GzipBinaryRecipe,
  engines: EngineOptions & { tick?: () => void },
): ComparingTee {
  const hash = createHash('sha256');
  const forWriter = new PassThrough({ highWaterMark: 1024 * 1024 });
  const forGzip = new PassThrough({ highWaterMark: 1024 * 1024 });
  content.on('data', (chunk: Buffer) => hash.update(chunk));
  content.on('error', (error) => {
    forWriter.destroy(error);
    forGzip.destroy(error);
  });
  content.pipe(forWriter);
  content.pipe(forGzip);
  const comparer = new RangeComparer(original, start, length);
  const result = (async (): Promise<ComparedStream | Mismatch> => {
    try {
      await deflateWith(
        recipe,
        forGzip,
        async (deflated) => {
          for await (const chunk of deflated) {
            engines.tick?.();
            await comparer.write(chunk);
          }
        },
        engines,
      );
      comparer.end();
    } catch (error) {
      if (error instanceof Mismatch) return error;
      throw error;
    }
    return { start, length, recipe: recipeKey(recipe), contentSha256: hash.digest('hex') };
  })();
  const cancel = () => {
    const stopped = new Error('the write stopped');
    content.destroy();
    forWriter.destroy(stopped);
    forGzip.destroy(stopped);
  };
  return { forWriter, result, cancel };
}
