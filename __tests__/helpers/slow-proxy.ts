// A loopback HTTP proxy that forwards everything to a target endpoint and sends response
// bodies back slowly (a chunk at a time, with pauses), so a test can act in the middle
// of a download.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlowProxy {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startSlowProxy(
  target: string,
  { chunkBytes = 256 * 1024, pauseMs = 50 } = {},
): Promise<SlowProxy> {
  const to = new URL(target);
  const server = http.createServer((request, response) => {
    const upstream = http.request(
      {
        host: to.hostname,
        port: to.port,
        method: request.method,
        path: request.url,
        headers: request.headers,
      },
      async (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        for await (const chunk of answer as AsyncIterable<Buffer>) {
          for (let at = 0; at < chunk.length; at += chunkBytes) {
            if (!response.write(chunk.subarray(at, at + chunkBytes))) {
              await new Promise((resolve) => response.once('drain', resolve));
            }
            await new Promise((resolve) => setTimeout(resolve, pauseMs));
            if (response.destroyed) return answer.destroy();
          }
        }
        response.end();
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
