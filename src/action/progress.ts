import { AsyncLocalStorage } from 'node:async_hooks';
import * as core from '@actions/core';
import type { FileResult } from '../core/models.js';
import type { LoggerPort, ProgressPort, ProgressStep } from '../ports.js';
import { formatBytes, kindLabel } from '../core/format.js';

// Progress in the workflow log. Files run concurrently, so their lines would interleave:
// what the core logs while working on a file is held back and printed as one collapsed
// group when the file is done, titled with its outcome. Long steps (transfers, xdelta3)
// print a live progress line instead, outside any group so it shows while the step runs:
// the first after `firstAfterMs`, then one every `everyMs` per step.

export interface ProgressOutput {
  info(message: string): void;
  startGroup(title: string): void;
  endGroup(): void;
}

export interface ProgressTiming {
  /** A step shorter than this prints no progress line (default 5 s). */
  firstAfterMs?: number;
  /** Time between two lines of one step (default 10 s). */
  everyMs?: number;
  now?: () => number;
}

interface FileScope {
  lines: string[];
}

interface RunningStep {
  file: string;
  activity: string;
  total: number;
  done: number;
  started: number;
  lastLine?: number;
}

export class ActionsProgress implements ProgressPort {
  private readonly scope = new AsyncLocalStorage<FileScope>();
  private readonly running = new Set<RunningStep>();
  private ticker?: ReturnType<typeof setInterval>;
  private readonly firstAfterMs: number;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(
    private readonly out: ProgressOutput = core,
    timing: ProgressTiming = {},
  ) {
    this.firstAfterMs = timing.firstAfterMs ?? 5000;
    this.everyMs = timing.everyMs ?? 10_000;
    this.now = timing.now ?? Date.now;
  }

  /**
   * The logger to give the core: info lines logged while a file is worked on go to that
   * file's group. Warnings print at once (they are annotations), and so does debug
   * output (hidden unless step debug logging is on).
   */
  logger(base: LoggerPort): LoggerPort {
    return {
      info: (message) => {
        const scope = this.scope.getStore();
        if (scope) scope.lines.push(message);
        else base.info(message);
      },
      debug: (message) => base.debug(message),
      warning: (message) => base.warning(message),
      notice: base.notice && ((message) => base.notice!(message)),
    };
  }

  async file(name: string, work: () => Promise<FileResult>): Promise<FileResult> {
    const scope: FileScope = { lines: [] };
    let result: FileResult;
    try {
      result = await this.scope.run(scope, work);
    } catch (error) {
      this.printGroup(`${name}: failed`, scope.lines);
      throw error;
    }
    this.printGroup(describeResult(result), [
      ...scope.lines,
      `key: ${result.key}`,
      `sha256: ${result.sha256}`,
    ]);
    return result;
  }

  step(file: string, activity: string, totalBytes: number): ProgressStep {
    const step: RunningStep = { file, activity, total: totalBytes, done: 0, started: this.now() };
    const scope = this.scope.getStore();
    this.running.add(step);
    this.startTicker();
    return {
      update: (doneBytes) => {
        step.done = doneBytes;
      },
      end: () => {
        if (!this.running.delete(step)) return;
        if (this.running.size === 0) this.stopTicker();
        const line = `${activity}: ${formatBytes(step.total || step.done)} in ${seconds(this.now() - step.started)}`;
        // A step that showed progress says it is over where its progress was seen.
        if (step.lastLine !== undefined) this.out.info(`${file}: ${line}`);
        if (scope) scope.lines.push(line);
      },
    };
  }

  /** Prints the progress line of every step that is due one (the ticker calls it each second). */
  tick(): void {
    const now = this.now();
    for (const step of this.running) {
      const due =
        step.lastLine === undefined
          ? now - step.started >= this.firstAfterMs
          : now - step.lastLine >= this.everyMs;
      if (!due) continue;
      step.lastLine = now;
      this.out.info(
        `${step.file}: ${step.activity} ${describeProgress(step)}, ${seconds(now - step.started)}`,
      );
    }
  }

  private printGroup(title: string, lines: readonly string[]): void {
    this.out.startGroup(title);
    for (const line of lines) this.out.info(line);
    this.out.endGroup();
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), 1000);
    // Never keeps the process alive on its own.
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

function describeProgress(step: RunningStep): string {
  if (step.total <= 0) return formatBytes(step.done);
  const percent = Math.min(100, Math.floor((step.done / step.total) * 100));
  return `${percent}% (${formatBytes(step.done)} of ${formatBytes(step.total)})`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "app.bin: delta, 512.0 MiB stored as 14.2 KiB (0.0%)" */
export function describeResult(r: FileResult): string {
  const percent =
    r.originalBytes > 0 ? ` (${((r.storedBytes / r.originalBytes) * 100).toFixed(1)}%)` : '';
  return `${r.name}: ${kindLabel(r)}, ${formatBytes(r.originalBytes)} stored as ${formatBytes(r.storedBytes)}${percent}`;
}

export interface CountTiming {
  /** A line at least every this many items (default 100). */
  everyItems?: number;
  /** ... or every this long, whichever comes first (default 10 s). */
  everyMs?: number;
  now?: () => number;
}

/**
 * Progress of a long run over many objects (sync, migrate): "sync: 1,200 of 5,000 done
 * (24%), 35.2 s", printed every `everyItems` items or `everyMs`, whichever comes first,
 * and once at the end. Each file's own log stays in its group (ActionsProgress.file);
 * these lines sit between the groups, so the run's pace shows without expanding any.
 */
export class CountProgress {
  private done = 0;
  private readonly started: number;
  private lastLine: number;
  private lastCount = 0;
  private readonly everyItems: number;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(
    private readonly out: Pick<ProgressOutput, 'info'>,
    private readonly label: string,
    private readonly total: number,
    timing: CountTiming = {},
  ) {
    this.everyItems = timing.everyItems ?? 100;
    this.everyMs = timing.everyMs ?? 10_000;
    this.now = timing.now ?? Date.now;
    this.started = this.now();
    this.lastLine = this.started;
  }

  /** One more item done. */
  step(): void {
    this.done++;
    const now = this.now();
    if (this.done - this.lastCount >= this.everyItems || now - this.lastLine >= this.everyMs)
      this.print(now);
  }

  /** The closing line (unless the last one already said it all). */
  finish(): void {
    if (this.lastCount !== this.done || this.done === 0) this.print(this.now());
  }

  private print(now: number): void {
    this.lastLine = now;
    this.lastCount = this.done;
    const percent = this.total > 0 ? ` (${Math.floor((this.done / this.total) * 100)}%)` : '';
    this.out.info(
      `${this.label}: ${this.done.toLocaleString('en-US')} of ${this.total.toLocaleString('en-US')} done${percent}, ${seconds(now - this.started)}`,
    );
  }
}

/** Runs `work` inside a collapsed log group titled `title`. */
export async function inGroup<T>(
  out: Pick<ProgressOutput, 'startGroup' | 'endGroup'>,
  title: string,
  work: () => Promise<T>,
): Promise<T> {
  out.startGroup(title);
  try {
    return await work();
  } finally {
    out.endGroup();
  }
}
