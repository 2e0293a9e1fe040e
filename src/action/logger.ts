import * as core from '@actions/core';
import { escapeLogLine } from '../core/text-safety.js';
import type { LoggerPort } from '../ports.js';
import type { ProgressOutput } from './progress.js';

// Everything the action prints passes through here. Messages quote keys and metadata
// read from the bucket: escaped, they stay on one line and can never start a workflow
// command (`::warning::`, `::stop-commands::`) of their own.

/** The core's logger, printed through the runner's workflow commands. */
export const actionsLogger: LoggerPort & { notice(message: string): void } = {
  debug: (message) => core.debug(escapeLogLine(message)),
  info: (message) => core.info(escapeLogLine(message)),
  warning: (message) => core.warning(escapeLogLine(message)),
  notice: (message) => core.notice(escapeLogLine(message)),
};

/** Where per-file progress and log groups go (see progress.ts). */
export const actionsOutput: ProgressOutput = {
  info: (message) => core.info(escapeLogLine(message)),
  startGroup: (title) => core.startGroup(escapeLogLine(title)),
  endGroup: () => core.endGroup(),
};

/** `::error::` with the message on one line (main's failure, verify's failed files). */
export function logError(message: string): void {
  core.error(escapeLogLine(message));
}

/** Fails the step with one escaped `::error::` line. */
export function failStep(message: string): void {
  core.setFailed(escapeLogLine(message));
}
