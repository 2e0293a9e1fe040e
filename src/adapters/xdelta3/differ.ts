import { spawn } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { DeltaGliderError, type ErrorCode, IntegrityError } from '../../core/errors.js';
import { expansionLimit } from '../../core/output-limit.js';
import type { Readable } from 'node:stream';
import { asLocalError, localErrorInStderr } from '../local-errors.js';
import type {
  DifferPort,
  EncodeOptions,
  LimitOptions,
  ProgressListener,
  ProgressOptions,
} from '../../ports.js';
import { writeAtMost } from './bounded-output.js';
import { MemoryBudget } from '../memory-budget.js';
import { externalCompressionOf } from './app-header.js';
import { assertSourceInflatesWithin } from './source-bound.js';
import { encodeWorkersFrom } from './segment-plan.js';
import { SegmentedEncoder } from './segmented-encode.js';
import {
  decodeMemoryFor,
  decodeWindowFor,
  DEFAULT_XDELTA3_MEMORY_BYTES,
  encodeMemoryFor,
  encodeWindowFor,
} from './window.js';

/** Keeps the end of a child's stderr for the error message without unbounded memory. */
const STDERR_LIMIT = 4096;

export interface Xdelta3Options {
  /** The xdelta3 executable (a path, or a name looked up on PATH). */
  binary: string;
  /**
   * Memory all xdelta3 processes of this differ may use together (default 3 GiB): it
   * sizes each `-B` and holds runs back until they fit (window.ts, memory-budget.ts).
   */
  memoryBytes?: number;
  /**
   * xdelta3 encode processes at once, all files and segments together (default:
   * DG_ENCODE_WORKERS, else the CPU count): large files are encoded in segments on
   * several processes (segmented-encode.ts).
   */
  encodeWorkers?: number;
  /** Segment unit (default 8 MiB, xdelta3's target window); tests shrink it. */
  segmentUnitBytes?: number;
}

/**
 * The xdelta3 binary, run file to file. Encoding passes `-D` so xdelta3 never transcodes
 * gzip/bzip2/xz input behind our back: what we encode decodes to the same bytes with
 * `-D -R` (docs/format.md). Deltas made without `-D` (the reference DeltaGlider CLI's)
 * say so in their header and are decoded the way they were made (app-header.ts).
 */
export class Xdelta3Differ implements DifferPort {
  private readonly memory: MemoryBudget;
  private readonly segmented: SegmentedEncoder;

  constructor(private readonly options: Xdelta3Options) {
    this.memory = new MemoryBudget(options.memoryBytes ?? DEFAULT_XDELTA3_MEMORY_BYTES);
    this.segmented = new SegmentedEncoder({
      binary: options.binary,
      memory: this.memory,
      workers: options.encodeWorkers ?? encodeWorkersFrom(),
      unitBytes: options.segmentUnitBytes,
    });
  }

  async encode(
    referencePath: string,
    targetPath: string,
    deltaPath: string,
    options: EncodeOptions = {},
  ): Promise<void> {
    const referenceBytes = await sizeOf(referencePath);
    const window = encodeWindowFor(referenceBytes, this.memory.totalBytes);
    // -v: one line per 8 MiB window of the target, read as progress; the output is the same.
    const args = [
      '-v',
      '-e',
      '-f',
      '-9',
      '-D',
      '-B',
      String(window),
      '-s',
      referencePath,
      targetPath,
      deltaPath,
    ];
    const request = {
      referencePath,
      referenceBytes,
      targetPath,
      deltaPath,
      windowBytes: window,
      maxProcesses: options.maxProcesses,
    };
    await this.segmented.encode(
      { ...request, onProgress: options.onProgress, progressLines: (l) => progressOf('in', l) },
      () =>
        this.memory.run(encodeMemoryFor(referenceBytes, window), () =>
          this.run(args, progressOf('in', options.onProgress)),
        ),
    );
  }

  async decode(
    referencePath: string,
    deltaPath: string,
    outPath: string,
    options: ProgressOptions & LimitOptions = {},
  ): Promise<void> {
    const referenceBytes = await sizeOf(referencePath);
    const window = decodeWindowFor(referenceBytes, this.memory.totalBytes);
    // Without -D -R xdelta3 decompresses the reference and recompresses the output as the
    // delta's header records; the sha256 check still decides whether the bytes are right.
    const external = await externalCompressionOf(deltaPath);
    const asMade = external ? [] : ['-D', '-R'];
    const { maxBytes } = options;
    if (external?.source) {
      // The same bound as an archive-aware view of this reference (output-limit.ts).
      const limit = expansionLimit(Math.max(referenceBytes, maxBytes ?? 0));
      await assertSourceInflatesWithin(referencePath, external.source, limit);
    }
    // Bounded: to stdout (-c, an option: before the file names) through a counter that
    // stops xdelta3 at the limit.
    const bounded = maxBytes !== undefined;
    const args = [
      '-v',
      '-d',
      '-f',
      ...asMade,
      '-B',
      String(window),
      ...(bounded ? ['-c'] : []),
      '-s',
      referencePath,
      deltaPath,
      ...(bounded ? [] : [outPath]),
    ];
    const sink =
      maxBytes === undefined ? undefined : (out: Readable) => writeAtMost(out, outPath, maxBytes);
    try {
      await this.memory.run(decodeMemoryFor(referenceBytes, window), () =>
        this.run(args, progressOf('out', options.onProgress), sink, outPath),
      );
    } catch (error) {
      await rm(outPath, { force: true }); // a failed decode leaves no partial output
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

  /** Runs xdelta3; with `sink`, its stdout goes there and a failing sink stops it. */
  private run(
    args: string[],
    onLine: (line: string) => boolean,
    sink?: (stdout: Readable) => Promise<void>,
    outPath?: string,
  ): Promise<void> {
    const { binary } = this.options;
    // The file a local failure (a full disk) is reported on: the output.
    const out = outPath ?? args.at(-1)!;
    return new Promise((resolve, reject) => {
      const child = spawn(binary, args, { stdio: ['ignore', sink ? 'pipe' : 'ignore', 'pipe'] });
      const written = sink?.(child.stdout!).catch((error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      });
      written?.catch(() => undefined); // observed on close
      let stderr = '';
      let partial = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        // Progress lines are consumed; anything else is kept for the error message.
        for (const line of lines)
          if (!onLine(line)) stderr = (stderr + line + '\n').slice(-STDERR_LIMIT);
      });
      // Rejects only once the sink is done with its file, so the caller can remove it.
      const settled = (written ?? Promise.resolve()).catch(() => undefined);
      let spawnFailed = false; // then 'close' follows 'error' and must not speak over it
      const fail = (error: unknown) => {
        spawnFailed = true;
        void settled.then(() => reject(error));
      };
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          fail(
            new DeltaGliderError(
              `xdelta3 was not found (tried "${binary}")`,
              'Install it (apt-get install xdelta3, brew install xdelta), or give its path',
              { cause: error, code: 'xdelta3-missing', fields: { setting: 'xdelta3-path' } },
            ),
          );
        } else {
          // Out of file handles (EMFILE) and the like: a problem of this machine.
          fail(asLocalError(error, out, { verb: 'start xdelta3 for', ownPath: false }));
        }
      });
      child.on('close', (code, signal) => {
        if (spawnFailed) return;
        // The sink's failure (a limit passed, a full disk) is the cause of any exit it forced.
        void (written ?? Promise.resolve()).then(
          () => {
            if (code === 0) return resolve();
            const message = (stderr + partial).trim() || 'no message';
            // A full disk or a denied write is this machine's problem, not a corrupt delta.
            const local = localErrorInStderr(message, out);
            if (local) return reject(local);
            reject(
              new XdeltaFailed(`xdelta3 ${args[1]} exited with ${signal ?? code}: ${message}`),
            );
          },
          (error: unknown) => reject(asLocalError(error, out)),
        );
      });
    });
  }
}

class XdeltaFailed extends DeltaGliderError {
  static override readonly defaultCode: ErrorCode = 'xdelta3-failed';
  constructor(readonly detail: string) {
    super(detail);
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path)).size;
}

const UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};
// "xdelta3: 3: in 8.00 MiB: out 1.18 MiB: total in 32.0 MiB: out 4.73 MiB: 9.4 sec"
const WINDOW_LINE = /^xdelta3: \d+: in .*total in ([\d.]+) (\w+): out ([\d.]+) (\w+)/;
// The other lines -v adds: the source and window sizes, a summary, and a note for windows
// that found nothing to copy (a new file, or one that changed completely).
const VERBOSE_LINE =
  /^xdelta3: (source .* window |finished in |warning: input window .* has no source copies)/;

/**
 * Reads xdelta3's -v lines as progress: the target bytes read so far (`in`, encoding) or
 * the file bytes written so far (`out`, decoding). True for lines that are only that.
 */
function progressOf(side: 'in' | 'out', onProgress?: ProgressListener): (line: string) => boolean {
  return (line) => {
    const match = WINDOW_LINE.exec(line);
    if (!match) return VERBOSE_LINE.test(line);
    const [value, unit] = side === 'in' ? [match[1], match[2]] : [match[3], match[4]];
    const scale = UNITS[unit ?? ''];
    if (scale !== undefined) onProgress?.(Math.round(Number(value) * scale));
    return true;
  };
}
