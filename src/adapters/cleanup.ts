// What an interrupted run leaves behind: partial downloads beside their destination, the
// scratch directory (deltas, reference views, rebuilt files). Adapters track those paths
// here while they exist; on SIGINT or SIGTERM the shell removes them all, synchronously
// (a signal handler cannot wait for promises), and exits with the conventional status.
import { rmSync } from 'node:fs';
import { constants } from 'node:os';

/** Where adapters report a path to remove if the run is interrupted. */
export interface CleanupTracker {
  /** Tracks `path` (a file, or a directory removed with its content); returns the untrack. */
  track(path: string): () => void;
}

export class CleanupRegistry implements CleanupTracker {
  private readonly paths = new Map<number, string>();
  private nextId = 0;

  track(path: string): () => void {
    const id = this.nextId++;
    this.paths.set(id, path);
    return () => void this.paths.delete(id);
  }

  /** Paths tracked now, most recent first. */
  get tracked(): string[] {
    return [...this.paths.values()].reverse();
  }

  /** Removes every tracked path now; returns those it could remove (or found gone). */
  removeAllSync(): string[] {
    const removed: string[] = [];
    for (const path of this.tracked) {
      try {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      } catch {
        // Nothing more can be done while the process is going down.
      }
    }
    this.paths.clear();
    return removed;
  }
}

/** 130 for SIGINT, 143 for SIGTERM: 128 + the signal number, as shells report it. */
export function exitStatusFor(signal: 'SIGINT' | 'SIGTERM'): number {
  return 128 + constants.signals[signal];
}

/**
 * On SIGINT or SIGTERM: removes what `registry` tracks, tells `report` (one line for the
 * log), and exits with 130 or 143. A second signal while that runs exits at once.
 * Returns a function that removes the handlers.
 */
export function cleanUpOnSignals(
  registry: CleanupRegistry,
  report: (signal: 'SIGINT' | 'SIGTERM', removed: string[]) => void,
): () => void {
  let stopping = false;
  const handler = (signal: 'SIGINT' | 'SIGTERM') => {
    if (stopping) process.exit(exitStatusFor(signal));
    stopping = true;
    const removed = registry.removeAllSync();
    try {
      report(signal, removed);
    } finally {
      process.exit(exitStatusFor(signal));
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
