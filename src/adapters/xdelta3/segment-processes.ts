import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeltaGliderError } from '../../core/errors.js';
import type { ByteRange } from './segment-plan.js';

// The xdelta3 processes of a segmented encode: one encoder per segment, reading its byte
// range of the target on stdin and writing its VCDIFF part to a file, and one recoder
// that takes the joined parts on stdin and writes the final delta. Each is killed when
// `signal` aborts (another one failed).

const STDERR_LIMIT = 4096;
const READ_CHUNK = 1024 * 1024;

export interface SegmentEncodeJob {
  binary: string;
  /** Encoder flags and `-s <reference>`: everything but the input and output. */
  args: string[];
  targetPath: string;
  range: ByteRange;
  partPath: string;
  signal: AbortSignal;
  /** Called with each stderr line; true when the line was only progress. */
  onLine: (line: string) => boolean;
}

/** Encodes one segment into `partPath`; resolves when xdelta3 exited 0 after reading it all. */
export async function encodeSegment(job: SegmentEncodeJob): Promise<void> {
  const out = await open(job.partPath, 'w');
  let child: ChildProcess;
  try {
    child = spawn(job.binary, job.args, {
      stdio: ['pipe', out.fd, 'pipe'],
      signal: job.signal,
      killSignal: 'SIGKILL',
    });
  } finally {
    // The child holds its own copy of the descriptor.
    await out.close();
  }
  const exited = exitOf(child, job.binary, job.onLine);
  const input = createReadStream(job.targetPath, {
    start: job.range.start,
    end: job.range.end - 1,
    highWaterMark: READ_CHUNK,
  });
  const fed = pipeline(input, child.stdin as Writable);
  // A child that fails stops reading: its own error is the one to report, not EPIPE.
  const [exit, feed] = await Promise.allSettled([exited, fed]);
  if (exit.status === 'rejected') throw exit.reason;
  if (feed.status === 'rejected') throw feed.reason;
}

/**
 * Starts `xdelta3 recode` (LZMA secondary compression over the joined parts) writing to
 * `deltaPath`; `stdin` takes the joined parts, `done` settles when it exited.
 */
export async function startRecode(
  binary: string,
  deltaPath: string,
  signal: AbortSignal,
): Promise<{ stdin: Writable; done: Promise<void> }> {
  const out = await open(deltaPath, 'w');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['recode', '-f', '-S', 'lzma', '-c'], {
      stdio: ['pipe', out.fd, 'pipe'],
      signal,
      killSignal: 'SIGKILL',
    });
  } finally {
    await out.close();
  }
  const stdin = child.stdin as Writable;
  // A recoder that dies makes writes fail with EPIPE; its exit status says why.
  stdin.on('error', () => undefined);
  return { stdin, done: exitOf(child, binary, () => false) };
}

/** Resolves when the child exits 0; rejects with its stderr tail otherwise. */
function exitOf(
  child: ChildProcess,
  binary: string,
  onLine: (line: string) => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines)
        if (!onLine(line)) stderr = (stderr + line + '\n').slice(-STDERR_LIMIT);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(
          new DeltaGliderError(
            `xdelta3 was not found (tried "${binary}")`,
            'Install it (apt-get install xdelta3, brew install xdelta), or give its path',
            { cause: error, code: 'xdelta3-missing', fields: { setting: 'xdelta3-path' } },
          ),
        );
      } else reject(error);
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else {
        const message = (stderr + partial).trim() || 'no message';
        const [mode] = child.spawnargs.slice(1).filter((a) => a === '-e' || a === 'recode');
        reject(
          new DeltaGliderError(
            `xdelta3 ${mode ?? ''} exited with ${signal ?? code}: ${message}`,
            undefined,
            { code: 'xdelta3-failed' },
          ),
        );
      }
    });
  });
}
