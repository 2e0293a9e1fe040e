import type { ArchiveCodecPort, LocalFilesPort } from '../ports.js';

/** How an archive-aware delta saw its reference (`dg-ref-view`). */
export type RefView = 'raw' | string;

/** The codec's view version: part of the on-bucket format, like the expanded form. */
export const VIEW_V1 = 'view-v1';

/**
 * The reference side of archive-aware deltas: each reference's deterministic uncompressed
 * view, derived once per run from its verified local copy and kept in scratch space.
 */
export class ArchiveViews {
  private readonly views = new Map<string, Promise<{ path: string; refView: RefView }>>();

  constructor(
    readonly codec: ArchiveCodecPort,
    private readonly files: LocalFilesPort,
  ) {}

  /** The view of the reference whose sha256 is `refSha` (local copy at `refPath`). */
  viewOf(refSha: string, refPath: string): Promise<{ path: string; refView: RefView }> {
    let pending = this.views.get(refSha);
    if (!pending) {
      pending = this.derive(refPath);
      this.views.set(refSha, pending);
      pending.catch(() => this.views.delete(refSha));
    }
    return pending;
  }

  private async derive(refPath: string): Promise<{ path: string; refView: RefView }> {
    const viewPath = this.files.tempPath('reference.view');
    const seen = await this.codec.view(refPath, viewPath);
    return seen ? { path: viewPath, refView: VIEW_V1 } : { path: refPath, refView: 'raw' };
  }
}
