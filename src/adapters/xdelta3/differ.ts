import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { DeltaGliderError, IntegrityError } from '../../core/errors.js';
import type { DifferPort } from '../../ports.js';
import { sourceWindowFor } from './window.js';

/** Keeps the end of a child's stderr for the error message without unbounded memory. */
const STDERR_LIMIT = 4096;

export interface Xdelta3Options {
  /** The xdelta3 executable (a path, or a name looked up on PATH). */
  binary: string;
  /** Upper bound for `-B` (see window.ts). */
  maxWindowBytes?: number;
}

/**
 * The xdelta3 binary, run file to file. Every call passes `-D` (and `-R` on decode) so
 * xdelta3 never transcodes gzip/bzip2/xz input behind our back: what we encode decodes
 * to the same bytes (FORMAT.md, TRAP).
 */
export class Xdelta3Differ implements DifferPort {
  constructor(private readonly options: Xdelta3Options) {}

  async encode(referencePath: string, targetPath: string, deltaPath: string): Promise<void> {
    const window = await this.windowFor(referencePath);
    await this.run(['-e', '-f', '-9', '-D', '-B', String(window), '-s', referencePath, targetPath, deltaPath]);
  }

  async decode(referencePath: string, deltaPath: string, outPath: string): Promise<void> {
    const window = await this.windowFor(referencePath);
    try {
      await this.run(['-d', '-f', '-D', '-R', '-B', String(window), '-s', referencePath, deltaPath, outPath]);
    } catch (error) {
      if (error instanceof XdeltaFailed) {
        throw new IntegrityError(
          `The delta could not be decoded against its reference (${error.detail})`,
          'The delta object is corrupt or was made against another reference',
          { cause: error },
        );
      }
      throw error;
    }
  }

  describeEncode(referenceName: string, targetName: string, deltaName: string): string {
    return `xdelta3 -e -9 -D -s ${referenceName} ${targetName} ${deltaName}`;
  }

  private async windowFor(referencePath: string): Promise<number> {
    const { size } = await stat(referencePath);
    return sourceWindowFor(size, this.options.maxWindowBytes);
  }

  private run(args: string[]): Promise<void> {
    const { binary } = this.options;
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-STDERR_LIMIT);
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          reject(
            new DeltaGliderError(
              `xdelta3 was not found (tried "${binary}")`,
              'Install it (apt-get install xdelta3, brew install xdelta) or set the xdelta3-path input',
              { cause: error },
            ),
          );
        } else reject(error);
      });
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new XdeltaFailed(`xdelta3 ${args[0]} exited with ${signal ?? code}: ${stderr.trim() || 'no message'}`));
      });
    });
  }
}

class XdeltaFailed extends DeltaGliderError {
  constructor(readonly detail: string) {
    super(detail);
  }
}
