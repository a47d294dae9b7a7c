/**
 * A loopback server speaking just enough of the OpenAI (`/v1/chat/completions`,
 * `/v1/responses`, `/v1/embeddings`) and Anthropic (`/v1/messages`) wire formats for the real SDKs
 * to talk to. Each request takes the next scripted reply for its path and model;
 * unscripted requests get a plain success in the right format.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Wire = 'openai-chat' | 'openai-responses' | 'openai-embeddings' | 'anthropic';

export type Reply =
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> }
  /** Server-sent events; `cut` drops the connection after that many events instead of ending cleanly. */
  | { readonly kind: 'sse'; readonly events: readonly SseEvent[]; readonly headers?: Readonly<Record<string, string>>; readonly cut?: number }
  /** Headers and body never come; the socket stays open until the client gives up or the server closes. */
  | { readonly kind: 'hang' }
  /** Raw bytes written to the socket, for responses no well-behaved server would send. */
  | { readonly kind: 'raw'; readonly text: string };

export interface SseEvent {
  readonly event?: string;
  readonly data: unknown;
}

export interface RecordedRequest {
  readonly path: string;
  /** The query string, without the `?` (Azure's `api-version`). */
  readonly query: string;
  readonly model: string | undefined;
  /** Request headers, lower-cased, without `authorization` / `x-api-key`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
  /** `now()` of the server's clock when the request arrived (the fake clock in tests). */
  readonly at: number;
}

export interface ScriptMatch {
  readonly path?: string;
  readonly model?: string;
}

export interface ProviderServer {
  readonly url: string;
  /** For `new OpenAI({ baseURL })`. */
  readonly openaiBaseURL: string;
  /** For `new Anthropic({ baseURL })`. */
  readonly anthropicBaseURL: string;
  readonly requests: readonly RecordedRequest[];
  requestsTo(model: string): readonly RecordedRequest[];
  /** Queues replies for requests matching `match`; they are used once each, in order. */
  script(match: ScriptMatch, replies: readonly Reply[]): void;
  /** Resolves once `n` requests have arrived in total. */
  waitForRequests(n: number): Promise<void>;
  /** Models whose request the client closed before the reply ended (an abort reaching the server). */
  readonly abandoned: readonly (string | undefined)[];
  close(): Promise<void>;
}

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key']);

function wireOf(path: string): Wire | undefined {
  if (path.endsWith('/chat/completions')) return 'openai-chat';
  if (path.endsWith('/responses')) return 'openai-responses';
  if (path.endsWith('/embeddings')) return 'openai-embeddings';
  if (path.endsWith('/messages')) return 'anthropic';
  // Claude on Amazon Bedrock (`/model/{id}/invoke`) and Google Vertex (`…/models/{id}:rawPredict`): the Messages body, the model in the URL.
  if (path.endsWith('/invoke') || path.endsWith(':rawPredict')) return 'anthropic';
  return undefined;
}

/** The model named by a Bedrock or Vertex URL, which carry it in the path instead of the body. */
function modelInPath(path: string): string | undefined {
  const m = /\/model\/([^/]+)\/invoke$/.exec(path) ?? /\/models\/([^/:]+):rawPredict$/.exec(path);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

export async function startProviderServer(options: { now?: () => number } = {}): Promise<ProviderServer> {
  const now = options.now ?? (() => 0);
  const rules: { match: ScriptMatch; replies: Reply[] }[] = [];
  const requests: RecordedRequest[] = [];
  const abandoned: (string | undefined)[] = [];
  const sockets = new Set<Socket>();
  const waiters: { n: number; resolve: () => void }[] = [];

  const next = (path: string, model: string | undefined): Reply | undefined => {
    for (const r of rules) {
      if (r.replies.length === 0) continue;
      if (r.match.path !== undefined && !path.endsWith(r.match.path)) continue;
      if (r.match.model !== undefined && r.match.model !== model) continue;
      return r.replies.shift();
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      // a non-JSON body is recorded as empty
    }
    const [path = '/', query = ''] = (req.url ?? '/').split('?');
    const model = typeof body.model === 'string' ? body.model : modelInPath(path);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!SECRET_HEADERS.has(k) && typeof v === 'string') headers[k] = v;
    requests.push(Object.freeze({ path, query, model, headers, body, at: now() }));
    for (const w of [...waiters]) if (requests.length >= w.n) (waiters.splice(waiters.indexOf(w), 1), w.resolve());

    const wire = wireOf(path);
    const reply = next(path, model) ?? (wire ? replies.success(wire, { model }) : replies.json(404, { error: { message: 'no route' } }));
    res.on('close', () => {
      if (!res.writableFinished) abandoned.push(model);
    });
    send(reply, req, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    requestsTo: (m) => requests.filter((r) => r.model === m),
    abandoned,
    script(match, list) {
      rules.push({ match, replies: [...list] });
    },
    waitForRequests(n) {
      if (requests.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(reply: Reply, req: IncomingMessage, res: ServerResponse): void {
  switch (reply.kind) {
    case 'json': {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body));
      return;
    }
    case 'sse': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
      reply.events.forEach((e, i) => {
        if (reply.cut !== undefined && i >= reply.cut) return;
        const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
        res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
      });
      if (reply.cut !== undefined) req.socket.destroy();
      else res.end();
      return;
    }
    case 'hang':
      return;
    case 'raw':
      req.socket.end(reply.text);
      return;
  }
}

// ---------------------------------------------------------------------------
// Reply builders, each shaped like what the provider really sends.

export interface UsageSpec {
  readonly input: number;
  readonly output: number;
}

const openaiError = (_status: number, type: string, code: string | null, message: string) => ({ error: { message, type, param: null, code } });
const anthropicError = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_test' });

export const replies = {
  json: (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ kind: 'json', status, body, ...(headers ? { headers } : {}) }),

  /** A 200 in the wire format of `wire`. `usage: null` leaves the usage field out. */
  success(wire: Wire, o: { model?: string; text?: string; usage?: UsageSpec | null; headers?: Record<string, string> } = {}): Reply {
    const model = o.model ?? 'test-model';
    const text = o.text ?? 'ok';
    const u = o.usage === undefined ? { input: 10, output: 5 } : o.usage;
    let body: Record<string, unknown>;
    if (wire === 'openai-chat') {
      body = {
        id: 'chatcmpl-test',
        object: 'chat.completion',
        created: 1_767_225_600,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        ...(u ? { usage: { prompt_tokens: u.input, completion_tokens: u.output, total_tokens: u.input + u.output } } : {}),
      };
    } else if (wire === 'openai-embeddings') {
      body = {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.25, -0.5, 1] }],
        model,
        ...(u ? { usage: { prompt_tokens: u.input, total_tokens: u.input } } : {}),
      };
    } else if (wire === 'openai-responses') {
      body = {
        id: 'resp_test',
        object: 'response',
        created_at: 1_767_225_600,
        status: 'completed',
        model,
        output: [{ type: 'message', id: 'msg_test', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] }],
        ...(u ? { usage: { input_tokens: u.input, output_tokens: u.output, total_tokens: u.input + u.output, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } } : {}),
      };
    } else {
      body = {
        id: 'msg_test',
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        ...(u ? { usage: { input_tokens: u.input, output_tokens: u.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } : {}),
      };
    }
    return { kind: 'json', status: 200, body, ...(o.headers ? { headers: o.headers } : {}) };
  },

  /** 429 transient. `retryAfter` in seconds (or any string, malformed on purpose), `retryAfterMs` in ms. */
  rateLimit(wire: Wire, o: { retryAfter?: number | string; retryAfterMs?: number | string; headers?: Record<string, string> } = {}): Reply {
    const headers: Record<string, string> = { ...o.headers };
    if (o.retryAfter !== undefined) headers['retry-after'] = String(o.retryAfter);
    if (o.retryAfterMs !== undefined) headers['retry-after-ms'] = String(o.retryAfterMs);
    const body = wire === 'anthropic' ? anthropicError('rate_limit_error', 'Number of requests has exceeded your rate limit') : openaiError(429, 'requests', 'rate_limit_exceeded', 'Rate limit reached for requests');
    return { kind: 'json', status: 429, body, headers };
  },

  /** 429 that waiting will not fix: OpenAI `insufficient_quota`, Anthropic spend limit. */
  quota(wire: Wire): Reply {
    const body =
      wire === 'anthropic'
        ? { type: 'error', error: { type: 'rate_limit_error', message: 'spend limit reached', details: { error_code: 'enforced_spend_limit_reached' } }, request_id: 'req_test' }
        : openaiError(429, 'insufficient_quota', 'insufficient_quota', 'You exceeded your current quota, please check your plan and billing details.');
    return { kind: 'json', status: 429, body };
  },

  serverError(wire: Wire, status = 500): Reply {
    const body = wire === 'anthropic' ? anthropicError('api_error', 'Internal server error') : openaiError(status, 'server_error', null, 'The server had an error');
    return { kind: 'json', status, body };
  },

  /** Anthropic 529. */
  overloaded: (): Reply => ({ kind: 'json', status: 529, body: anthropicError('overloaded_error', 'Overloaded') }),

  badRequest(wire: Wire): Reply {
    const body = wire === 'anthropic' ? anthropicError('invalid_request_error', 'max_tokens: field required') : openaiError(400, 'invalid_request_error', null, 'Invalid request');
    return { kind: 'json', status: 400, body };
  },

  /** 400 for a prompt longer than the model's context window, as each provider words it. */
  contextLength(wire: Wire): Reply {
    const body =
      wire === 'anthropic'
        ? anthropicError('invalid_request_error', 'prompt is too long: 208310 tokens > 200000 maximum')
        : openaiError(400, 'invalid_request_error', 'context_length_exceeded', "This model's maximum context length is 128000 tokens. However, your messages resulted in 208310 tokens.");
    return { kind: 'json', status: 400, body };
  },

  /** A 200 whose content the provider filtered (OpenAI) or the model refused (Anthropic). */
  refusal(wire: Wire, o: { model?: string } = {}): Reply {
    const reply = replies.success(wire, { model: o.model ?? 'test-model', text: '' }) as Extract<Reply, { kind: 'json' }>;
    const body = { ...(reply.body as Record<string, unknown>) };
    if (wire === 'anthropic') body.stop_reason = 'refusal';
    else if (wire === 'openai-chat') body.choices = [{ index: 0, message: { role: 'assistant', content: null, refusal: null }, finish_reason: 'content_filter', logprobs: null }];
    else Object.assign(body, { status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
    return { ...reply, body };
  },

  hang: (): Reply => ({ kind: 'hang' }),

  /** A response with a header line that is not `name: value` and a status line the client must cope with. */
  malformedHeaders: (): Reply => ({ kind: 'raw', text: 'HTTP/1.1 429 Too Many Requests\r\nretry-after: soon\r\nx-ratelimit-remaining-requests: -3\r\nthis line is not a header\r\n\r\n' }),

  /** An OpenAI chat stream; `errorAfter` puts an error event after that many content chunks (inside the 200). */
  openaiChatStream(o: { model?: string; chunks?: readonly string[]; usage?: UsageSpec; errorAfter?: number; cut?: number; headers?: Record<string, string> } = {}): Reply {
    const model = o.model ?? 'test-model';
    const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1_767_225_600, model };
    const events: SseEvent[] = [];
    (o.chunks ?? ['Hel', 'lo']).forEach((c, i) => {
      if (o.errorAfter === i) events.push({ data: openaiError(500, 'server_error', 'server_error', 'The server had an error while processing your request') });
      events.push({ data: { ...base, choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: c } : { content: c }, finish_reason: null }] } });
    });
    events.push({ data: { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } });
    if (o.usage) events.push({ data: { ...base, choices: [], usage: { prompt_tokens: o.usage.input, completion_tokens: o.usage.output, total_tokens: o.usage.input + o.usage.output } } });
    events.push({ data: '[DONE]' });
    return { kind: 'sse', events, ...(o.headers ? { headers: o.headers } : {}), ...(o.cut !== undefined ? { cut: o.cut } : {}) };
  },

  /** An OpenAI chat completion that asks for one function call. */
  openaiToolCall(o: { model?: string; name: string; args: unknown }): Reply {
    const reply = replies.success('openai-chat', { model: o.model ?? 'test-model' }) as Extract<Reply, { kind: 'json' }>;
    const message = { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: o.name, arguments: JSON.stringify(o.args) } }] };
    return { ...reply, body: { ...(reply.body as object), choices: [{ index: 0, message, finish_reason: 'tool_calls', logprobs: null }] } };
  },

  /** An Anthropic message that asks for one tool call. */
  anthropicToolUse(o: { model?: string; name: string; input: unknown }): Reply {
    const reply = replies.success('anthropic', { model: o.model ?? 'test-model' }) as Extract<Reply, { kind: 'json' }>;
    return { ...reply, body: { ...(reply.body as object), content: [{ type: 'tool_use', id: 'toolu_1', name: o.name, input: o.input }], stop_reason: 'tool_use' } };
  },

  /** An OpenAI Responses stream: created, one message with `chunks` as text deltas, completed with usage. */
  openaiResponsesStream(o: { model?: string; chunks?: readonly string[]; usage?: UsageSpec } = {}): Reply {
    const model = o.model ?? 'test-model';
    const chunks = o.chunks ?? ['Hel', 'lo'];
    const u = o.usage ?? { input: 10, output: 5 };
    const text = chunks.join('');
    const base = { id: 'resp_test', object: 'response', created_at: 1_767_225_600, model, output: [] as unknown[], status: 'in_progress' };
    const ids = { item_id: 'msg_test', output_index: 0, content_index: 0 };
    const done = { type: 'message', id: 'msg_test', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
    const list: Record<string, unknown>[] = [
      { type: 'response.created', response: base },
      { type: 'response.output_item.added', output_index: 0, item: { ...done, status: 'in_progress', content: [] } },
      { type: 'response.content_part.added', ...ids, part: { type: 'output_text', text: '', annotations: [] } },
      ...chunks.map((delta) => ({ type: 'response.output_text.delta', ...ids, delta, logprobs: [] })),
      { type: 'response.output_text.done', ...ids, text, logprobs: [] },
      { type: 'response.content_part.done', ...ids, part: done.content[0] },
      { type: 'response.output_item.done', output_index: 0, item: done },
      {
        type: 'response.completed',
        response: { ...base, status: 'completed', output: [done], usage: { input_tokens: u.input, output_tokens: u.output, total_tokens: u.input + u.output, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } } },
      },
    ];
    return { kind: 'sse', events: list.map((data, i) => ({ event: data.type as string, data: { ...data, sequence_number: i } })) };
  },

  /** An Anthropic message stream; `errorAfter` inserts an `overloaded_error` event after that many text deltas. */
  anthropicStream(o: { model?: string; chunks?: readonly string[]; usage?: UsageSpec; errorAfter?: number; cut?: number; headers?: Record<string, string> } = {}): Reply {
    const model = o.model ?? 'test-model';
    const u = o.usage ?? { input: 10, output: 5 };
    const events: SseEvent[] = [
      { event: 'message_start', data: { type: 'message_start', message: { id: 'msg_test', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: u.input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    ];
    (o.chunks ?? ['Hel', 'lo']).forEach((c, i) => {
      if (o.errorAfter === i) events.push({ event: 'error', data: anthropicError('overloaded_error', 'Overloaded') });
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: c } } });
    });
    events.push(
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    );
    return { kind: 'sse', events, ...(o.headers ? { headers: o.headers } : {}), ...(o.cut !== undefined ? { cut: o.cut } : {}) };
  },
};

/** OpenAI-style rate-limit headers. */
export const openaiRateLimitHeaders = (o: { remainingRequests?: number; remainingTokens?: number; resetRequests?: string; resetTokens?: string } = {}): Record<string, string> => ({
  'x-ratelimit-limit-requests': '60',
  'x-ratelimit-remaining-requests': String(o.remainingRequests ?? 59),
  'x-ratelimit-reset-requests': o.resetRequests ?? '1s',
  'x-ratelimit-limit-tokens': '150000',
  'x-ratelimit-remaining-tokens': String(o.remainingTokens ?? 149_984),
  'x-ratelimit-reset-tokens': o.resetTokens ?? '6m0s',
});

/** Anthropic-style rate-limit headers; resets are absolute times. */
export const anthropicRateLimitHeaders = (o: { remainingRequests?: number; resetRequests: string; remainingTokens?: number; resetTokens?: string }): Record<string, string> => ({
  'anthropic-ratelimit-requests-limit': '50',
  'anthropic-ratelimit-requests-remaining': String(o.remainingRequests ?? 49),
  'anthropic-ratelimit-requests-reset': o.resetRequests,
  'anthropic-ratelimit-tokens-limit': '80000',
  'anthropic-ratelimit-tokens-remaining': String(o.remainingTokens ?? 79_000),
  'anthropic-ratelimit-tokens-reset': o.resetTokens ?? o.resetRequests,
});
