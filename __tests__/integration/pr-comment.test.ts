// The PR comment against a loopback server that speaks GitHub's issue-comments REST
// endpoints (under a GHES-style /api/v3 prefix), with the real @actions/github octokit
// pointed at it through GITHUB_API_URL.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileResult } from '../../src/core/models.js';
import type { LoggerPort } from '../../src/ports.js';
import type * as PrComment from '../../src/action/pr-comment/index.js';

const TOKEN = 'ghs_test_token_value';
const OWNER = 'octo';
const REPO = 'widgets';
const PR = 7;
const PREFIX = '/api/v3';

interface StoredComment {
  id: number;
  body: string;
  user: { login: string; type: string };
}

/** How the fake answers "who is this token?" (GraphQL `viewer`, REST `GET /user`). */
interface Identity {
  /** The author of the comments this token creates. */
  login: string;
  /** viewer.login, or 'unavailable' (no GraphQL endpoint, as on an old GHES). */
  graphql: string;
  /** GET /user: a login, or 403 as for installation tokens. */
  rest: string | 403;
}

const GITHUB_TOKEN_IDENTITY: Identity = {
  login: 'github-actions[bot]',
  graphql: 'github-actions[bot]',
  rest: 403,
};

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
}

/** In-memory issue comments for one repository, with hooks to inject failures and races. */
class FakeGitHub {
  comments: StoredComment[] = [];
  requests: Seen[] = [];
  nextId = 1000;
  /** Answer the next request of this method with this status. */
  failNext?: { method: string; status: number; message: string; headers?: Record<string, string> };
  /** Runs after a PATCH is stored (simulates another job writing right after). */
  afterPatch?: (comment: StoredComment) => void;
  /** Runs before a POST is stored (simulates another job creating first). */
  beforePost?: () => void;
  identity: Identity = GITHUB_TOKEN_IDENTITY;
  private server?: Server;
  baseUrl = '';

  add(body: string, login = 'someone'): StoredComment {
    const type = login.endsWith('[bot]') ? 'Bot' : 'User';
    const comment = { id: this.nextId++, body, user: { login, type } };
    this.comments.push(comment);
    return comment;
  }

  private json(comment: StoredComment): object {
    return {
      id: comment.id,
      body: comment.body,
      user: comment.user,
      html_url: `https://github.example/${OWNER}/${REPO}/pull/${PR}#issuecomment-${comment.id}`,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams });

    if (req.headers.authorization !== `token ${TOKEN}`)
      return send(401, { message: 'Bad credentials' });
    const isIdentity = url.pathname === '/api/graphql' || url.pathname === `${PREFIX}/user`;
    if (this.failNext && this.failNext.method === method && !isIdentity) {
      const { status, message, headers } = this.failNext;
      this.failNext = undefined;
      return send(status, { message, documentation_url: 'https://docs.github.com/rest' }, headers);
    }

    if (url.pathname === '/api/graphql' && method === 'POST') {
      if (this.identity.graphql === 'unavailable') return send(404, { message: 'Not Found' });
      return send(200, { data: { viewer: { login: this.identity.graphql } } });
    }
    if (url.pathname === `${PREFIX}/user` && method === 'GET') {
      const { rest } = this.identity;
      if (rest === 403) return send(403, { message: 'Resource not accessible by integration' });
      return send(200, { login: rest, type: 'User' });
    }

    const repoPath = `${PREFIX}/repos/${OWNER}/${REPO}/issues`;
    if (url.pathname === `${repoPath}/${PR}/comments`) {
      if (method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const lastPage = Math.max(1, Math.ceil(this.comments.length / perPage));
        const link = (p: number): string => {
          const next = new URL(url);
          next.searchParams.set('page', String(p));
          return next.toString();
        };
        const links =
          page < lastPage
            ? [`<${link(page + 1)}>; rel="next"`, `<${link(lastPage)}>; rel="last"`]
            : [];
        const slice = this.comments.slice((page - 1) * perPage, page * perPage);
        return send(
          200,
          slice.map((c) => this.json(c)),
          links.length ? { link: links.join(', ') } : {},
        );
      }
      if (method === 'POST') {
        this.beforePost?.();
        const { body } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string };
        return send(201, this.json(this.add(body, this.identity.login)));
      }
    }
    const single = url.pathname.match(new RegExp(`^${repoPath}/comments/(\\d+)$`));
    if (single) {
      const index = this.comments.findIndex((c) => c.id === Number(single[1]));
      const comment = this.comments[index];
      if (!comment) return send(404, { message: 'Not Found' });
      if (method === 'GET') return send(200, this.json(comment));
      if (method === 'PATCH') {
        comment.body = (
          JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string }
        ).body;
        const answer = this.json(comment);
        this.afterPatch?.(comment);
        return send(200, answer);
      }
      if (method === 'DELETE') {
        this.comments.splice(index, 1);
        return send(204);
      }
    }
    send(404, { message: `No route for ${method} ${url.pathname}` });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  owned(key: string): StoredComment[] {
    return this.comments.filter((c) =>
      c.body.startsWith(`<!-- deltaglider:comment key=${key} -->`),
    );
  }

  count(method: string): number {
    // Comment calls only, not the identity query (a GraphQL POST).
    return this.requests.filter((r) => r.method === method && r.path !== '/api/graphql').length;
  }
}

function recordingLog(): LoggerPort & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    debug: (message) => lines.push({ level: 'debug', message }),
    info: (message) => lines.push({ level: 'info', message }),
    warning: (message) => lines.push({ level: 'warning', message }),
  };
}

function result(name: string, originalBytes: number, storedBytes: number): FileResult {
  return {
    name,
    key: `releases/${name}`,
    kind: 'delta',
    originalBytes,
    storedBytes,
    sha256: '0'.repeat(64),
  };
}

const github = new FakeGitHub();
const savedEnv = { ...process.env };
let tempDir = '';
let prComment: typeof PrComment;

function request(
  overrides: Partial<PrComment.SavingsCommentRequest> = {},
): PrComment.SavingsCommentRequest {
  return {
    mode: 'auto',
    token: TOKEN,
    commentKey: 'deltaglider',
    sectionId: 'build/upload',
    title: 'DeltaGlider upload',
    deltaSpace: 's3://releases/widgets/',
    results: [result('widgets-1.1.0.tar', 50_000_000, 120_000)],
    ...overrides,
  };
}

// settleMs 0: nothing else writes unless a test's hook does, synchronously.
const publish = (
  req: PrComment.SavingsCommentRequest,
  log: LoggerPort,
  deps: Partial<PrComment.SavingsCommentDeps> = {},
) => prComment.publishSavingsComment(req, log, { settleMs: 0, ...deps });

beforeAll(async () => {
  await github.start();
  tempDir = await mkdtemp(join(tmpdir(), 'dg-pr-comment-'));
  const eventPath = join(tempDir, 'event.json');
  await writeFile(eventPath, JSON.stringify({ pull_request: { number: PR } }));
  Object.assign(process.env, {
    GITHUB_API_URL: `${github.baseUrl}${PREFIX}`,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: '4242',
  });
  // @actions/github reads the environment when it loads.
  prComment = await import('../../src/action/pr-comment/index.js');
});

afterAll(async () => {
  await github.stop();
  await rm(tempDir, { recursive: true, force: true });
  process.env = savedEnv;
});

beforeEach(() => {
  github.comments = [];
  github.requests = [];
  github.failNext = undefined;
  github.afterPatch = undefined;
  github.beforePost = undefined;
  github.identity = GITHUB_TOKEN_IDENTITY;
  // Over 100 unrelated comments first, so finding ours needs the second page.
  for (let i = 0; i < 120; i++) github.add(`Unrelated comment ${i}`);
  github.add('> <!-- deltaglider:comment key=deltaglider -->\n> quoted by a human, not ours');
});

describe('publishSavingsComment', () => {
  it('creates the comment on the first run and updates the same one on the next', async () => {
    const log = recordingLog();
    const first = await publish(request(), log);
    expect(first.status).toBe('created');
    expect(github.owned('deltaglider')).toHaveLength(1);
    const [comment] = github.owned('deltaglider');
    expect(first.url).toContain(`issuecomment-${comment!.id}`);
    expect(comment!.body).toContain('widgets-1.1.0.tar');
    expect(comment!.body).toContain('s3://releases/widgets/');
    expect(comment!.body).toContain('/actions/runs/4242');
    // All pages were read, following the Link header.
    const pages = github.requests
      .filter((r) => r.method === 'GET' && r.path.endsWith(`/issues/${PR}/comments`))
      .map((r) => r.query.get('page') ?? '1');
    expect(pages).toContain('2');

    github.requests = [];
    const second = await publish(
      request({ results: [result('widgets-1.2.0.tar', 51_000_000, 90_000)] }),
      log,
    );
    expect(second).toEqual({ status: 'updated', url: first.url });
    expect(github.owned('deltaglider')).toHaveLength(1);
    expect(github.owned('deltaglider')[0]!.body).toContain('widgets-1.2.0.tar');
    expect(github.owned('deltaglider')[0]!.body).not.toContain('widgets-1.1.0.tar');
    expect(github.count('POST')).toBe(0);
    expect(github.count('PATCH')).toBe(1);
    expect(log.lines.filter((l) => l.level === 'warning')).toEqual([]);
    expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
  });

  it('lets a second step add its section and keeps the first', async () => {
    const log = recordingLog();
    await publish(request({ sectionId: 'linux/upload', title: 'Linux build' }), log);
    await publish(
      request({
        sectionId: 'windows/upload',
        title: 'Windows build',
        results: [result('widgets-1.1.0.exe', 30_000_000, 70_000)],
      }),
      log,
    );
    const owned = github.owned('deltaglider');
    expect(owned).toHaveLength(1);
    const body = owned[0]!.body;
    expect(body).toContain('Linux build');
    expect(body).toContain('widgets-1.1.0.tar');
    expect(body).toContain('Windows build');
    expect(body.indexOf('Linux build')).toBeLessThan(body.indexOf('Windows build'));
  });

  it('keeps one comment per comment key', async () => {
    const log = recordingLog();
    expect((await publish(request({ commentKey: 'linux' }), log)).status).toBe('created');
    expect((await publish(request({ commentKey: 'windows' }), log)).status).toBe('created');
    expect((await publish(request({ commentKey: 'linux' }), log)).status).toBe('updated');
    expect(github.owned('linux')).toHaveLength(1);
    expect(github.owned('windows')).toHaveLength(1);
    expect(github.comments).toHaveLength(121 + 2);
  });

  // What GitHub answers a read-only GITHUB_TOKEN (fork PRs, pull-requests: read).
  const readOnly = {
    method: 'POST',
    status: 403,
    message: 'Resource not accessible by integration',
    headers: { 'x-accepted-github-permissions': 'issues=write; pull_requests=write' },
  };

  it('with comment: auto, a token that may not write gives one debug line, no warning', async () => {
    const log = recordingLog();
    github.failNext = readOnly;
    const outcome = await publish(request({ mode: 'auto' }), log);
    expect(outcome).toEqual({ status: 'skipped' });
    expect(log.lines.filter((l) => l.level !== 'debug')).toEqual([]);
    const debug = log.lines.filter((l) => /may not write/.test(l.message));
    expect(debug).toHaveLength(1);
    expect(debug[0]!.message).toContain('pull_requests=write');
    expect(github.owned('deltaglider')).toHaveLength(0);
  });

  it('with comment: always, warns how to grant access, and does not throw', async () => {
    const log = recordingLog();
    github.failNext = readOnly;
    const outcome = await publish(request({ mode: 'always' }), log);
    expect(outcome).toEqual({ status: 'failed' });
    const warnings = log.lines.filter((l) => l.level === 'warning').map((l) => l.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('pull-requests: write');
    expect(warnings[0]).toContain('pull_request_target');
    expect(warnings[0]).toContain('Resource not accessible by integration');
    expect(warnings[0]).not.toContain(TOKEN);
    expect(github.owned('deltaglider')).toHaveLength(0);
  });

  it('reports a rejected token as a warning', async () => {
    const log = recordingLog();
    const outcome = await publish(request({ token: 'wrong' }), log);
    expect(outcome.status).toBe('failed');
    expect(log.lines.find((l) => l.level === 'warning')?.message).toMatch(/github-token/);
  });

  it('reports an unreachable API as a warning', async () => {
    const log = recordingLog();
    const context = { ...deadContext(), apiUrl: 'http://127.0.0.1:1' };
    const outcome = await publish(request(), log, { context });
    expect(outcome.status).toBe('failed');
    expect(log.lines.find((l) => l.level === 'warning')?.message).toContain('http://127.0.0.1:1');
  });

  it('skips without a request in never mode and on events that are not pull requests', async () => {
    const log = recordingLog();
    github.requests = [];
    expect(await publish(request({ mode: 'never' }), log)).toEqual({ status: 'skipped' });
    const push = { ...deadContext(), eventName: 'push', payload: {} };
    expect(await publish(request(), log, { context: push })).toEqual({ status: 'skipped' });
    expect(await publish(request({ mode: 'always' }), log, { context: push })).toEqual({
      status: 'skipped',
    });
    expect(github.requests).toEqual([]);
    // `always` says why it did not comment; `auto` and `never` only at debug level.
    const infos = log.lines.filter((l) => l.level === 'info').map((l) => l.message);
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatch(/no pull request to comment on/);
  });

  it('merges again when another job overwrites the comment right after this one', async () => {
    const log = recordingLog();
    await publish(request({ sectionId: 'a', title: 'Step A' }), log);
    const staleBody = github.owned('deltaglider')[0]!.body;
    // Job C read the comment before this write and saves its own section after it.
    github.afterPatch = (comment) => {
      github.afterPatch = undefined;
      comment.body = `${staleBody}\n<!-- deltaglider:section id=c -->\nStep C\n<!-- /deltaglider:section id=c -->\n`;
    };
    const outcome = await publish(request({ sectionId: 'b', title: 'Step B' }), log);
    expect(outcome.status).toBe('updated');
    const body = github.owned('deltaglider')[0]!.body;
    expect(body).toContain('Step A');
    expect(body).toContain('Step B');
    expect(body).toContain('Step C');
    expect(github.count('PATCH')).toBe(2);
  });

  it('folds its section into a comment another job created at the same time', async () => {
    const log = recordingLog();
    // Another job finds no comment either, and creates its own just before this one.
    github.beforePost = () => {
      github.beforePost = undefined;
      github.add(
        '<!-- deltaglider:comment key=deltaglider -->\n\n' +
          '<!-- deltaglider:section id=other -->\nOther job\n<!-- /deltaglider:section id=other -->\n',
        'github-actions[bot]',
      );
    };
    const outcome = await publish(request({ title: 'This job' }), log);
    const owned = github.owned('deltaglider');
    expect(owned).toHaveLength(1);
    expect(outcome).toEqual({ status: 'updated', url: expect.stringContaining(`${owned[0]!.id}`) });
    expect(owned[0]!.body).toContain('Other job');
    expect(owned[0]!.body).toContain('This job');
    expect(github.count('DELETE')).toBe(1);
  });
});

describe('only comments the token wrote are updated', () => {
  const HOSTILE =
    '<!-- deltaglider:comment key=deltaglider -->\n\n' +
    '<!-- deltaglider:section id=evil -->\n![x](https://evil.example/p.png) @everyone\n' +
    '<!-- /deltaglider:section id=evil -->\n';

  it("ignores another user's comment that carries the marker, and posts its own", async () => {
    const log = recordingLog();
    const foreign = github.add(HOSTILE, 'mallory');
    const outcome = await publish(request(), log);
    expect(outcome.status).toBe('created');
    expect(foreign.body).toBe(HOSTILE);
    const mine = github.owned('deltaglider').filter((c) => c.user.login === 'github-actions[bot]');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toContain('widgets-1.1.0.tar');
    expect(mine[0]!.body).not.toContain('evil.example');
    expect(mine[0]!.body).not.toContain('@everyone');
    expect(github.count('PATCH')).toBe(0);
    expect(github.count('DELETE')).toBe(0);
    const infos = log.lines.filter((l) => l.level === 'info').map((l) => l.message);
    expect(infos.some((m) => m.includes('written by mallory'))).toBe(true);

    // The next run updates its own comment, still not the attacker's.
    const second = await publish(request({ title: 'Second run' }), log);
    expect(second).toEqual({ status: 'updated', url: outcome.url });
    expect(foreign.body).toBe(HOSTILE);
  });

  it("does not adopt another bot's comment either", async () => {
    const foreign = github.add(HOSTILE, 'some-other-app[bot]');
    expect((await publish(request(), recordingLog())).status).toBe('created');
    expect(foreign.body).toBe(HOSTILE);
  });

  it('asks GET /user who a personal access token is when GraphQL is unavailable', async () => {
    github.identity = { login: 'alice', graphql: 'unavailable', rest: 'alice' };
    const botComment = github.add(HOSTILE, 'github-actions[bot]');
    const hers = github.add('<!-- deltaglider:comment key=deltaglider -->\n\nold', 'alice');
    const outcome = await publish(request(), recordingLog());
    expect(outcome.status).toBe('updated');
    expect(outcome.url).toContain(`issuecomment-${hers.id}`);
    expect(hers.body).toContain('widgets-1.1.0.tar');
    expect(botComment.body).toBe(HOSTILE);
  });

  it('takes an app bot from GraphQL, whose viewer login has no [bot] suffix', async () => {
    github.identity = { login: 'dg-app[bot]', graphql: 'dg-app', rest: 403 };
    const ours = github.add('<!-- deltaglider:comment key=deltaglider -->\n\nold', 'dg-app[bot]');
    const outcome = await publish(request(), recordingLog());
    expect(outcome.url).toContain(`issuecomment-${ours.id}`);
  });

  it('falls back to github-actions[bot] when only GET /user answers, with 403', async () => {
    github.identity = { ...GITHUB_TOKEN_IDENTITY, graphql: 'unavailable' };
    github.add(HOSTILE, 'mallory');
    const ours = github.add(
      '<!-- deltaglider:comment key=deltaglider -->\n\nold',
      'github-actions[bot]',
    );
    const outcome = await publish(request(), recordingLog());
    expect(outcome).toEqual({ status: 'updated', url: expect.stringContaining(`${ours.id}`) });
  });
});

/** A context like @actions/github's, without reading the environment. */
function deadContext(): PrComment.RunContext {
  return {
    eventName: 'pull_request',
    payload: { pull_request: { number: PR } },
    repo: { owner: OWNER, repo: REPO },
    apiUrl: `${github.baseUrl}${PREFIX}`,
    serverUrl: 'https://github.example',
    runId: 1,
  };
}
