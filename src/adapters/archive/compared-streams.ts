// Deflate streams the zip search's batched gzip runs already compared whole (zip-codec.ts):
// the upload proof takes them as proven instead of recompressing their content again.
//
// Why this proves what recompressing would. The proof must guarantee that a download,
// which rebuilds each 'D' record by deflating the content it reads from the expanded form
// with the record's recipe, gives back the original byte for byte. For a record the
// shortcut skips, every premise of that is checked against the expanded form itself, not
// against what the writer meant to write:
// - content C went to GNU gzip with recipe R, and every deflate byte gzip wrote was
//   compared with the original's bytes [start, start + length), to the stream's end (the
//   batch checks that the member's trailer follows right there, with C's CRC-32 and
//   length: gzip-batch.ts);
// - the record sits where those bytes sit: the output position the records before it
//   describe is `start` (each record's output length is enforced during a rebuild, and
//   the bytes before it are compared or skipped on the same terms), and its deflate
//   length is `length`;
// - its recipe, as a download parses it from the form's header, has R's key (engine,
//   level, --rsyncable: everything gzip's arguments come from);
// - it carries no correction (a 'C' record is always recompressed);
// - the content read back from the form has C's sha256, so it is C.
// GNU gzip compresses each input from a fresh state, whatever it read before or reads
// after, and whatever sizes its reads return (it refills its window to a fixed lookahead
// before each decision): a batched run, a run on a pipe and a single run give the same
// member for the same content and arguments. The rebuild already relies on that (it
// batches records differently than the search did). So deflating the record's content
// with its recipe gives exactly the original's bytes at that place; recompressing it again
// in the proof would only repeat the search's comparison. Everything else (verbatim
// records, entries matched on a prefix, near misses, other engines, whose output may depend
// on how their input is chunked) is rebuilt and compared as before, and the total length
// is still checked at the end.
//
// What the shortcut does not cover: a local process that rewrites the search's staged
// files between their hashing and gzip reading them (a private temporary directory of the
// same user; gzip's trailer CRC would also have to match). The download's sha256 check of
// the rebuilt file stays the last word either way.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { readAt } from './byte-sinks.js';
import { recipeKey } from './deflate-recipes.js';
import type { ExpandedRecord } from './expanded-format.js';

const HASH_CHUNK_BYTES = 1024 * 1024;

/** A deflate stream of the original that the search compared byte for byte, to its end. */
export interface ComparedStream {
  /** Where its deflate bytes sit in the original, and how many. */
  start: number;
  length: number;
  /** The key (recipeKey) of the GNU gzip recipe whose output was compared. */
  recipe: string;
  /** The sha256 of the content that recipe compressed. */
  contentSha256: string;
}

type DeflatedRecord = Extract<ExpandedRecord, { kind: 'deflated' }>;

export class ComparedStreams {
  private readonly byStart = new Map<number, ComparedStream>();

  constructor(streams: Iterable<ComparedStream>) {
    for (const stream of streams) this.byStart.set(stream.start, stream);
  }

  /**
   * Whether `record` of the expanded form open at `form`, whose output starts at `position`
   * in the original, is one of these streams (see the head of this file).
   */
  async covers(form: FileHandle, record: DeflatedRecord, position: number): Promise<boolean> {
    const compared = this.byStart.get(position);
    if (
      !compared ||
      record.correction ||
      record.recipe.engine !== 'gzip' ||
      record.deflateLength !== compared.length ||
      recipeKey(record.recipe) !== compared.recipe
    ) {
      return false;
    }
    const hash = createHash('sha256');
    for (let done = 0; done < record.contentLength; done += HASH_CHUNK_BYTES) {
      const length = Math.min(HASH_CHUNK_BYTES, record.contentLength - done);
      hash.update(await readAt(form, record.start + done, length));
    }
    return hash.digest('hex') === compared.contentSha256;
  }
}
