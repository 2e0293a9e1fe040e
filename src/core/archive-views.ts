import type { ArchiveCodecPort, HasherPort, LocalFilesPort } from '../ports.js';
import { DeltaGliderError, IntegrityError } from './errors.js';
import { expansionLimit, OutputLimitError } from './output-limit.js';

/** How an archive-aware delta saw its reference (`dg-ref-view`). */
export type RefView = 'raw' | string;

/** The codec's view versions: part of the on-bucket format, like the expanded form. */
export const VIEW_V1 = 'view-v1';
/** Zip views as expanded-form records (gzip views are the same in both versions). */
export const VIEW_V2 = 'view-v2';
const KNOWN_VIEWS = new Set([VIEW_V1, VIEW_V2]);

/** A reference as an archive-aware delta sees it; size and sha256 of a view, not of raw bytes. */
export interface ReferenceView {
  path: string;
  refView: RefView;
  size?: number;
  sha256?: string;
}

/** What a delta recorded about the view it was made against (absent on older objects). */
export interface RecordedView {
  size?: number;
  sha256?: string;
  /** The delta that recorded them, as errors name it. */
  delta?: string;
}

/**
 * The reference side of archive-aware deltas: each reference's deterministic uncompressed
 * view, derived once per run from its verified local copy and kept in scratch space.
 *
 * A view is bounded: never more than `expansionLimit` of its reference, nor more than a
 * delta recorded for it (a 254 KiB gzip of zeros must not become 256 MiB of scratch).
 */
export class ArchiveViews {
  private readonly views = new Map<string, Promise<ReferenceView>>();

  constructor(
    readonly codec: ArchiveCodecPort,
    private readonly files: LocalFilesPort,
    private readonly hasher: HasherPort,
  ) {}

  /**
   * The view a new delta is made against. A reference whose view would pass the limit is
   * used raw: the delta then records `dg-ref-view: raw`.
   */
  async viewForUpload(refSha: string, refPath: string): Promise<ReferenceView> {
    try {
      return await this.viewOf(refSha, refPath);
    } catch (error) {
      if (error instanceof OutputLimitError) return { path: refPath, refView: 'raw' };
      throw error;
    }
  }

  /**
   * Runs `read` on a one-off view of the file at `path` (undefined when it has none, or
   * when it would pass the limit), then removes it. For a file read once, such as a
   * sketch of a file being uploaded: unlike references' views, it is not kept for the run.
   */
  async readView<T>(
    path: string,
    read: (view: { path: string; size: number } | undefined) => Promise<T>,
  ): Promise<T> {
    const viewPath = this.files.tempPath('file.view');
    try {
      const maxBytes = expansionLimit(await this.files.size(path));
      const seen = await this.codec.view(path, viewPath, { maxBytes }).catch((error: unknown) => {
        if (error instanceof OutputLimitError) return false;
        throw error;
      });
      return await read(
        seen ? { path: viewPath, size: await this.files.size(viewPath) } : undefined,
      );
    } finally {
      await this.files.remove(viewPath);
    }
  }

  /**
   * The view of the reference whose sha256 is `refSha` (local copy at `refPath`), checked
   * against what a delta recorded for it before and while it is built: the `version` it
   * recorded, or the codec's newest for an upload.
   */
  async viewOf(
    refSha: string,
    refPath: string,
    recorded: RecordedView = {},
    version?: string,
  ): Promise<ReferenceView> {
    if (version !== undefined && !KNOWN_VIEWS.has(version)) {
      const delta = recorded.delta ?? 'The delta';
      throw new DeltaGliderError(
        `${delta} was made against the ${version} view of its reference, which this build cannot build`,
        'Upgrade deltaglider/action to the version that wrote it',
        { code: 'unsupported-format', fields: { key: delta } },
      );
    }
    const limit = expansionLimit(await this.files.size(refPath));
    if (recorded.size !== undefined && recorded.size > limit) {
      throw new IntegrityError(
        `${recorded.delta ?? 'The delta'} records a reference view of ${recorded.size} bytes, more than the ` +
          `${limit} bytes allowed for a reference of this size`,
        'The object is corrupt or hostile; nothing was built',
      );
    }
    const key = `${version ?? 'newest'} ${refSha}`;
    let pending = this.views.get(key);
    if (!pending) {
      pending = this.derive(refPath, Math.min(limit, recorded.size ?? limit), version);
      this.views.set(key, pending);
      pending.catch(() => this.views.delete(key));
    }
    const view = await pending.catch((error: unknown) => {
      if (!(error instanceof OutputLimitError) || !recorded.delta) throw error;
      throw new OutputLimitError(error.limitBytes, `${recorded.delta}: ${error.message}`, error);
    });
    if (view.refView !== 'raw') checkRecorded(view, recorded, recorded.delta ?? 'The delta');
    return view;
  }

  private async derive(
    refPath: string,
    maxBytes: number,
    version: string | undefined,
  ): Promise<ReferenceView> {
    const viewPath = this.files.tempPath('reference.view');
    let seen: string | undefined;
    try {
      seen = await this.codec.view(refPath, viewPath, { maxBytes, version });
    } catch (error) {
      await this.files.remove(viewPath);
      if (error instanceof OutputLimitError) {
        throw new OutputLimitError(
          maxBytes,
          `The reference's archive-aware view passed ${maxBytes} bytes (what its delta records, ` +
            'or the limit for a reference of its size); building it was stopped',
          error,
        );
      }
      throw error;
    }
    if (!seen) return { path: refPath, refView: 'raw' };
    return {
      path: viewPath,
      refView: seen,
      size: await this.files.size(viewPath),
      sha256: await this.hasher.sha256File(viewPath),
    };
  }
}

function checkRecorded(view: ReferenceView, recorded: RecordedView, delta: string): void {
  if (recorded.size !== undefined && view.size !== recorded.size) {
    throw new IntegrityError(
      `The reference's view is ${view.size} bytes, but ${delta} records ${recorded.size}`,
      'The delta object is corrupt, or was made against another reference',
    );
  }
  if (recorded.sha256 !== undefined && view.sha256 !== recorded.sha256) {
    throw new IntegrityError(
      `The reference's view has sha256 ${view.sha256}, but ${delta} records ${recorded.sha256}`,
      'The delta object is corrupt, or was made against another reference',
    );
  }
}
