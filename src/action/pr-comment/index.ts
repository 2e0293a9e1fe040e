// The PR comment with the storage savings: one sticky comment per PR and comment key,
// one section in it per step. Failing to comment never fails the job.

import * as github from '@actions/github';
import type { LoggerPort } from '../../ports.js';
import { abortRequestsOn, octokitCommentsApi } from './comments-api.js';
import type { Octokit } from './octokit.js';
import { explainCommentError, isWriteDenied, upsertComment, writeDeniedNote } from './publish.js';
import { composeBody, type CommentFile } from './render.js';
import { encodeMarkerValue } from './sections.js';
import { resolveCommentTarget, type CommentMode, type EventContext } from './target.js';

export { parseCommentMode, type CommentMode } from './target.js';

export const DEFAULT_COMMENT_KEY = 'deltaglider';

export interface SavingsCommentRequest {
  mode: CommentMode;
  token: string;
  /** Several jobs can keep one comment each on the same PR, one per key. */
  commentKey: string;
  /** This step's section in the comment (GITHUB_JOB + GITHUB_ACTION); re-runs replace it. */
  sectionId: string;
  title: string;
  /** Shown as is, e.g. `s3://bucket/releases/`. */
  deltaSpace: string;
  results: readonly CommentFile[];
}

export interface SavingsCommentOutcome {
  status: 'created' | 'updated' | 'skipped' | 'failed';
  url?: string;
}

/** What the comment needs from the run; `@actions/github`'s `context` provides it. */
export interface RunContext extends EventContext {
  readonly repo: { owner: string; repo: string };
  apiUrl: string;
  serverUrl: string;
  runId: number;
}

export interface SavingsCommentDeps {
  context: RunContext;
  octokitFor(token: string, baseUrl: string): Octokit;
  /** Pause before reading a write back to catch concurrent writers (ms). */
  settleMs: number;
  /** Budget for all the API calls together (ms). */
  timeoutMs: number;
}

const defaultDeps: SavingsCommentDeps = {
  context: github.context,
  // baseUrl from the context (GITHUB_API_URL, so GHES works), explicitly, so an
  // injected context and the client can never disagree.
  octokitFor: (token, baseUrl) => github.getOctokit(token, { baseUrl }),
  settleMs: 1_500,
  timeoutMs: 60_000,
};

function runUrlOf(context: RunContext, repo: { owner: string; repo: string }): string | undefined {
  if (!Number.isInteger(context.runId) || context.runId <= 0) return undefined;
  return `${context.serverUrl}/${repo.owner}/${repo.repo}/actions/runs/${context.runId}`;
}

/**
 * Writes this step's savings table into the PR's sticky comment (created on the
 * first run, updated in place later). Never throws: problems become a warning that
 * says how to fix them, and the status `failed`; with `auto`, a token that may not write
 * (a 403) is one debug line and `skipped`.
 */
export async function publishSavingsComment(
  request: SavingsCommentRequest,
  log: LoggerPort,
  overrides: Partial<SavingsCommentDeps> = {},
): Promise<SavingsCommentOutcome> {
  const deps = { ...defaultDeps, ...overrides };
  const { context } = deps;
  const warnFailed = (reason: string): SavingsCommentOutcome => {
    log.warning(
      `Could not publish the PR comment with the storage savings: ${reason} ` +
        `The job goes on; the job summary has the same numbers.`,
    );
    return { status: 'failed' };
  };

  const target = resolveCommentTarget(request.mode, context);
  if (!target.comment) {
    if (target.notable) log.info(target.reason);
    else log.debug(target.reason);
    return { status: 'skipped' };
  }
  if (!request.token) {
    return warnFailed(
      "the 'github-token' input is empty. Leave it at its default (the job's GITHUB_TOKEN) " +
        "or set 'comment: never'.",
    );
  }
  let repo: { owner: string; repo: string };
  try {
    repo = context.repo;
  } catch (error) {
    return warnFailed(`the repository is unknown (${(error as Error).message}).`);
  }

  const commentKey = request.commentKey.trim() || DEFAULT_COMMENT_KEY;
  const sectionId = request.sectionId || DEFAULT_COMMENT_KEY;
  const input = {
    title: request.title,
    deltaSpace: request.deltaSpace,
    results: request.results,
    runUrl: runUrlOf(context, repo),
  };
  const deadline = AbortSignal.timeout(deps.timeoutMs);
  try {
    const octokit = deps.octokitFor(request.token, context.apiUrl);
    abortRequestsOn(octokit, deadline);
    const api = octokitCommentsApi(octokit, { ...repo, pullNumber: target.pullNumber });
    const outcome = await upsertComment(api, {
      commentKey,
      sectionMarkerId: encodeMarkerValue(sectionId),
      compose: (existing) => composeBody(existing, commentKey, sectionId, input),
      settleMs: deps.settleMs,
      log,
    });
    log.info(`PR comment ${outcome.status}: ${outcome.url}`);
    return outcome;
  } catch (error) {
    if (deadline.aborted) {
      return warnFailed(
        `the GitHub API at ${context.apiUrl} did not answer within ${deps.timeoutMs / 1000} s.`,
      );
    }
    // `auto` comments where it can: a read-only token is normal (fork PRs), not a problem.
    if (request.mode === 'auto' && isWriteDenied(error)) {
      log.debug(writeDeniedNote(error));
      return { status: 'skipped' };
    }
    return warnFailed(explainCommentError(error, context.apiUrl));
  }
}
