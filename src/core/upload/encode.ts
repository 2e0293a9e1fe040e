import { IntegrityError } from '../errors.js';
import { inStep } from '../progress.js';
import type { UploaderDeps } from './deps.js';
import type { ExpandedFile, LocalFile } from './local-file.js';

// Delta encoding: the plain delta against the reference, and for a container with an
// expanded form the archive-aware one (from the reference's view to the expanded form,
// proven to decode); the smaller is kept, never more than plain.

/** An archive-aware delta: what its metadata records besides the plain fields. */
export interface ArchiveEncoded {
  size: number;
  targetSize: number;
  refView: string;
  refViewSize?: number;
  refViewSha256?: string;
}

/** A delta encoded to a scratch file, not yet uploaded. */
export interface Encoded {
  path: string;
  size: number;
  archive?: ArchiveEncoded;
  dispose(): Promise<void>;
}

export class DeltaEncoder {
  constructor(
    private readonly deps: Pick<
      UploaderDeps,
      'archives' | 'differ' | 'files' | 'hasher' | 'log' | 'progress'
    >,
  ) {}

  /**
   * Encodes `file` against the reference at `refPath`: the plain delta, and the
   * archive-aware one when the file has an expanded form; keeps the smaller.
   */
  async encode(file: LocalFile, refPath: string, refSha: string): Promise<Encoded> {
    const { files, log } = this.deps;
    const deltaPath = files.tempPath(`${file.name}.delta`);
    const plainPath = files.tempPath(`${file.name}.plain.delta`);
    const dispose = async () => {
      await files.remove(deltaPath);
      await files.remove(plainPath);
    };
    try {
      await this.encodeStep(file.name, refPath, file.path, plainPath);
      const aware =
        file.expanded && (await this.encodeAware(file, file.expanded, refSha, refPath, deltaPath));
      const plainSize = await files.size(plainPath);
      // Never more than plain: entries no recipe reproduces stay compressed in the expanded
      // form and match nothing in the reference's view, so a partial expansion can lose to
      // xdelta3 on the compressed bytes.
      const archive = aware && aware.size < plainSize ? aware : undefined;
      if (aware && !archive) {
        log.info(
          `${file.name}: the plain delta (${plainSize} bytes) is smaller than the archive-aware one (${aware.size}); storing it`,
        );
      }
      return {
        path: archive ? deltaPath : plainPath,
        size: archive?.size ?? plainSize,
        archive,
        dispose,
      };
    } catch (error) {
      await dispose();
      throw error;
    }
  }

  private async encodeStep(name: string, source: string, target: string, out: string) {
    const { differ, files } = this.deps;
    await inStep(this.deps.progress, name, 'encoding', await files.size(target), (onProgress) =>
      differ.encode(source, target, out, { onProgress }),
    );
  }

  /** Archive-aware: from the reference's view to the file's expanded form, proven. */
  private async encodeAware(
    file: LocalFile,
    expanded: ExpandedFile,
    refSha: string,
    refPath: string,
    deltaPath: string,
  ): Promise<ArchiveEncoded> {
    const { files } = this.deps;
    const source = await this.deps.archives!.viewForUpload(refSha, refPath);
    await this.encodeStep(file.name, source.path, expanded.path, deltaPath);
    await this.proveDecodes(source.path, deltaPath, expanded);
    return {
      size: await files.size(deltaPath),
      targetSize: await files.size(expanded.path),
      refView: source.refView,
      refViewSize: source.size,
      refViewSha256: source.sha256,
    };
  }

  /**
   * Nothing is stored that is not proven to rebuild: the codec proved that the expanded
   * form rebuilds the file, and this proves that the delta rebuilds the expanded form.
   */
  private async proveDecodes(sourcePath: string, deltaPath: string, expanded: ExpandedFile) {
    const { differ, files, hasher } = this.deps;
    const decoded = files.tempPath('expanded.check');
    try {
      await differ.decode(sourcePath, deltaPath, decoded);
      const actual = await hasher.sha256File(decoded);
      if (actual !== expanded.sha256) {
        throw new IntegrityError(
          `An archive-aware delta decoded to sha256 ${actual} instead of ${expanded.sha256}`,
          'Nothing was stored; store this file without archive-aware deltas, and report the bug',
          { code: 'archive-aware-mismatch', fields: { setting: 'archive-aware' } },
        );
      }
    } finally {
      await files.remove(decoded);
    }
  }
}
