import type { ChildProcess } from 'node:child_process';

/** Keeps the end of a child's stderr for error messages without unbounded memory. */
const STDERR_LIMIT = 2048;

export interface WatchedChild {
  /** The last STDERR_LIMIT characters the child wrote to stderr. */
  stderr(): string;
  /**
   * Settles when the child ends: undefined on exit 0, else the exit code or signal;
   * rejects when it could not be spawned. Never an unhandled rejection.
   */
  exited: Promise<string | undefined>;
}

/** Collects a spawned gzip's stderr tail and exit status (stderr must be piped). */
export function watchChild(child: ChildProcess): WatchedChild {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_LIMIT);
  });
  const exited = new Promise<string | undefined>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code === 0 ? undefined : `${signal ?? code}`));
  });
  exited.catch(() => undefined);
  return { stderr: () => stderr, exited };
}
