import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { CleanupRegistry, cleanUpOnSignals } from '../adapters/cleanup.js';
import { createApp, defaultCacheRoot, type App } from '../app/create-app.js';
import { checkApp, formatHealthCheck, inShellWords } from '../app/doctor.js';
import { cacheNote, cacheReport, handOffCache } from '../app/runner-cache.js';
import { describeError } from '../core/errors.js';
import { ACTION_HINTS, ACTION_SETTINGS } from './hints.js';
import { runDownload, runList, runStats, runUpload, runVerify } from './commands.js';
import type { CommandReport } from './report.js';
import { readInputs, storageOptions, type ActionInputs, type Command } from './inputs.js';
import { actionsLogger, actionsOutput, failStep } from './logger.js';
import { actionsState } from './state.js';
import { provideXdelta3 } from './xdelta3.js';
import { ActionsProgress } from './progress.js';
import { setOutputs } from './outputs.js';
import { runPurge } from './purge.js';
import { runPrune } from './prune.js';
import { runSyncCommand } from './sync.js';
import { runMigrate } from './migrate.js';
import { publishSavingsComment } from './pr-comment/index.js';
import { recordScratchDir } from './scratch.js';
import { writeJobSummary } from './summary.js';

interface CommandEntry {
  run(app: App, inputs: ActionInputs): Promise<CommandReport>;
  /** Encodes or rebuilds files: xdelta3 is provisioned (and verified) before anything else. */
  xdelta3: boolean;
  /** Reads references through the cache: its hits and misses are reported. */
  cache: boolean;
}

/** What each command runs and needs. Every report is then rendered by `publish`. */
const COMMANDS: Record<Command, CommandEntry> = {
  upload: { run: runUpload, xdelta3: true, cache: true },
  download: { run: runDownload, xdelta3: true, cache: true },
  list: { run: runList, xdelta3: false, cache: false },
  verify: { run: runVerify, xdelta3: true, cache: false },
  stats: { run: runStats, xdelta3: false, cache: false },
  purge: { run: runPurge, xdelta3: false, cache: false },
  prune: { run: runPrune, xdelta3: false, cache: false },
  sync: { run: runSyncCommand, xdelta3: true, cache: true },
  migrate: { run: runMigrate, xdelta3: true, cache: true },
};

/** The main step: the command, then its outputs, the job summary and the PR comment. */
export async function run(): Promise<void> {
  let app: App | undefined;
  // Cancelling a job sends SIGINT, then SIGTERM: partial and scratch files go with us.
  const cleanup = new CleanupRegistry();
  const stopHandling = cleanUpOnSignals(cleanup, (signal, removed) =>
    core.info(`Interrupted (${signal}): removed ${removed.length} partial or scratch path(s)`),
  );
  try {
    maskCredentials();
    const inputs = readInputs();
    const command = COMMANDS[inputs.command];
    // Before anything touches the bucket: a binary that fails verification stops here.
    // list and stats read metadata only and need no xdelta3.
    const needsXdelta3 = command.xdelta3;
    const xdelta3 = needsXdelta3
      ? await provideXdelta3(inputs.xdelta3)
      : { path: inputs.xdelta3.path ?? 'xdelta3', version: 'unused', source: 'none' };
    if (needsXdelta3) {
      core.setOutput('xdelta3-path', xdelta3.path);
      core.info(`Using xdelta3 ${xdelta3.version} (${xdelta3.source}: ${xdelta3.path})`);
    }
    const progress = new ActionsProgress(actionsOutput);
    app = createApp({
      storage: storageOptions(inputs),
      log: progress.logger(actionsLogger),
      progress,
      xdelta3Binary: xdelta3.path,
      xdelta3MemoryBytes: inputs.xdelta3MemoryBytes,
      maxRatio: inputs.maxRatio,
      concurrency: inputs.concurrency,
      archiveAware: inputs.archiveAware,
      references: inputs.references,
      // The action's one scratch policy: the runner's temp folder, cleaned per job.
      scratchRoot: process.env.RUNNER_TEMP ?? tmpdir(),
      cacheRoot: defaultCacheRoot(),
      actionsCache: inputs.cache ? actionsLogger : undefined,
      cleanup,
    });
    recordScratchDir(app.scratchDir);
    if (core.isDebug()) await logHealth(app, inputs);
    const report = await command.run(app, inputs);
    if (command.cache) {
      const { hits, misses } = cacheReport(app);
      report.outputs['reference-cache-hits'] = hits;
      // v1's name, kept as a deprecated alias: it is easily mistaken for actions/cache's
      // boolean `cache-hit`, which this count is not.
      report.outputs['cache-hits'] = hits;
      report.outputs['cache-misses'] = misses;
      const note = cacheNote(app);
      if (note) report.notes.push(note);
    }
    await publish(inputs, report);
    if (report.failure) throw report.failure;
  } catch (error) {
    failStep(describeError(error, ACTION_HINTS));
    if (error instanceof Error && error.stack) core.debug(error.stack);
  } finally {
    if (app) handOffCache(app, actionsState, actionsLogger);
    await app?.close();
    stopHandling();
  }
}

/** The health checks of `deltaglider doctor`, in the debug log (no writes). */
async function logHealth(app: App, inputs: ActionInputs) {
  const checks = await checkApp(app, { bucket: inputs.s3Url.bucket, prefix: inputs.s3Url.key });
  for (const check of checks)
    core.debug(formatHealthCheck(inShellWords(check, ACTION_SETTINGS, ACTION_HINTS)));
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

/**
 * Every command's report, rendered the same way: the outputs, the job summary and, when
 * the report has files for it (upload), the PR comment. Neither of the last two can fail
 * the step.
 */
async function publish(inputs: ActionInputs, report: CommandReport): Promise<void> {
  setOutputs(report.outputs);
  if (inputs.summary) await writeJobSummary(report);
  if (!report.comment) return;
  await publishSavingsComment(
    {
      mode: inputs.comment.mode,
      token: inputs.comment.token,
      commentKey: inputs.comment.key,
      sectionId: `${process.env.GITHUB_JOB ?? 'job'}/${process.env.GITHUB_ACTION ?? 'step'}`,
      title: report.title,
      deltaSpace: report.location.url,
      results: report.comment,
    },
    actionsLogger,
  );
}
