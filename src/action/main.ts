import * as core from '@actions/core';
import { createS3Storage, type S3Storage } from '../adapters/s3/s3-storage.js';
import { provisionXdelta3 } from '../adapters/xdelta3/provision/provision.js';
import {
  createActionsReferenceCache,
  describeCacheReport,
  handOffToPost,
  type ActionsReferenceCache,
} from '../adapters/actions-cache/index.js';
import { CleanupRegistry, cleanUpOnSignals } from '../adapters/cleanup.js';
import { describeError } from '../core/errors.js';
import type { FileResult } from '../core/models.js';
import { formatHealthCheck, runHealthChecks } from '../adapters/health.js';
import { createEngine, defaultCacheRoot, type Engine } from '../engine.js';
import { runList, runStats, runVerify } from './commands.js';
import { download, upload, type CommandOutcome } from './transfer.js';
import { readInputs, type ActionInputs } from './inputs.js';
import { actionsLogger, actionsOutput, failStep } from './logger.js';
import { ActionsProgress } from './progress.js';
import { setResultOutputs } from './outputs.js';
import { runPurge } from './purge.js';
import { publishSavingsComment } from './pr-comment/index.js';
import { recordScratchDir } from './scratch.js';
import { writeJobSummary } from './summary.js';

/** The main step: upload or download, then outputs, the job summary and the PR comment. */
export async function run(): Promise<void> {
  let engine: Engine | undefined;
  let storage: S3Storage | undefined;
  // Set by wrapCache inside createEngine (`as`: TypeScript would narrow a plain `let` to undefined).
  let actionsCache = undefined as ActionsReferenceCache | undefined;
  // Cancelling a job sends SIGINT, then SIGTERM: partial and scratch files go with us.
  const cleanup = new CleanupRegistry();
  const stopHandling = cleanUpOnSignals(cleanup, (signal, removed) =>
    core.info(`Interrupted (${signal}): removed ${removed.length} partial or scratch path(s)`),
  );
  try {
    maskCredentials();
    const inputs = readInputs();
    // Before anything touches the bucket: a binary that fails verification stops here.
    // list and stats read metadata only and need no xdelta3.
    const needsXdelta3 = !['list', 'stats', 'purge'].includes(inputs.command);
    const xdelta3 = needsXdelta3
      ? await provisionXdelta3(inputs.xdelta3, actionsLogger)
      : { path: inputs.xdelta3.path ?? 'xdelta3', version: 'unused', source: 'none' };
    if (needsXdelta3) {
      core.setOutput('xdelta3-path', xdelta3.path);
      core.info(`Using xdelta3 ${xdelta3.version} (${xdelta3.source}: ${xdelta3.path})`);
    }
    storage = createS3Storage({
      endpointUrl: inputs.endpointUrl,
      region: inputs.region,
      forcePathStyle: inputs.forcePathStyle,
      maxAttempts: inputs.maxAttempts,
      sse: inputs.sse,
      sseKmsKeyId: inputs.sseKmsKeyId,
    });
    const progress = new ActionsProgress(actionsOutput);
    engine = createEngine({
      storage,
      log: progress.logger(actionsLogger),
      progress,
      xdelta3Binary: xdelta3.path,
      xdelta3MemoryBytes: inputs.xdelta3MemoryBytes,
      maxRatio: inputs.maxRatio,
      concurrency: inputs.concurrency,
      archiveAware: inputs.archiveAware,
      cleanup,
      wrapCache: inputs.cache
        ? (local) => (actionsCache = createActionsReferenceCache(local, actionsLogger))
        : undefined,
    });
    recordScratchDir(engine.scratchDir);
    if (core.isDebug()) await logHealth(xdelta3.path, storage, inputs);
    if (inputs.command === 'list') await runList(engine, inputs);
    else if (inputs.command === 'verify') await runVerify(engine, inputs);
    else if (inputs.command === 'stats') await runStats(engine, inputs);
    else if (inputs.command === 'purge') await runPurge(storage, inputs);
    else {
      const outcome =
        inputs.command === 'upload'
          ? await upload(engine, inputs)
          : await download(engine, inputs, cleanup);
      setResultOutputs(outcome.results);
      const cacheReport = actionsCache?.report ?? { hits: 0, misses: 0 };
      core.setOutput('cache-hits', cacheReport.hits);
      core.setOutput('cache-misses', cacheReport.misses);
      await report(inputs, outcome, actionsCache ? [describeCacheReport(cacheReport)] : []);
    }
  } catch (error) {
    failStep(describeError(error));
    if (error instanceof Error && error.stack) core.debug(error.stack);
  } finally {
    if (actionsCache) handOffToPost(actionsCache);
    await engine?.dispose();
    storage?.close();
    stopHandling();
  }
}

/** The health checks of `deltaglider doctor`, in the debug log (no writes). */
async function logHealth(xdelta3Binary: string, storage: S3Storage, inputs: ActionInputs) {
  const checks = await runHealthChecks({
    xdelta3Binary,
    cacheDir: defaultCacheRoot(),
    storage,
    bucket: inputs.s3Url.bucket,
    prefix: inputs.s3Url.key,
  });
  for (const check of checks) core.debug(formatHealthCheck(check));
}

/**
 * Credentials reach the SDK through the environment (configure-aws-credentials sets
 * them). They are masked so that no log line, ours or a library's, can show them.
 */
function maskCredentials(): void {
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']) {
    const value = process.env[name];
    if (value) core.setSecret(value);
  }
  maskUrl(core.getInput('xdelta3-url'));
}

/**
 * A mirror URL may be presigned (`X-Amz-Signature=...`) or carry a password: masked
 * before @actions/tool-cache logs the URL it downloads (at debug level).
 */
function maskUrl(url: string): void {
  if (!url.trim()) return;
  core.setSecret(url.trim());
  try {
    const parsed = new URL(url.trim());
    if (parsed.search.length > 1) core.setSecret(parsed.search.slice(1));
    if (parsed.password) core.setSecret(parsed.password);
  } catch {
    // Not a URL: provisioning refuses it, and the whole value is masked above.
  }
}

/** The job summary and, for uploads, the PR comment. Neither can fail the step. */
async function report(
  inputs: ActionInputs,
  outcome: CommandOutcome,
  notes: string[],
): Promise<void> {
  const title = inputs.command === 'upload' ? 'DeltaGlider upload' : 'DeltaGlider download';
  if (inputs.summary) {
    await writeJobSummary({
      title,
      location: outcome.location,
      results: outcome.results,
      notes,
    }).catch((error: unknown) =>
      core.warning(`Could not write the job summary: ${describeError(error)}`),
    );
  }
  if (inputs.command !== 'upload') return;
  await publishSavingsComment(
    {
      mode: inputs.comment.mode,
      token: inputs.comment.token,
      commentKey: inputs.comment.key,
      sectionId: `${process.env.GITHUB_JOB ?? 'job'}/${process.env.GITHUB_ACTION ?? 'step'}`,
      title,
      deltaSpace: outcome.location,
      results: outcome.results as FileResult[],
    },
    actionsLogger,
  );
}
