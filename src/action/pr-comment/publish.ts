// Finds this key's comment on the PR and writes this step's section into it, creating
// the comment on the first run. GitHub has no conditional update for comments, so jobs
// that write the same comment at the same moment are reconciled after the fact: read
// back, and merge again when another job's write dropped this section.

import type { LoggerPort } from '../../ports.js';
import type { CommentsApi, IssueComment } from './comments-api.js';
import { isWrittenBy } from './identity.js';
import type { ComposedBody } from './render.js';
import { MAX_COMMENT_CHARS } from './render.js';
import { isOwnedBody, normalizeNewlines, sectionContent } from './sections.js';

export interface UpsertOptions {
  commentKey: string;
  /** Encoded section id, as in the markers (see encodeMarkerValue). */
  sectionMarkerId: string;
  /** The body after merging this step's section into `existing` (undefined: no comment yet). */
  compose(existing: string | undefined): ComposedBody;
  /** Pause before reading a write back, giving a concurrent writer time to land. */
  settleMs: number;
  log: LoggerPort;
}

export interface UpsertOutcome {
  status: 'created' | 'updated';
  url: string;
}

const MAX_WRITES = 3;

const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

/**
 * The oldest comment this key owns: it carries the key's marker and the token wrote it.
 * A marker in anyone else's comment is ignored (anyone can post one). Stops listing at
 * the first match.
 */
async function findOwned(
  api: CommentsApi,
  key: string,
  login: string,
  log?: LoggerPort,
): Promise<IssueComment | undefined> {
  for await (const comment of api.list()) {
    if (!isOwnedBody(comment.body, key)) continue;
    if (isWrittenBy(comment.author, login)) return comment;
    log?.info(
      `Ignoring PR comment ${comment.url}: it carries this action's marker but was written by ` +
        `${comment.author?.login ?? 'an unknown user'}, not ${login}.`,
    );
  }
  return undefined;
}

function reportFit(composed: ComposedBody, log: LoggerPort): void {
  if (composed.shownFiles < composed.totalFiles) {
    log.info(
      `The PR comment lists ${composed.shownFiles} of ${composed.totalFiles} files ` +
        `(GitHub's ${MAX_COMMENT_CHARS}-character limit); the totals count them all.`,
    );
  }
  if (composed.droppedSections > 0) {
    log.info(
      `Removed ${composed.droppedSections} older section(s) of other steps from the PR comment ` +
        `to stay under GitHub's ${MAX_COMMENT_CHARS}-character limit.`,
    );
  }
}

/** Writes this step's section into `comment`, re-merging if a concurrent write dropped it. */
async function writeSection(
  api: CommentsApi,
  comment: IssueComment,
  options: UpsertOptions,
): Promise<IssueComment> {
  let current = comment;
  for (let attempt = 1; ; attempt++) {
    const composed = options.compose(current.body);
    reportFit(composed, options.log);
    if (normalizeNewlines(composed.body) === normalizeNewlines(current.body)) return current;
    await api.update(current.id, composed.body);

    await sleep(options.settleMs);
    const stored = await api.get(current.id);
    const mine = sectionContent(composed.body, options.sectionMarkerId);
    if (sectionContent(stored.body, options.sectionMarkerId) === mine) return stored;
    if (attempt >= MAX_WRITES) {
      options.log.warning(
        `Another job kept rewriting the PR comment (${stored.url}) at the same time, and this ` +
          `step's section is not in it after ${MAX_WRITES} tries. Give jobs that run ` +
          `concurrently their own 'comment-key'.`,
      );
      return stored;
    }
    options.log.info('Another job rewrote the PR comment at the same time; merging again.');
    current = stored;
  }
}

/** Creates or updates this key's comment. Throws the API's errors (see explainCommentError). */
export async function upsertComment(
  api: CommentsApi,
  options: UpsertOptions,
): Promise<UpsertOutcome> {
  const login = await api.login();
  const existing = await findOwned(api, options.commentKey, login, options.log);
  if (existing) {
    const written = await writeSection(api, existing, options);
    return { status: 'updated', url: written.url };
  }

  const composed = options.compose(undefined);
  reportFit(composed, options.log);
  const created = await api.create(composed.body);

  // Two jobs that found no comment both create one. The later one folds its section
  // into the oldest and deletes its own, so each key keeps a single comment.
  await sleep(options.settleMs);
  // The new comment's author is the token's identity, whatever the guess above was.
  const me = created.author?.login ?? login;
  const oldest = await findOwned(api, options.commentKey, me);
  if (!oldest || oldest.id === created.id) return { status: 'created', url: created.url };
  const merged = await writeSection(api, oldest, options);
  try {
    await api.remove(created.id);
  } catch (error) {
    options.log.warning(
      `Could not delete the duplicate PR comment ${created.url} (${explainCommentError(error)}); ` +
        `delete it by hand.`,
    );
  }
  return { status: 'updated', url: merged.url };
}

interface ErrorShape {
  status?: unknown;
  message?: unknown;
  response?: unknown;
}

const PERMISSION_FIX =
  "Give the job 'permissions: pull-requests: write'. Pull requests from forks get a " +
  'read-only GITHUB_TOKEN whatever the workflow asks for: to comment on those, run on ' +
  "'pull_request_target' (and do not build the fork's code there), or set 'comment: never'.";

function shapeOf(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? error : {};
}

function messageOf(error: unknown): string {
  const { message } = shapeOf(error);
  return typeof message === 'string' && message ? message : String(error);
}

/**
 * GitHub's answer that the token may not write here: a 403 that is no rate limit. A
 * read-only GITHUB_TOKEN (pull requests from forks, `pull-requests: read`) gets it.
 */
export function isWriteDenied(error: unknown): boolean {
  const { status, response } = shapeOf(error);
  return status === 403 && response !== undefined && !/rate limit/i.test(messageOf(error));
}

/** The permissions GitHub says the call needs (`x-accepted-github-permissions`), if given. */
function neededPermissions(error: unknown): string {
  const { response } = shapeOf(error);
  const headers = (response as { headers?: Record<string, unknown> } | undefined)?.headers;
  const value = headers?.['x-accepted-github-permissions'];
  // Header text from the API is untrusted: one short line.
  const clean = typeof value === 'string' ? value.replace(/[^\w=;, -]/g, '').slice(0, 200) : '';
  return clean ? ` GitHub says the call needs: ${clean}.` : '';
}

/** Why `comment: auto` left out the comment on a read-only token: the one debug line. */
export function writeDeniedNote(error: unknown): string {
  return (
    `No PR comment: the token may not write comments on this pull request (HTTP 403: ` +
    `${messageOf(error)}).${neededPermissions(error)} 'comment: always' warns about it.`
  );
}

/** A one-paragraph reason for a failed API call, with the fix when there is a known one. */
export function explainCommentError(error: unknown, apiUrl?: string): string {
  const shape = shapeOf(error);
  const message = messageOf(error);
  const status = typeof shape.status === 'number' ? shape.status : undefined;

  if (status === undefined || shape.response === undefined) {
    const where = apiUrl ? ` at ${apiUrl}` : '';
    return `the GitHub API${where} could not be reached (${message}).`;
  }
  const http = `HTTP ${status}: ${message}`;
  if (status === 401) {
    return `GitHub rejected the token (${http}). Pass a valid token in 'github-token' (the default is the job's GITHUB_TOKEN).`;
  }
  if ((status === 403 || status === 429) && /rate limit/i.test(message)) {
    return `GitHub's API rate limit was hit (${http}). The comment will be updated on the next run.`;
  }
  if (status === 403) {
    return `the token may not write comments on this pull request (${http}).${neededPermissions(error)} ${PERMISSION_FIX}`;
  }
  if (status === 404) {
    return `GitHub did not find the pull request with this token (${http}); a token without access to the repository sees 404. ${PERMISSION_FIX}`;
  }
  return `GitHub answered ${http}.`;
}
