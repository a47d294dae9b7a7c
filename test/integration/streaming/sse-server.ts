/**
 * A minimal loopback SSE server for the streaming tests. Unlike the provider
 * server (which writes a whole scripted reply at once), each response here is
 * driven by the test event by event, so it can stop mid-stream (a stall), hold
 * the first token back, or drop the connection at a chosen point.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SseResponse {
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** Sends one SSE event; `event` omitted for OpenAI-style `data:` lines. */
  send(data: unknown, event?: string): void;
  /** Sends `data: [DONE]` (OpenAI) and ends the response. */
  done(): void;
  end(): void;
  /** Drops the connection without ending the body (undici reports `TypeError: terminated`). */
  drop(): void;
  /** Resolves when the client went away (aborted the request or closed the socket). */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
}

export interface SseServer {
  readonly url: string;
  readonly responses: readonly SseResponse[];
  /** Resolves with the n-th (1-based) response once its request arrived and headers were sent. */
  response(n: number): Promise<SseResponse>;
  close(): Promise<void>;
}

export interface SseServerOptions {
  /** Requests (1-based) that never get response headers: the server reads them and stays silent. */
  readonly withoutHeaders?: (n: number) => boolean;
}

export async function startSseServer(options: SseServerOptions = {}): Promise<SseServer> {
  const responses: SseResponse[] = [];
  const waiters: { n: number; resolve: (r: SseResponse) => void }[] = [];
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    for await (const c of req) raw += c;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      /* not JSON */
    }
    if (!options.withoutHeaders?.(responses.length + 1)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.flushHeaders();
    }
    let isClosed = false;
    const closed = new Promise<void>((resolve) => res.on('close', () => ((isClosed = true), resolve())));
    const r: SseResponse = {
      path: req.url ?? '',
      body,
      send: (data, event) => void res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`),
      done: () => {
        res.write('data: [DONE]\n\n');
        res.end();
      },
      end: () => void res.end(),
      drop: () => req.socket.destroy(),
      closed,
      get isClosed() {
        return isClosed;
      },
    };
    responses.push(r);
    for (const w of [...waiters]) {
      if (responses.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(responses[w.n - 1]!);
      }
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    responses,
    response: (n) => (responses.length >= n ? Promise.resolve(responses[n - 1]!) : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Lets real I/O happen (bounded): resolves once `cond()` holds, or throws after ~2 s. */
export async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
    if (i > 200) await new Promise<void>((r) => setTimeout(r, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}
