import * as core from '@actions/core';
import type { LoggerPort } from '../ports.js';

/** The core's logger, printed through the runner's workflow commands. */
export const actionsLogger: LoggerPort & { notice(message: string): void } = {
  debug: (message) => core.debug(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  notice: (message) => core.notice(message),
};
