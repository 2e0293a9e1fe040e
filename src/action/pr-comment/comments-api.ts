// The five issue-comment calls (and who the token is) the PR comment needs, over `@actions/github`'s octokit.
// A pull request's conversation comments are issue comments in the REST API.

import { tokenLogin, type CommentAuthor } from './identity.js';
import type { Octokit } from './octokit.js';

export interface IssueComment {
  id: number;
  body: string;
  url: string;
  /** Absent when GitHub reports no user (a deleted account). */
  author?: CommentAuthor;
}

export interface CommentsApi {
  /** Every comment on the pull request, oldest first, page by page. */
  list(): AsyncIterable<IssueComment>;
  get(id: number): Promise<IssueComment>;
  create(body: string): Promise<IssueComment>;
  update(id: number, body: string): Promise<IssueComment>;
  remove(id: number): Promise<void>;
  /** The login the token writes comments as (see identity.ts). */
  login(): Promise<string>;
}

export interface PullRequestRef {
  owner: string;
  repo: string;
  pullNumber: number;
}

interface CommentData {
  id: number;
  body?: string | null;
  html_url: string;
  user?: { login: string; type?: string } | null;
}

function toComment(data: CommentData): IssueComment {
  const author = data.user ? { login: data.user.login, type: data.user.type } : undefined;
  return { id: data.id, body: data.body ?? '', url: data.html_url, author };
}

export function octokitCommentsApi(octokit: Octokit, pr: PullRequestRef): CommentsApi {
  const repo = { owner: pr.owner, repo: pr.repo };
  return {
    async *list() {
      const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
        ...repo,
        issue_number: pr.pullNumber,
        per_page: 100,
      });
      for await (const page of pages) {
        for (const comment of page.data) yield toComment(comment);
      }
    },
    async get(id) {
      const { data } = await octokit.rest.issues.getComment({ ...repo, comment_id: id });
      return toComment(data);
    },
    async create(body) {
      const { data } = await octokit.rest.issues.createComment({
        ...repo,
        issue_number: pr.pullNumber,
        body,
      });
      return toComment(data);
    },
    async update(id, body) {
      const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: id, body });
      return toComment(data);
    },
    async remove(id) {
      await octokit.rest.issues.deleteComment({ ...repo, comment_id: id });
    },
    login: () => tokenLogin(octokit),
  };
}

/**
 * Makes every request of `octokit` give up once `signal` aborts. A hook, because
 * pagination drops per-call request options after the first page.
 */
export function abortRequestsOn(octokit: Octokit, signal: AbortSignal): void {
  octokit.hook.before('request', (options) => {
    options.request = { ...options.request, signal };
  });
}
