// The default budget of one archive-aware expansion at upload. Past it the file is stored
// without expansion: hostile archives cost bounded time and scratch space.
import { expansionLimit } from '../../core/output-limit.js';
import { ExpansionBudget } from './expand-context.js';
import { BASE_DEFLATED_RECORDS, maxDeflatedRecords } from './expanded-format.js';

export interface ExpandBudgetOptions {
  /**
   * Bytes of expanded form (default and ceiling: `expansionLimit` of the file, the most
   * a download accepts: 32 times the file, at least 64 MiB).
   */
  maxExpandedBytes?: number;
  /**
   * Entries (deflate streams) of the archive (default 10,000; never more than a download
   * of the file accepts, maxDeflatedRecords).
   */
  maxEntries?: number;
  /** Wall time of search, write and proof together, in ms (default 60 s + 1 s per MiB). */
  maxMs?: number;
}

export const DEFAULT_MAX_ENTRIES = BASE_DEFLATED_RECORDS;
const BASE_MS = 60_000;
const MS_PER_MIB = 1_000;

export function budgetFor(
  fileBytes: number,
  started: number,
  options: ExpandBudgetOptions = {},
): ExpansionBudget {
  const ceiling = expansionLimit(fileBytes);
  const maxMs = options.maxMs ?? BASE_MS + Math.ceil(fileBytes / 1024 / 1024) * MS_PER_MIB;
  return new ExpansionBudget({
    maxBytes: Math.min(ceiling, options.maxExpandedBytes ?? ceiling),
    // A form with more records than this would be refused by every download of the file.
    maxEntries: Math.min(options.maxEntries ?? DEFAULT_MAX_ENTRIES, maxDeflatedRecords(fileBytes)),
    deadline: started + maxMs,
  });
}
