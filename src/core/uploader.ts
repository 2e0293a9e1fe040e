import { basename } from 'node:path';
import {
  assertValidName,
  deltaKey,
  directKey,
  referenceKey,
  referenceKeyFor,
} from './delta-space.js';
import { DeltaGliderError } from './errors.js';
import { decodeObject } from './metadata.js';
import { assertMetadataFits } from './metadata-budget.js';
import type { DeltaSpace, FileResult } from './models.js';
import { archiveContainer, classify, SNIFF_BYTES, type Eligibility } from './policy.js';
import { isReferenceNow, readReference } from './references/catalog.js';
import { refuseReservedKeys } from './reserved.js';
import { SINGLE_REFERENCE, type ReferencePolicy } from './references/choose.js';
import { formatS3Url } from './s3-url.js';
import { ReferenceCreator } from './upload/create-reference.js';
import { DeltaWriter } from './upload/deltas.js';
import type { UploaderDeps, UploadOptions } from './upload/deps.js';
import { DirectWriter } from './upload/direct.js';
import { DeltaEncoder } from './upload/encode.js';
import { Expansion } from './upload/expansion.js';
import {
  expandFile,
  fileResult,
  mayExpand,
  type LocalFile,
  type RefId,
} from './upload/local-file.js';
import { SmartReferences } from './upload/smart.js';

// Stores one local file in a DeltaSpace: the unchanged check, the archive-aware
// expansion, the choice between direct and delta, and the loop that creates the space's
// reference or deltas against it, starting over when a racer changed it. The steps live
// in src/core/upload/ (direct, encode, deltas, create-reference, smart).

export type { UploaderDeps, UploadOptions } from './upload/deps.js';

/** Tries at creating a reference whose creation another writer claimed first. */
const REFERENCE_ATTEMPTS = 6;

/** Stores local files in a DeltaSpace as reference, delta or direct objects. */
export class Uploader {
  private readonly direct: DirectWriter;
  private readonly encoder: DeltaEncoder;
  private readonly deltas: DeltaWriter;
  private readonly creator: ReferenceCreator;
  private readonly smart: SmartReferences;
  private readonly policy: ReferencePolicy;

  constructor(
    private readonly deps: UploaderDeps,
    private readonly options: UploadOptions,
  ) {
    this.direct = new DirectWriter(deps);
    this.encoder = new DeltaEncoder(deps);
    this.deltas = new DeltaWriter(deps, options, this.encoder, this.direct);
    this.creator = new ReferenceCreator(deps, this.deltas, this.direct);
    this.policy = options.references ?? SINGLE_REFERENCE;
    this.smart = new SmartReferences(deps, this.policy, this.deltas, this.creator, this.direct);
  }

  async upload(path: string, space: DeltaSpace, name = basename(path)): Promise<FileResult> {
    assertValidName(name);
    assertMetadataFits(space, name);
    refuseReservedKeys(space.bucket, [{ key: directKey(space, name), path }]);
    const { files, hasher, log } = this.deps;
    const size = await files.size(path);
    const head = await files.readHead(path, SNIFF_BYTES);
    const plain = classify(name, size, head, this.options.minDeltaBytes);
    const file: LocalFile = {
      path,
      name,
      size,
      sha256: await hasher.sha256File(path),
      plainDelta: plain.eligible,
    };

    const unchanged = await this.findUnchanged(space, file);
    if (unchanged) {
      log.info(`${name}: unchanged since the last upload (same sha256), nothing written`);
      return unchanged;
    }
    const container = mayExpand(this.deps, this.options, size) && archiveContainer(head);
    if (container) {
      file.expansion = new Expansion((work) => expandFile(this.deps, file, work), files);
    }
    try {
      return await this.store(space, file, container ? { eligible: true } : plain);
    } finally {
      await file.expansion?.dispose();
      await this.encoder.forget(file);
    }
  }

  private async store(
    space: DeltaSpace,
    file: LocalFile,
    eligibility: Eligibility,
  ): Promise<FileResult> {
    const { log, storage } = this.deps;
    const { name } = file;
    if (!eligibility.eligible) {
      log.info(`${name}: stored direct (${eligibility.reason})`);
      return this.direct.putDirect(space, file);
    }

    const rootKey = referenceKey(space);
    let root = await readReference(storage, space.bucket, rootKey);
    for (let attempt = 1; ; attempt++) {
      if (root.kind === 'missing') {
        const sketch = await this.smart.sketchOf(file);
        const created = await this.creator.createRoot(space, file, sketch);
        if (created.kind === 'created') return created.result;
        // Another writer's conditional PUT won but may still be in flight (or may fail):
        // wait for its reference to appear, and try to create it again if it never does.
        root = await readReference(storage, space.bucket, rootKey);
        if (root.kind === 'missing') {
          if (attempt >= REFERENCE_ATTEMPTS) {
            throw new DeltaGliderError(
              `${formatS3Url(space.bucket, rootKey)} is being created by another writer but never appeared`,
              'Try again; if it persists, check for stuck uploads to this DeltaSpace',
              { code: 'reference-never-appeared', fields: { bucket: space.bucket, key: rootKey } },
            );
          }
          await this.deps.clock.sleep(250 * 2 ** attempt);
          continue;
        }
      }
      const single = this.policy.mode !== 'smart';
      if (single && root.retiring.kind !== 'active') {
        // A prune found no delta needing the space's only reference and marked it to go
        // (docs/lifecycle.md): no new delta may take it. Direct until it is gone; the next
        // upload after that makes a new reference.bin.
        log.info(`${name}: stored direct (${formatS3Url(space.bucket, rootKey)} is retiring)`);
        return this.direct.putDirect(space, file);
      }
      const rootRef = { key: rootKey, sha256: root.sha256 };
      if (!(await this.deltaCanPay(space, file, single ? rootRef : undefined))) {
        log.info(`${name}: stored direct (no recipe reproduces its compressed content)`);
        return this.direct.putDirect(space, file);
      }
      const stored = single
        ? await this.deltas.putDelta(space, file, rootRef)
        : await this.smart.store(space, file);
      if (stored.kind === 'stored') return stored.result;
      // The reference was replaced while this delta was being made: only a racer on a
      // store that ignores If-None-Match does that, and it settles within a few tries.
      if (attempt >= REFERENCE_ATTEMPTS) {
        throw new DeltaGliderError(
          `${formatS3Url(space.bucket, stored.refKey)} kept changing while ${name} was stored against it`,
          'Other writers keep replacing the reference; try again once they are done',
          { code: 'reference-kept-changing', fields: { bucket: space.bucket, key: stored.refKey } },
        );
      }
      this.smart.forget(space);
      root = await readReference(storage, space.bucket, rootKey);
    }
  }

  /**
   * False for compressed content no recipe reproduces: neither a plain nor an
   * archive-aware delta of it can be smaller than the file. The expansion runs beside
   * the download of the first reference the file will be tried against and the making of
   * its view; while the codec proves the expanded form, its archive-aware delta against
   * that reference is encoded (the proof recompresses the whole content, the encode reads
   * it: the two take about as long).
   */
  private async deltaCanPay(space: DeltaSpace, file: LocalFile, ref?: RefId): Promise<boolean> {
    if (!file.expansion) return true;
    const first = ref ? this.deltas.prepare(space, ref) : this.smart.prepare(space, file);
    const expanded = file.expansion.get(async (written) => {
      const prepared = await first;
      if (prepared) await this.encoder.speculate(file, prepared.path, prepared.ref.sha256, written);
    });
    await first;
    return file.plainDelta || (await expanded) !== undefined;
  }

  /** An object already holding these exact bytes under this name makes the upload a no-op. */
  private async findUnchanged(space: DeltaSpace, file: LocalFile): Promise<FileResult | undefined> {
    const { storage } = this.deps;
    for (const key of [deltaKey(space, file.name), directKey(space, file.name)]) {
      const head = await storage.head(space.bucket, key);
      if (!head) continue;
      const decoded = decodeObject(head.metadata);
      if (decoded.type === 'plain' || decoded.sha256 !== file.sha256) continue;
      // A delta whose reference has been replaced since cannot be rebuilt: store the file
      // again (a re-run heals what a lost race on a store without If-None-Match broke).
      if (decoded.type === 'delta' && !(await this.rebuildable(space, decoded))) continue;
      const kind = decoded.type === 'direct' ? 'direct' : 'delta';
      return fileResult(file, key, kind, head.size);
    }
    return undefined;
  }

  /** True when the delta's reference is stored with the sha256 the delta was made against. */
  private async rebuildable(
    space: DeltaSpace,
    delta: { refKey?: string; refSha256?: string },
  ): Promise<boolean> {
    if (delta.refSha256 === undefined) return true; // legacy: checked on download
    const refKey = referenceKeyFor(delta.refKey ?? referenceKey(space));
    return isReferenceNow(this.deps.storage, space.bucket, refKey, delta.refSha256);
  }
}
