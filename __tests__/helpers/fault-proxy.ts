// An HTTP proxy in front of a real S3 server (moto) that injects the failures networks
// and S3 produce: error answers (503 SlowDown, 500, 403 AccessDenied), connections reset
// in the middle of a request body, and the server vanishing mid-upload. Everything else
// is forwarded untouched, and every request is recorded so tests can count retries.
//
// Request bodies are received completely before they are forwarded: a request the proxy
// cuts off never reaches the server half-sent. That is what S3 does with an incomplete
// body (it stores nothing), and it keeps a development server's handling of truncated
// requests out of the tests.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request as the proxy saw it (path-style URLs: /bucket/key?query). */
export interface SeenRequest {
  method: string;
  bucket: string;
  /** The object key, decoded ('' for bucket-level requests). */
  key: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** What the proxy did with it. */
  outcome: 'forwarded' | 'failed' | 'reset' | 'stopped';
  /** Base64 MD5 of a whole body up to 1 MiB (what a correct Content-MD5 holds). */
  bodyMd5?: string;
}

/** Chooses the requests a fault applies to. */
export type RequestMatch = (request: Omit<SeenRequest, 'outcome'>) => boolean;

interface Fault {
  match: RequestMatch;
  /** Requests still to be hit (Infinity: all of them). */
  remaining: number;
  action:
    | { kind: 'fail'; status: number; code: string; message: string }
    | { kind: 'reset'; afterBytes: number }
    | {
        kind: 'hold';
        until: Promise<unknown>;
        onHeld?: () => void;
        onAnswered?: () => void;
      }
    | { kind: 'drop-header'; header: string }
    | { kind: 'stop'; afterBytes: number };
}

const any: RequestMatch = () => true;

/** Matches an upload of `key` (a single PUT or any of its multipart requests). */
export function uploadOf(key: string): RequestMatch {
  return (r) => r.key === key && (r.method === 'PUT' || r.method === 'POST');
}

/** Matches the requests that carry bytes of `key`: its PutObject or its UploadParts. */
export function bodyOf(key: string): RequestMatch {
  return (r) => r.key === key && r.method === 'PUT';
}

/** Matches UploadPart requests (any key, or one key). */
export function uploadPart(key?: string): RequestMatch {
  return (r) =>
    r.method === 'PUT' && r.query.has('partNumber') && (key === undefined || r.key === key);
}

export class FaultProxy {
  readonly seen: SeenRequest[] = [];
  private readonly faults: Fault[] = [];
  private readonly sockets = new Set<Socket>();
  private stopped = false;

  private constructor(
    private readonly server: http.Server,
    private readonly target: URL,
    readonly endpoint: string,
  ) {}

  /** Starts a proxy on 127.0.0.1 (ephemeral port) forwarding to `targetEndpoint`. */
  static async start(targetEndpoint: string): Promise<FaultProxy> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultProxy(server, new URL(targetEndpoint), `http://127.0.0.1:${port}`);
    server.on('connection', (socket) => {
      if (proxy.stopped) return void socket.destroy();
      proxy.sockets.add(socket);
      socket.once('close', () => proxy.sockets.delete(socket));
    });
    server.on('request', (request, response) => proxy.handle(request, response));
    return proxy;
  }

  /** Answers the next `times` matching requests with an S3 error instead of forwarding them. */
  failNext(
    times: number,
    {
      status = 503,
      code = 'SlowDown',
      message = 'Please reduce your request rate.',
      match = any,
    } = {},
  ): void {
    this.faults.push({ match, remaining: times, action: { kind: 'fail', status, code, message } });
  }

  /** Resets the connection of the next `times` matching requests after `afterBytes` of body. */
  resetNext(
    times: number,
    { afterBytes = 0, match = any }: { afterBytes?: number; match?: RequestMatch } = {},
  ): void {
    this.faults.push({ match, remaining: times, action: { kind: 'reset', afterBytes } });
  }

  /**
   * Holds the next `times` matching requests (received whole) until `until` settles, then
   * forwards them: a request whose body takes that long to arrive.
   */
  holdNext(
    times: number,
    { until, match = any }: { until: Promise<unknown>; match?: RequestMatch },
  ): void {
    this.faults.push({ match, remaining: times, action: { kind: 'hold', until } });
  }

  /**
   * Holds the next matching request until `release()`: `reached` settles once it has
   * arrived whole (and is being held), `answered` once its answer went back after the
   * release. Deterministic interleaving: the test knows where the client stands.
   */
  hold(match: RequestMatch): { reached: Promise<void>; answered: Promise<void>; release(): void } {
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const arrived = new Promise<void>((resolve) => (reached = resolve));
    let answered!: () => void;
    const done = new Promise<void>((resolve) => (answered = resolve));
    this.faults.push({
      match,
      remaining: 1,
      action: { kind: 'hold', until, onHeld: reached, onAnswered: answered },
    });
    return { reached: arrived, answered: done, release };
  }

  /**
   * Holds the next matching request until `release()`: `arrived` resolves once it is
   * being held, so a test can act in between (a race made deterministic).
   */
  holdOne(match: RequestMatch): { arrived: Promise<void>; release: () => void } {
    const { reached, release } = this.hold(match);
    return { arrived: reached, release };
  }

  /**
   * Forwards the next `times` matching requests without `header` (lowercase): a store
   * that ignores a conditional header, such as If-Match on DeleteObject.
   */
  dropHeaderNext(
    times: number,
    { header, match = any }: { header: string; match?: RequestMatch },
  ): void {
    this.faults.push({ match, remaining: times, action: { kind: 'drop-header', header } });
  }

  /**
   * The server goes away: once the first matching request has sent `afterBytes` of its
   * body, every connection is destroyed and the port is closed (connections are refused).
   */
  stopDuring({
    afterBytes = 0,
    match = any,
  }: { afterBytes?: number; match?: RequestMatch } = {}): void {
    this.faults.push({ match, remaining: 1, action: { kind: 'stop', afterBytes } });
  }

  /** Requests seen so far that match. */
  count(match: (request: SeenRequest) => boolean = any): number {
    return this.seen.filter((r) => match(r)).length;
  }

  /** Stops accepting and drops every open connection (as a crashed server would). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await closed;
  }

  private takeFault(request: Omit<SeenRequest, 'outcome'>): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && f.match(request));
    if (fault) fault.remaining -= 1;
    return fault;
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (this.stopped) return void request.socket.destroy();
    const url = new URL(request.url ?? '/', 'http://proxy');
    const [bucket = '', ...keyParts] = url.pathname.slice(1).split('/');
    const info = {
      method: request.method ?? 'GET',
      bucket: decodeURIComponent(bucket),
      key: decodeURIComponent(keyParts.join('/')),
      query: url.searchParams,
      headers: request.headers,
    };
    const seen: SeenRequest = { ...info, outcome: 'forwarded' };
    this.seen.push(seen);
    const fault = this.takeFault(info);

    const chunks: Buffer[] = [];
    let received = 0;
    let cut = false;
    const cutAt =
      fault && (fault.action.kind === 'reset' || fault.action.kind === 'stop')
        ? fault.action.afterBytes
        : Infinity;
    const cutOff = (): void => {
      if (cut || !fault) return;
      cut = true;
      if (fault.action.kind === 'stop') {
        seen.outcome = 'stopped';
        void this.stop();
      } else {
        seen.outcome = 'reset';
        request.socket.destroy();
      }
    };
    request.on('data', (chunk: Buffer) => {
      if (cut) return;
      chunks.push(chunk);
      received += chunk.length;
      if (received >= cutAt && cutAt > 0) cutOff();
    });
    request.on('error', () => undefined);
    request.on('end', () => {
      if (cut) return;
      // A body shorter than the threshold (or none, afterBytes 0): cut before forwarding.
      if (cutAt !== Infinity) return cutOff();
      if (received <= 1024 * 1024) {
        seen.bodyMd5 = createHash('md5').update(Buffer.concat(chunks)).digest('base64');
      }
      if (fault?.action.kind === 'fail') {
        seen.outcome = 'failed';
        return this.answerError(request, response, fault.action);
      }
      const body = Buffer.concat(chunks);
      if (fault?.action.kind === 'hold') {
        const { onHeld, onAnswered } = fault.action;
        // Answered, or its client is gone (then the server has acted on it all the same).
        const send = () => this.forward(request, response, body, onAnswered);
        onHeld?.();
        return void fault.action.until.then(send, send);
      }
      if (fault?.action.kind === 'drop-header') delete request.headers[fault.action.header];
      this.forward(request, response, body);
    });
  }

  private answerError(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    error: { status: number; code: string; message: string },
  ): void {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      `<Error><Code>${error.code}</Code><Message>${error.message}</Message>` +
      '<RequestId>fault-proxy</RequestId></Error>';
    response.writeHead(error.status, {
      'content-type': 'application/xml',
      'x-amz-request-id': 'fault-proxy',
      ...(request.method === 'HEAD' ? {} : { 'content-length': Buffer.byteLength(body) }),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  private forward(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    body: Buffer,
    onAnswered?: () => void,
  ): void {
    const headers = { ...request.headers };
    // The body is sent whole, so its length is known even if it came chunked.
    delete headers['transfer-encoding'];
    // Node's server already answered 100-continue to the client; the body goes in one piece.
    delete headers.expect;
    if (body.length > 0 || headers['content-length'] !== undefined) {
      headers['content-length'] = String(body.length);
    }
    const upstream = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: request.method,
        path: request.url,
        headers,
      },
      (answer) => {
        // The server has answered, so it has acted (its body may go to a client now gone).
        onAnswered?.();
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    upstream.end(body);
  }
}
