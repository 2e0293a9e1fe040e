import * as core from '@actions/core';
import {
  provisionXdelta3,
  type ProvisionLogger,
  type ProvisionOptions,
  type Xdelta3Binary,
  type Xdelta3Request,
} from '../app/xdelta3.js';
import { actionsLogger } from './logger.js';

/**
 * Obtains xdelta3 (provision.ts) and, as the setup-* actions do, puts its tool cache
 * directory on PATH for this step and the job's later steps.
 */
export async function provideXdelta3(
  request: Xdelta3Request,
  log: ProvisionLogger = actionsLogger,
  options: ProvisionOptions = {},
): Promise<Xdelta3Binary> {
  const binary = await provisionXdelta3(request, log, options);
  if (binary.pathDir) core.addPath(binary.pathDir);
  return binary;
}
