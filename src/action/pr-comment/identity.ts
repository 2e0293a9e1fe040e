// Who the token is, as GitHub shows it as a comment's author. Only comments written by
// this identity may be updated: anyone can post a comment that starts with our marker.
//
// GraphQL's `viewer` answers for every kind of token: a PAT's user, and an installation
// token's app bot (`<slug>[bot]`; GITHUB_TOKEN is `github-actions[bot]`). REST `GET /user`
// answers for user tokens only; installation tokens get 403 there, and `GET /app` needs
// the app's JWT. So: `viewer` first, then `/user`, and on a 403 the job's GITHUB_TOKEN.

import type { Octokit } from './octokit.js';

export const GITHUB_ACTIONS_BOT = 'github-actions[bot]';

export interface CommentAuthor {
  login: string;
  /** `User` or `Bot` (REST `user.type`). */
  type?: string;
}

/** The login of the token's identity. Throws when GitHub answers neither question. */
export async function tokenLogin(octokit: Octokit): Promise<string> {
  try {
    const answer = await octokit.graphql<{ viewer?: { login?: string } }>(
      'query { viewer { login } }',
    );
    if (answer.viewer?.login) return answer.viewer.login;
  } catch {
    // Older GHES or a proxy without GraphQL: ask REST.
  }
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    if ((error as { status?: unknown }).status === 403) return GITHUB_ACTIONS_BOT;
    throw error;
  }
}

/** Whether `author` is the token's identity (GraphQL may name a bot without `[bot]`). */
export function isWrittenBy(author: CommentAuthor | undefined, login: string): boolean {
  if (!author) return false;
  const a = author.login.toLowerCase();
  const me = login.toLowerCase();
  return a === me || (author.type === 'Bot' && a === `${me}[bot]`);
}
