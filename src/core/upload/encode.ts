import { IntegrityError } from '../errors.js';
import { both } from '../util/both.js';
import { inStep } from '../progress.js';
import type { UploaderDeps } from './deps.js';
import { expandedOf, type ExpandedFile, type LocalFile } from './local-file.js';

// Delta encoding: the plain delta against the reference, and for a container with an
// expanded form the archive-aware one (from the reference's view to the expanded form,
// proven to decode); the smaller is kept, never more than plain. The two run side by
// side: each is mostly one xdelta3 process, and the archive-aware one first waits for
// the expansion.

/** An archive-aware delta: what its metadata records besides the plain fields. */
export interface ArchiveEncoded {
  size: number;
  /** The expanded form it encodes (its size is what max-ratio measures it against). */
  expanded: ExpandedFile;
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
   * Encodes `file` against the reference at `refPath`: the plain delta unless the file's
   * bytes are compressed (it could not pay), and the archive-aware one when the file has
   * an expanded form; keeps the smaller. `plainOnly`: the plain delta alone.
   */
  async encode(
    file: LocalFile,
    refPath: string,
    refSha: string,
    { plainOnly = false } = {},
  ): Promise<Encoded> {
    const { files, log } = this.deps;
    const deltaPath = files.tempPath(`${file.name}.delta`);
    const plainPath = files.tempPath(`${file.name}.plain.delta`);
    const dispose = async () => {
      await files.remove(deltaPath);
      await files.remove(plainPath);
    };
    try {
      const expanding = plainOnly ? undefined : expandedOf(file);
      const [plainTrial, aware] = await both(
        plainOnly || file.plainDelta
          ? this.encodePlain(file, refPath, plainPath)
          : Promise.resolve(undefined),
        Promise.resolve(expanding).then(
          (expanded) => expanded && this.encodeAware(file, expanded, refSha, refPath, deltaPath),
        ),
      );
      // Compressed content no recipe reproduces: the uploader stores such files direct
      // before they get here, but a delta is what this promises.
      const plainSize =
        plainTrial ?? (aware ? undefined : await this.encodePlain(file, refPath, plainPath));
      // Never more than plain: entries no recipe reproduces stay compressed in the expanded
      // form and match nothing in the reference's view, so a partial expansion can lose to
      // xdelta3 on the compressed bytes. (Without a plain delta, max-ratio and the file's
      // own size bound it: deltas.ts.)
      const archive =
        aware && (plainSize === undefined || aware.size < plainSize) ? aware : undefined;
      if (aware && !archive) {
        log.info(
          `${file.name}: the plain delta (${plainSize} bytes) is smaller than the archive-aware one (${aware.size}); storing it`,
        );
      }
      return {
        path: archive ? deltaPath : plainPath,
        size: archive?.size ?? plainSize!,
        archive,
        dispose,
      };
    } catch (error) {
      await dispose();
      throw error;
    }
  }

  private async encodePlain(file: LocalFile, refPath: string, out: string): Promise<number> {
    await this.encodeStep(file.name, refPath, file.path, out);
    return this.deps.files.size(out);
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
      expanded,
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
