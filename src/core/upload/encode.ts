import { IntegrityError } from '../errors.js';
import { both } from '../util/both.js';
import { inStep } from '../progress.js';
import type { UploaderDeps } from './deps.js';
import type { ReferenceView } from '../archive-views.js';
import type { ExpandedFile } from './expansion.js';
import { expandedOf, type LocalFile } from './local-file.js';

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

/**
 * An archive-aware delta encoded while the expansion was being proven (`speculate`): kept
 * for the encode against the same reference, and used only if it decodes to the form the
 * proof accepted.
 */
interface EarlyDelta {
  refSha: string;
  /** The sha256 of what the delta decodes to (against the view it was made from). */
  decodedSha: string;
  path: string;
  size: number;
  view: ReferenceView;
}

export class DeltaEncoder {
  private readonly early = new Map<LocalFile, EarlyDelta>();

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

  private async encodeStep(
    name: string,
    source: string,
    target: string,
    out: string,
    maxProcesses?: number,
  ) {
    const { differ, files } = this.deps;
    await inStep(this.deps.progress, name, 'encoding', await files.size(target), (onProgress) =>
      differ.encode(source, target, out, { onProgress, maxProcesses }),
    );
  }

  /**
   * Encodes the archive-aware delta of a written expanded form that the codec is still
   * proving (the proof recompresses the whole content; this runs beside it), against the
   * reference `refSha`. `encode` takes it when the proven form is the one it decodes to.
   */
  async speculate(file: LocalFile, refPath: string, refSha: string, written: string) {
    const { files } = this.deps;
    const source = await this.deps.archives!.viewForUpload(refSha, refPath);
    const path = files.tempPath(`${file.name}.early.delta`);
    try {
      // One process: the proof keeps another core busy, and each process of a split
      // encode indexes the whole view again.
      await this.encodeStep(file.name, source.path, written, path, 1);
      const decodedSha = await this.decodedSha(source.path, path);
      // A form rewritten after a failed proof (a correction) replaces the earlier bet.
      await this.forget(file);
      this.early.set(file, {
        refSha,
        decodedSha,
        path,
        size: await files.size(path),
        view: source,
      });
    } catch (error) {
      await files.remove(path);
      throw error;
    }
  }

  /** Removes what `speculate` made for `file` and no encode took. */
  async forget(file: LocalFile): Promise<void> {
    const early = this.early.get(file);
    this.early.delete(file);
    if (early) await this.deps.files.remove(early.path);
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
    const early = this.early.get(file);
    let source: ReferenceView;
    if (early && early.refSha === refSha && early.decodedSha === expanded.sha256) {
      // Made while the proof ran, and it decodes to the form the proof accepted.
      this.early.delete(file);
      await files.rename(early.path, deltaPath);
      source = early.view;
    } else {
      source = await this.deps.archives!.viewForUpload(refSha, refPath);
      await this.encodeStep(file.name, source.path, expanded.path, deltaPath);
      await this.proveDecodes(source.path, deltaPath, expanded);
    }
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
    const actual = await this.decodedSha(sourcePath, deltaPath);
    if (actual !== expanded.sha256) {
      throw new IntegrityError(
        `An archive-aware delta decoded to sha256 ${actual} instead of ${expanded.sha256}`,
        'Nothing was stored; store this file without archive-aware deltas, and report the bug',
        { code: 'archive-aware-mismatch', fields: { setting: 'archive-aware' } },
      );
    }
  }

  /** The sha256 of what `deltaPath` decodes to against `sourcePath` (nothing kept). */
  private async decodedSha(sourcePath: string, deltaPath: string): Promise<string> {
    const { differ, files, hasher } = this.deps;
    const decoded = files.tempPath('expanded.check');
    try {
      await differ.decode(sourcePath, deltaPath, decoded);
      return await hasher.sha256File(decoded);
    } finally {
      await files.remove(decoded);
    }
  }
}
