import type { ProgressListener, ProgressPort } from '../ports.js';

/** Reports nothing: the default when no shell watches (tests, library use). */
export const NO_PROGRESS: ProgressPort = {
  file: (_name, work) => work(),
  step: () => ({ update: () => undefined, end: () => undefined }),
};

/**
 * Runs `work` as one step of `file`, handing it the listener to report bytes to; the
 * step ends however the work does.
 */
export async function inStep<T>(
  progress: ProgressPort | undefined,
  file: string,
  activity: string,
  totalBytes: number,
  work: (onProgress: ProgressListener) => Promise<T>,
): Promise<T> {
  const step = (progress ?? NO_PROGRESS).step(file, activity, totalBytes);
  try {
    return await work(step.update);
  } finally {
    step.end();
  }
}
