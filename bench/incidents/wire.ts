/**
 * What the simulated provider says, in each provider's wire format: the limits
 * it enforces, its rate-limit headers and the bodies of its answers and
 * errors. Shapes as the APIs send them (and as `openai` / `@anthropic-ai/sdk`
 * read them):
 *
 * - OpenAI: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, resets as
 *   Go durations, one token limit counting prompt + `max_tokens`; 429s carry
 *   `retry-after-ms` and `retry-after`; errors `{ error: { message, type, param, code } }`.
 * - Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`,
 *   resets as RFC 3339 times, separate input and output token limits (output
 *   counted as `max_tokens` while the answer is generated, then as generated),
 *   `tokens-*` showing the most restrictive of the two; 429s carry `retry-after`
 *   in seconds; errors `{ type: 'error', error: { type, message }, request_id }`
 *   and a `request-id` header; overload is 529 `overloaded_error`.
 */
import { type Dimension, type ModelLimits, type Weight, goDuration } from './buckets.js';
import type { ModelSpec, WireFormat } from './incidents.js';

export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

export interface Wire {
  readonly format: WireFormat;
  /** The limits a model of this format enforces, by dimension. */
  limitsOf(spec: ModelSpec): Partial<Record<Dimension, number>>;
  /** The rate-limit headers (and any other header every answer carries). */
  headers(limits: ModelLimits, now: number, requestId: string): Record<string, string>;
  ok(model: string, inputTokens: number, outputTokens: number, now: number, requestId: string): unknown;
  rateLimited(model: string, limits: ModelLimits, dimension: Dimension, waitMs: number, weight: Weight, now: number, requestId: string): Answer;
  serverError(requestId: string): { status: number; body: unknown };
  overloaded(requestId: string): { status: number; body: unknown };
  /** The provider's quota signal (a 429 no wait clears). */
  quota(requestId: string): { status: number; body: unknown };
  /** The account's billing stop (a 400 naming the billing state). */
  billing(requestId: string): { status: number; body: unknown };
  notFound(model: string, requestId: string): { status: number; body: unknown };
}

const openaiError = (message: string, type: string, code: string | null) => ({ error: { message, type, param: null, code } });

const OPENAI: Wire = {
  format: 'openai',
  limitsOf: (m) => ({ requests: m.rpm, tokens: m.tpm ?? 0 }),
  headers(l, now) {
    const h: Record<string, string> = {};
    for (const d of l.dims) {
      h[`x-ratelimit-limit-${d.name}`] = String(d.limit);
      h[`x-ratelimit-remaining-${d.name}`] = String(l.remaining(d.name, now));
      h[`x-ratelimit-reset-${d.name}`] = goDuration(d.minute.untilFull(now));
    }
    return h;
  },
  ok: (model, input, output, now, id) => ({
    id: `chatcmpl-${id}`,
    object: 'chat.completion',
    created: Math.floor(now / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'done', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: input, completion_tokens: output, total_tokens: input + output },
  }),
  rateLimited(model, l, dimension, ms, w, now, id) {
    const h = OPENAI.headers(l, now, id);
    const d = l.dim(dimension)!;
    const used = d.limit - l.remaining(dimension, now);
    const what = dimension === 'requests' ? `requests per min (RPM): Limit ${d.limit}, Used ${used}, Requested 1` : `tokens per min (TPM): Limit ${d.limit}, Used ${used}, Requested ${w.input + w.output}`;
    return {
      status: 429,
      body: openaiError(`Rate limit reached for ${model} on ${what}. Please try again in ${Math.ceil(ms)}ms.`, dimension, 'rate_limit_exceeded'),
      headers: { ...h, 'retry-after-ms': String(Math.ceil(ms)), 'retry-after': String(Math.ceil(ms / 1000)) },
    };
  },
  serverError: () => ({ status: 500, body: openaiError('The server had an error while processing your request. Sorry about that!', 'server_error', null) }),
  overloaded: () => ({ status: 529, body: openaiError('Overloaded', 'overloaded_error', null) }),
  quota: () => ({ status: 429, body: openaiError('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota') }),
  billing: () => ({ status: 400, body: openaiError('Billing hard limit has been reached', 'invalid_request_error', 'billing_hard_limit_reached') }),
  notFound: (model) => ({ status: 404, body: openaiError(`The model \`${model}\` does not exist`, 'invalid_request_error', 'model_not_found') }),
};

/** An RFC 3339 time, whole seconds rounded up, as Anthropic sends its resets. */
export const rfc3339 = (ms: number): string => new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const anthropicError = (type: string, message: string, requestId: string, details?: Record<string, string>) => ({
  type: 'error',
  error: details ? { type, message, details } : { type, message },
  request_id: requestId,
});

const UNITS: Readonly<Record<Dimension, string>> = { requests: 'requests', tokens: 'tokens', 'input-tokens': 'input tokens', 'output-tokens': 'output tokens' };

const ANTHROPIC: Wire = {
  format: 'anthropic',
  limitsOf: (m) => ({ requests: m.rpm, 'input-tokens': m.itpm ?? 0, 'output-tokens': m.otpm ?? 0 }),
  headers(l, now, id) {
    const h: Record<string, string> = { 'request-id': id };
    let tightest: Dimension | undefined;
    let fraction = Number.POSITIVE_INFINITY;
    for (const d of l.dims) {
      const remaining = l.remaining(d.name, now);
      h[`anthropic-ratelimit-${d.name}-limit`] = String(d.limit);
      h[`anthropic-ratelimit-${d.name}-remaining`] = String(remaining);
      h[`anthropic-ratelimit-${d.name}-reset`] = rfc3339(now + d.minute.untilFull(now));
      if (d.name !== 'requests' && remaining / d.limit < fraction) {
        fraction = remaining / d.limit;
        tightest = d.name;
      }
    }
    // `tokens-*`: the most restrictive token limit in effect.
    if (tightest) for (const k of ['limit', 'remaining', 'reset']) h[`anthropic-ratelimit-tokens-${k}`] = h[`anthropic-ratelimit-${tightest}-${k}`]!;
    return h;
  },
  ok: (model, input, output, _now, id) => ({
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: 'done' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: input, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }),
  rateLimited(_model, l, dimension, ms, _w, now, id) {
    const limit = l.dim(dimension)!.limit;
    const message = `This request would exceed the rate limit for your organization of ${limit.toLocaleString('en-US')} ${UNITS[dimension]} per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.`;
    return { status: 429, body: anthropicError('rate_limit_error', message, id), headers: { ...ANTHROPIC.headers(l, now, id), 'retry-after': String(Math.ceil(ms / 1000)) } };
  },
  serverError: (id) => ({ status: 500, body: anthropicError('api_error', 'Internal server error', id) }),
  overloaded: (id) => ({ status: 529, body: anthropicError('overloaded_error', 'Overloaded', id) }),
  quota: (id) => ({
    status: 429,
    body: anthropicError('rate_limit_error', 'Your organization has crossed the monthly API usage threshold of its API tier.', id, { error_code: 'enforced_spend_limit_reached' }),
  }),
  billing: (id) => ({
    status: 400,
    body: anthropicError('invalid_request_error', 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.', id),
  }),
  notFound: (model, id) => ({ status: 404, body: anthropicError('not_found_error', `model: ${model}`, id) }),
};

export const WIRES: Readonly<Record<WireFormat, Wire>> = { openai: OPENAI, anthropic: ANTHROPIC };
