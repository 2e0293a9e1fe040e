import type { LoggerPort, StoragePort } from '../ports.js';
import { deltaKey, directKey, formatSpace } from './delta-space.js';
import type { Downloader } from './downloader.js';
import { InputError, IntegrityError, NotFoundError, describeError } from './errors.js';
import { listSpace } from './lister.js';
import { decodeObject } from './metadata.js';
import type { DeltaSpace, LogicalFile } from './models.js';
import { mapLimit } from './util/map-limit.js';

/** `ok`: rebuilt and matched its sha256. `unchecked`: a plain object with no sha256 to match. */
export type VerifyStatus = 'ok' | 'failed' | 'unchecked';

/** The verdict on one logical file: a row of the verify table. */
export interface VerifyResult {
  name: string;
  /** The object that holds the file; for a file that could not be found, the name's key. */
  key: string;
  kind: LogicalFile['kind'] | 'missing';
  status: VerifyStatus;
  /** Size of the file: rebuilt, or as its metadata says when it failed (0 if unknown). */
  originalBytes: number;
  storedBytes: number;
  /** The sha256 of the rebuilt bytes (ok, unchecked). */
  sha256?: string;
  /** Why the file failed (the error's message and hint). */
  problem?: string;
}

export interface VerifierDeps {
  /** Lists the space and locates what failed. */
  storage: StoragePort;
  log: LoggerPort;
  /** Rebuilds files from the bucket: its references come from a bucket-only store. */
  downloader: Pick<Downloader, 'check'>;
  /** Files verified at once. */
  concurrency: number;
}

/**
 * Checks that logical files can be rebuilt from the bucket byte-exact: each one is
 * reconstructed into scratch space, hashed, and deleted.
 *
 * A verify must judge what the bucket holds, so its downloader never takes a reference
 * from the local cache (which could hide a reference.bin damaged in the bucket): the
 * core factory gives it a bucket-only reference store (reference-store.ts).
 */
export class Verifier {
  constructor(private readonly deps: VerifierDeps) {}

  /** Verifies one logical file. Corruption and absence are verdicts, not exceptions. */
  async verify(space: DeltaSpace, name: string): Promise<VerifyResult> {
    try {
      const checked = await this.deps.downloader.check(space, name);
      return {
        name,
        key: checked.key,
        kind: checked.verified ? (checked.kind === 'delta' ? 'delta' : 'direct') : 'plain',
        status: checked.verified ? 'ok' : 'unchecked',
        originalBytes: checked.originalBytes,
        storedBytes: checked.storedBytes,
        sha256: checked.sha256,
      };
    } catch (error) {
      if (!isVerdict(error)) throw error;
      this.deps.log.info(`${name}: FAILED: ${describeError(error)}`);
      return {
        ...(await this.locate(space, name)),
        status: 'failed',
        problem: describeError(error),
      };
    }
  }

  /** Verifies every logical file of a DeltaSpace, in listing order. */
  async verifyAll(space: DeltaSpace): Promise<VerifyResult[]> {
    const listing = await listSpace(this.deps.storage, space);
    if (listing.length === 0) {
      throw new InputError(
        `${formatSpace(space)} holds no files`,
        'Check the URL: a DeltaSpace URL ends with "/" and names the prefix the files were uploaded to',
      );
    }
    return mapLimit(listing, this.deps.concurrency, (file) =>
      file.problem
        ? Promise.resolve(refused(file, file.problem))
        : file.kind === 'plain'
          ? Promise.resolve(unchecked(file))
          : this.verify(space, file.name),
    );
  }

  /** What holds a file that failed, for the report: the object read first, as on download. */
  private async locate(
    space: DeltaSpace,
    name: string,
  ): Promise<Pick<VerifyResult, 'name' | 'key' | 'kind' | 'originalBytes' | 'storedBytes'>> {
    const { storage } = this.deps;
    for (const key of [directKey(space, name), deltaKey(space, name)]) {
      const head = await storage.head(space.bucket, key);
      if (!head) continue;
      const decoded = decodeObject(head.metadata);
      return {
        name,
        key,
        kind: decoded.type,
        originalBytes: decoded.type === 'plain' ? head.size : (decoded.size ?? 0),
        storedBytes: head.size,
      };
    }
    return { name, key: directKey(space, name), kind: 'missing', originalBytes: 0, storedBytes: 0 };
  }
}

/**
 * Failures that condemn one file (bytes that do not match, a reference or object that is
 * gone) rather than the whole run (no network, no permission, no xdelta3).
 */
function isVerdict(error: unknown): boolean {
  return error instanceof IntegrityError || error instanceof NotFoundError;
}

/** An object the listing flagged (control characters): never read, always a failure. */
function refused(file: LogicalFile, problem: string): VerifyResult {
  return { ...unchecked(file), kind: file.kind, status: 'failed', problem };
}

/** A plain object is listed, not downloaded: it has no sha256 to check. */
function unchecked(file: LogicalFile): VerifyResult {
  return {
    name: file.name,
    key: file.key,
    kind: 'plain',
    status: 'unchecked',
    originalBytes: file.originalBytes,
    storedBytes: file.storedBytes,
  };
}
