import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from '../options/zod.js';
import { systemClock } from '../clock/clock.js';
import { validateOptions } from '../options/validate.js';
import { pipeToNodeResponse } from '../sse/node.js';
import { createEventHistory, type EventHistoryOptions } from '../sse/history.js';
import { type ObservableClient, readBudget, readSnapshot } from '../sse/observable.js';
import { type EventStreamOptions, resolveEventStreamOptions } from '../sse/options.js';
import { createEventStream, SSE_HEADERS } from '../sse/stream.js';
import { PAGE_SCRIPT, renderPage } from './page.js';

export interface DashboardOptions {
  /** The client to watch (a `ResilientClient`, or anything with `on` and optionally `snapshot`). */
  readonly client: ObservableClient;
  /**
   * Path the dashboard is mounted at: the page is served at `basePath` and `basePath/`,
   * the feed at `basePath/events`, the current snapshot at `basePath/snapshot.json`.
   * @default '/'
   * @example basePath: '/internal/llm'
   */
  readonly basePath?: string | undefined;
  /** Options of the SSE feed (event names, snapshot and heartbeat intervals, clock). */
  readonly stream?: Omit<EventStreamOptions, 'signal' | 'history'> | undefined;
  /**
   * Records the client's recent events (and a snapshot every couple of seconds)
   * from the moment the handler is created, and replays them to every page that
   * connects, so a page opened late shows the story so far: its event log,
   * latency chart and budgets. `false` records nothing: a page then starts
   * from the current snapshot. The stream's `clock` and `events` apply.
   * @default { maxEvents: 500, maxSnapshots: 60 }
   */
  readonly history?: boolean | Omit<EventHistoryOptions, 'clock' | 'events'> | undefined;
  /** @default 'llm-resilience' */
  readonly title?: string | undefined;
}

export interface DashboardHandler {
  /**
   * A Node `http` handler. For a path outside `basePath` it calls `next` when given
   * (Express / Connect style), else answers 404.
   */
  readonly node: (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;
  /** A fetch-style handler for Next.js route handlers, Hono, Bun and Deno. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Stops recording history (removes its listeners from the client). Open pages keep streaming. */
  dispose(): void;
}

const schema = z.strictObject({
  client: z.custom<ObservableClient>((v) => typeof v === 'object' && v !== null && typeof (v as ObservableClient).on === 'function', {
    error: 'expected a client with an on(event, listener) method',
  }),
  basePath: z.optional(z.string().check(z.regex(/^\/[A-Za-z0-9._~\-/]*$/, { error: 'expected a path starting with / (letters, digits, . _ ~ - /)' }))),
  stream: z.optional(z.record(z.string(), z.unknown(), { error: 'expected stream options' })),
  history: z.optional(z.union([z.boolean(), z.record(z.string(), z.unknown())], { error: 'expected true, false or history options' })),
  title: z.optional(z.string().check(z.maxLength(200, { error: 'expected at most 200 characters' }))),
});

// Read-only pages: no framing (clickjacking), no referrer leak, no caching of live data.
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

let scriptHash: Promise<string> | undefined;
/** CSP hash of the inline script, computed once with Web Crypto (Node ≥ 20, edge runtimes). */
function hashScript(): Promise<string> {
  scriptHash ??= crypto.subtle.digest('SHA-256', new TextEncoder().encode(PAGE_SCRIPT)).then((buf) => `sha256-${btoa(String.fromCharCode(...new Uint8Array(buf)))}`);
  return scriptHash;
}

type Route = 'page' | 'events' | 'snapshot' | undefined;

/**
 * Serves the live dashboard: a self-contained page fed by the SSE stream.
 * Read-only: it answers GET and HEAD only and exposes no control. It has no
 * authentication of its own; mount it behind your app's (see docs/observability.md).
 *
 * @example
 * const dashboard = createDashboardHandler({ client, basePath: '/internal/llm' });
 * http.createServer((req, res) => dashboard.node(req, res, () => app(req, res)));
 */
export function createDashboardHandler(options: DashboardOptions): DashboardHandler {
  const o = validateOptions(schema, options, 'createDashboardHandler') as DashboardOptions;
  const client = o.client;
  const base = (o.basePath ?? '/').replace(/\/+$/, '');
  const title = o.title ?? 'llm-resilience';
  const streamOptions = o.stream ?? {};
  const clock = streamOptions.clock ?? systemClock;
  resolveEventStreamOptions(streamOptions); // fail at construction, not on the first request
  const h = o.history ?? true;
  const history = h === false ? undefined : createEventHistory(client, { ...(h === true ? {} : h), clock, ...(streamOptions.events ? { events: streamOptions.events } : {}) });
  const feed = (signal?: AbortSignal) => createEventStream(client, { ...streamOptions, ...(history ? { history } : {}), ...(signal ? { signal } : {}) });
  const html = renderPage(`${base}/events`, title);

  const route = (pathname: string): Route => {
    if (pathname === base || pathname === `${base}/` || (base === '' && pathname === '/')) return 'page';
    if (pathname === `${base}/events`) return 'events';
    if (pathname === `${base}/snapshot.json`) return 'snapshot';
    return undefined;
  };

  /** Everything but the event stream, as status + headers + body. */
  const respond = async (r: Exclude<Route, 'events' | undefined>): Promise<{ status: number; headers: Record<string, string>; body: string }> => {
    if (r === 'snapshot') {
      return { status: 200, headers: { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ snapshot: readSnapshot(client, clock.now()), budget: await readBudget(client) }) };
    }
    const csp = `default-src 'none'; script-src '${await hashScript()}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
    return { status: 200, headers: { ...COMMON_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp }, body: html };
  };
  const refuse = (method: string) => (method === 'GET' || method === 'HEAD' ? undefined : { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: 'Method Not Allowed' });

  return {
    node(req, res, next) {
      const r = route(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (!r) {
        if (next) return next();
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        return;
      }
      const refused = refuse(req.method ?? 'GET');
      if (refused) {
        res.writeHead(refused.status, refused.headers).end(refused.body);
        return;
      }
      if (r === 'events') {
        void pipeToNodeResponse(feed(), res, { ...SSE_HEADERS, ...COMMON_HEADERS });
        return;
      }
      respond(r).then(
        ({ status, headers, body }) => res.writeHead(status, headers).end(req.method === 'HEAD' ? undefined : body),
        () => res.writeHead(500).end(),
      );
    },
    async fetch(request) {
      const r = route(new URL(request.url).pathname);
      if (!r) return new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } });
      const refused = refuse(request.method);
      if (refused) return new Response(refused.body, refused);
      if (r === 'events') {
        return new Response(feed(request.signal), { headers: { ...SSE_HEADERS, ...COMMON_HEADERS } });
      }
      const { status, headers, body } = await respond(r);
      return new Response(request.method === 'HEAD' ? null : body, { status, headers });
    },
    dispose() {
      history?.dispose();
    },
  };
}
