import { once } from 'node:events';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { ProgressListener } from '../../ports.js';
import { MemoryBudget } from '../memory-budget.js';
import { encodeSegment, startRecode } from './segment-processes.js';
import { planSegments, TARGET_WINDOW_BYTES, type ByteRange } from './segment-plan.js';
import { VcdiffConcatenator } from './vcdiff-header.js';
import { encodeMemoryFor } from './window.js';
import { DeltaGliderError } from '../../core/errors.js';

// xdelta3 -9 runs on one core. A large target is split at multiples of the 8 MiB target
// window into segments, each encoded against the whole reference by its own process with
// no secondary compression (`-S none`: LZMA state spans windows, so LZMA parts do not
// join). The parts are joined keeping one header (vcdiff-header.ts) and recompressed by
// `xdelta3 recode -S lzma` into one standard VCDIFF, which plain `xdelta3 -d` decodes.
// The recode reads its stdin as a stream, so it follows part 0 while the encoders still
// run and takes the others as they complete (BENCHMARKS.md, "Parallel encode").

const READ_CHUNK = 1024 * 1024;
/** How often the joiner looks for more bytes of a part that is still being written. */
const FOLLOW_MS = 25;

export interface SegmentedEncoderOptions {
  binary: string;
  /** The differ's xdelta3 memory budget: every segment process holds the reference. */
  memory: MemoryBudget;
  /** Encode processes at once, across all files of this differ. */
  workers: number;
  /** Segments are multiples of this (default 8 MiB); tests shrink it to keep files small. */
  unitBytes?: number;
}

export interface EncodeRequest {
  referencePath: string;
  referenceBytes: number;
  targetPath: string;
  deltaPath: string;
  /** The -B the single-process encode would use. */
  windowBytes: number;
  /** At most this many processes (EncodeOptions.maxProcesses). */
  maxProcesses?: number;
  onProgress?: ProgressListener;
  /** Reads xdelta3 -v lines of one process as progress (true: the line was progress). */
  progressLines: (onProgress: ProgressListener) => (line: string) => boolean;
}

/**
 * Decides per encode between one process and segments, and holds the process slots that
 * all encodes of a differ share: files encoded at once split the workers between them,
 * and no more encoders run than there are workers.
 */
export class SegmentedEncoder {
  private readonly slots: MemoryBudget;
  private active = 0;

  constructor(private readonly options: SegmentedEncoderOptions) {
    // A counting semaphore: every encode process weighs 1.
    this.slots = new MemoryBudget(options.workers);
  }

  /** Encodes in segments when it pays; else runs `single` (one process) in a slot. */
  async encode(request: EncodeRequest, single: () => Promise<void>): Promise<void> {
    this.active++;
    try {
      const ranges = await this.plan(request);
      if (ranges.length < 2) return await this.slots.run(1, single);
      return await this.encodeSegments(request, ranges);
    } finally {
      this.active--;
    }
  }

  private async plan(request: EncodeRequest): Promise<ByteRange[]> {
    const targetBytes = (await stat(request.targetPath)).size;
    // A segment starts xdelta3's source window at offset 0: only a window that holds the
    // whole reference finds the same matches for every segment.
    if (request.referenceBytes > request.windowBytes) return [{ start: 0, end: targetBytes }];
    const perProcess = encodeMemoryFor(request.referenceBytes, request.windowBytes);
    const byMemory = Math.floor(this.options.memory.totalBytes / perProcess);
    const fairShare = Math.floor(this.options.workers / this.active);
    const unit = this.options.unitBytes ?? TARGET_WINDOW_BYTES;
    const cap = request.maxProcesses ?? Number.POSITIVE_INFINITY;
    return planSegments(targetBytes, Math.min(byMemory, fairShare, cap), unit);
  }

  private async encodeSegments(request: EncodeRequest, ranges: ByteRange[]): Promise<void> {
    const { binary, memory } = this.options;
    const dir = await mkdtemp(join(dirname(request.deltaPath), 'seg-'));
    const controller = new AbortController();
    const { signal } = controller;
    let firstError: unknown;
    // The first failure is the one reported; the others are its consequences (killed).
    const watch = <T>(work: Promise<T>): Promise<T> =>
      work.catch((error: unknown) => {
        if (!signal.aborted) firstError = error;
        controller.abort();
        throw error;
      });
    const done = new Array<number>(ranges.length).fill(0);
    const report = (index: number) => (bytes: number) => {
      done[index] = bytes;
      request.onProgress?.(done.reduce((a, b) => a + b, 0));
    };
    const args = [
      '-v',
      '-e',
      '-c',
      '-9',
      '-D',
      '-A',
      '-S',
      'none',
      '-B',
      String(request.windowBytes),
      '-s',
      request.referencePath,
    ];
    const memoryPerProcess = encodeMemoryFor(request.referenceBytes, request.windowBytes);
    try {
      const parts = ranges.map((range, index) => ({ range, path: join(dir, `${index}`) }));
      // Created before any encoder starts, so the joiner can follow each as it grows.
      for (const part of parts) await (await open(part.path, 'w')).close();
      const recode = await startRecode(binary, request.deltaPath, signal);
      const encoders = parts.map((part, index) =>
        watch(
          this.slots.run(1, () =>
            memory.run(memoryPerProcess, () => {
              signal.throwIfAborted();
              return encodeSegment({
                binary,
                args,
                targetPath: request.targetPath,
                range: part.range,
                partPath: part.path,
                signal,
                onLine: request.progressLines(report(index)),
              });
            }),
          ),
        ),
      );
      const joined = watch(join_(parts, encoders, recode.stdin, signal));
      const results = await Promise.allSettled([...encoders, joined, watch(recode.done)]);
      if (firstError !== undefined || results.some((r) => r.status === 'rejected')) {
        throw (
          firstError ??
          new DeltaGliderError('segmented encode failed', undefined, { code: 'xdelta3-failed' })
        );
      }
    } catch (error) {
      controller.abort();
      await rm(request.deltaPath, { force: true });
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/**
 * Writes the parts, in order, into the recoder's stdin as one VCDIFF, following each part
 * while its encoder still writes it.
 */
async function join_(
  parts: Array<{ path: string }>,
  encoders: Array<Promise<void>>,
  sink: Writable,
  signal: AbortSignal,
): Promise<void> {
  const concat = new VcdiffConcatenator();
  for (const [index, part] of parts.entries()) {
    let finished = false;
    const settled = (encoders[index] as Promise<void>).then(
      () => (finished = true),
      () => undefined,
    );
    concat.startPart();
    const file = await open(part.path, 'r');
    try {
      let position = 0;
      for (;;) {
        signal.throwIfAborted();
        // Read after noting whether the encoder had finished: then an empty read is the end.
        const wasFinished = finished;
        const chunk = Buffer.allocUnsafe(READ_CHUNK);
        const { bytesRead } = await file.read(chunk, 0, READ_CHUNK, position);
        if (bytesRead > 0) {
          position += bytesRead;
          const out = concat.push(chunk.subarray(0, bytesRead));
          if (out.length > 0 && !sink.write(out)) await once(sink, 'drain', { signal });
        } else if (wasFinished) break;
        else await Promise.race([settled, delay(FOLLOW_MS, undefined, { signal })]);
      }
      concat.endPart();
    } finally {
      await file.close();
    }
  }
  sink.end();
}
