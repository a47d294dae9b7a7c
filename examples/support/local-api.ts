/**
 * A tiny stand-in for the OpenAI (Chat Completions, Responses) and Anthropic HTTP APIs on 127.0.0.1, so the
 * quickstarts run without an API key. It answers each endpoint's first request
 * with a 429 carrying `retry-after-ms` (a chain with a second model spills there;
 * a chain of one retries after it) and every later one
 * with a well-formed response with usage (and, from OpenAI, rate-limit headers).
 * It never sees a real key.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalApi {
  /** For `new OpenAI({ baseURL })` or `OPENAI_BASE_URL`. */
  readonly openaiBaseURL: string;
  /** For `new Anthropic({ baseURL })` or `ANTHROPIC_BASE_URL`. */
  readonly anthropicBaseURL: string;
  close(): void;
}

/** How long the stand-in's 429 asks the client to wait. */
export const LOCAL_RETRY_AFTER_MS = 20;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

async function readJson(req: IncomingMessage): Promise<{ model?: string }> {
  let raw = '';
  for await (const chunk of req) raw += String(chunk);
  try {
    return JSON.parse(raw) as { model?: string };
  } catch {
    return {};
  }
}

/** OpenAI's rate-limit headers, as the real API sends them on every response: a tier with room to spare. */
const rateLimitHeaders = (n: number): Record<string, string> => ({
  'x-ratelimit-limit-requests': '500',
  'x-ratelimit-remaining-requests': String(500 - n),
  'x-ratelimit-reset-requests': '120ms',
  'x-ratelimit-limit-tokens': '30000',
  'x-ratelimit-remaining-tokens': String(30_000 - 15 * n),
  'x-ratelimit-reset-tokens': '30ms',
});

export async function startLocalApi(): Promise<LocalApi> {
  const seen = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const body = await readJson(req);
    const model = body.model ?? 'unknown';
    const n = (seen.get(req.url ?? '') ?? 0) + 1;
    seen.set(req.url ?? '', n);
    const rateLimited = n === 1;
    const retryAfter = { 'retry-after-ms': String(LOCAL_RETRY_AFTER_MS) };

    if (req.method === 'POST' && req.url === '/v1/chat/completions') {
      if (rateLimited) {
        return json(res, 429, { error: { message: 'Rate limit reached (local stand-in)', type: 'requests', code: 'rate_limit_exceeded', param: null } }, retryAfter);
      }
      return json(res, 200, {
        id: `chatcmpl-local-${n}`,
        object: 'chat.completion',
        created: 0,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello!', refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
      }, rateLimitHeaders(n));
    }
    if (req.method === 'POST' && req.url === '/v1/responses') {
      if (rateLimited) {
        return json(res, 429, { error: { message: 'Rate limit reached (local stand-in)', type: 'requests', code: 'rate_limit_exceeded', param: null } }, retryAfter);
      }
      return json(res, 200, {
        id: `resp_local_${n}`,
        object: 'response',
        created_at: 0,
        status: 'completed',
        model,
        output: [{ type: 'message', id: `msg_local_${n}`, status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hello!', annotations: [] }] }],
        usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
      });
    }
    if (req.method === 'POST' && req.url === '/v1/messages') {
      if (rateLimited) {
        return json(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached (local stand-in)' } }, retryAfter);
      }
      return json(res, 200, {
        id: `msg_local_${n}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'Hello!' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 12, output_tokens: 3 },
      });
    }
    json(res, 404, { error: { message: `not found: ${req.method} ${req.url}`, type: 'not_found_error' } });
  });
  // The server stays referenced until close(): it keeps the example's process
  // alive through a backoff sleep (the library's own timers are unref'd).
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openaiBaseURL: `http://127.0.0.1:${port}/v1`,
    anthropicBaseURL: `http://127.0.0.1:${port}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

const ENV = {
  openai: { key: 'OPENAI_API_KEY', baseURL: 'OPENAI_BASE_URL', url: (api: LocalApi) => api.openaiBaseURL },
  anthropic: { key: 'ANTHROPIC_API_KEY', baseURL: 'ANTHROPIC_BASE_URL', url: (api: LocalApi) => api.anthropicBaseURL },
} as const;

/**
 * With the provider's API key set, does nothing: the SDK calls the real API.
 * Without it, starts the stand-in and points the SDK at it through its own
 * environment variables, so example code stays exactly what you would write.
 */
const started: LocalApi[] = [];

export async function useLocalApiUnlessKey(provider: keyof typeof ENV): Promise<void> {
  const names = ENV[provider];
  if (process.env[names.key]) return;
  const api = await startLocalApi();
  started.push(api);
  process.env[names.key] = 'local-stand-in';
  process.env[names.baseURL] = names.url(api);
  console.log(`${names.key} is not set: using a local stand-in at ${names.url(api)}\n`);
}

/** Stops the stand-ins, if any were started. */
export function stopLocalApi(): void {
  for (const api of started.splice(0)) api.close();
}
