import type { getOctokit } from '@actions/github';

/** The GitHub API client the comment is written with (its own module: two modules use it). */
export type Octokit = ReturnType<typeof getOctokit>;
