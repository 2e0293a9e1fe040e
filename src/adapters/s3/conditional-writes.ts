// `If-None-Match: *` where the store takes it, a HEAD-verified create where it does not.
//
// S3, R2, MinIO and Ceph answer a conditional create of an existing key with 412. Some
// stores ignore the header (create-if-absent.ts narrows the window there); others refuse
// it outright (501, or 400 NotImplemented / InvalidArgument), and an upload that sends it
// would fail on every run. On such a store the write is retried without the header after
// one more look at the key, and from then on this client goes straight to the HEAD-checked
// write, with one warning that names the store's answer: the same protocol as for the
// stores that ignore the header, whose remaining race the core's post-write checks catch.
import type { PutOutcome } from '../../ports.js';
import { describeAnswer, errorCodeOf, httpStatusOf, StorageError } from './errors.js';

/** A write of a new object, with or without `If-None-Match: *`. */
export type ConditionalWrite = (withHeader: boolean) => Promise<PutOutcome>;

// 400 answers that name the header as the problem, as opposed to the request's body.
const REFUSED_HEADER_CODES = new Set(['NotImplemented', 'InvalidArgument', 'InvalidRequest']);

export class ConditionalWrites {
  /** The store's answer to the header, once it refused it. */
  private refused: string | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * Looks at the key (`isAbsent`), then runs `write`, with the header unless the store
   * refused it before; if it refuses it now, looks once more and writes without it.
   * `'exists'` when the key was taken.
   */
  async create(write: ConditionalWrite, isAbsent: () => Promise<boolean>): Promise<PutOutcome> {
    if (!(await isAbsent())) return 'exists';
    if (this.refused !== undefined) return write(false);
    try {
      return await write(true);
    } catch (error) {
      if (!refusesHeader(error)) throw error;
      if (!(await isAbsent())) return 'exists';
      // If this fails too, the header was not the trouble: its error is the one to see.
      const outcome = await write(false);
      this.remember(describeAnswer(error instanceof StorageError ? error.cause : error));
      return outcome;
    }
  }

  private remember(answer: string): void {
    if (this.refused !== undefined) return;
    this.refused = answer;
    this.warn(
      `the S3 store at ${this.endpoint} refused If-None-Match: * (${answer}); new ` +
        'references are created after a HEAD check instead, which two jobs creating the ' +
        'same reference at the same moment can both pass (the check after writing reports it)',
    );
  }
}

function refusesHeader(thrown: unknown): boolean {
  const error = thrown instanceof StorageError ? thrown.cause : thrown;
  const status = httpStatusOf(error);
  const code = errorCodeOf(error);
  if (status === 501 || code === 'NotImplemented') return true;
  return status === 400 && code !== undefined && REFUSED_HEADER_CODES.has(code);
}
