import type { Clock } from '../clock/clock.js';
import { sleep } from '../clock/clock.js';
import type { AttemptContext } from '../client/types.js';

/**
 * An error shaped like the official SDKs' `APIError`: `status`, `headers` as a
 * fetch `Headers`, the body's error object in `error`, its type in `type`.
 */
/** The body an SDK error carries in `error`: OpenAI's inner error object, or Anthropic's whole error body. */
export type FakeErrorBody =
  | { readonly type: string; readonly message: string; readonly code?: string; readonly param?: null }
  | { readonly type: 'error'; readonly error: { readonly type: string; readonly message: string; readonly details?: unknown }; readonly request_id: string };

/**
 * An error shaped like the official SDKs' `APIError`: `status`, `headers` as a
 * fetch `Headers`, the body's error in `error`, its type in `type`. With
 * `shape: 'anthropic'`, `error` is Anthropic's whole body
 * (`{ type: 'error', error: { type, message }, request_id }`); otherwise
 * OpenAI's inner object (`{ type, message, code, param }`).
 */
export class FakeAPIError extends Error {
  readonly status: number | undefined;
  readonly headers: Headers;
  readonly error: FakeErrorBody | undefined;
  readonly type: string | undefined;
  readonly code: string | undefined;
  readonly requestID: string | null;
  constructor(
    status: number | undefined,
    message: string,
    init: { headers?: Record<string, string>; type?: string; code?: string; shape?: 'openai' | 'anthropic'; details?: unknown } = {},
  ) {
    super(message);
    this.name = status === 429 ? 'RateLimitError' : status === 529 ? 'OverloadedError' : status && status >= 500 ? 'InternalServerError' : status === 400 ? 'BadRequestError' : 'APIError';
    this.status = status;
    this.headers = new Headers(init.headers ?? {});
    this.type = init.type;
    this.code = init.code;
    this.requestID = 'req_fake';
    if (!init.type) this.error = undefined;
    else if (init.shape === 'anthropic') {
      this.error = { type: 'error', error: { type: init.type, message, ...(init.details !== undefined ? { details: init.details } : {}) }, request_id: 'req_fake' };
    } else this.error = { type: init.type, message, ...(init.code ? { code: init.code } : {}), param: null };
  }
}

/** Usage in the shape the Anthropic Messages API reports it. */
export interface FakeUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
}

export interface FakeResponse {
  readonly id: string;
  readonly model: string;
  readonly content: readonly { readonly type: 'text'; readonly text: string }[];
  readonly usage?: FakeUsage;
}

/** One scripted behaviour of the fake model. */
export type FakeStep =
  | { readonly kind: 'success'; readonly latencyMs?: number; readonly usage?: FakeUsage | null; readonly text?: string }
  | { readonly kind: 'stream-error'; readonly latencyMs?: number; readonly afterChunks: number; readonly text?: string; readonly make: () => unknown }
  | { readonly kind: 'error'; readonly latencyMs?: number; readonly make: () => unknown }
  | { readonly kind: 'hang' };

/** Builders for {@link FakeStep}s, each shaped like what the real SDKs return or throw. */
export const step = {
  success: (opts: { latencyMs?: number; usage?: FakeUsage | null; text?: string } = {}): FakeStep => ({ kind: 'success', ...opts }),
  /** 429 with optional `retry-after` (seconds, or an HTTP date string) and `retry-after-ms`. */
  rateLimit: (opts: { retryAfter?: number | string; retryAfterMs?: number; latencyMs?: number } = {}): FakeStep => ({
    kind: 'error',
    latencyMs: opts.latencyMs,
    make: () => {
      const headers: Record<string, string> = {};
      if (opts.retryAfter !== undefined) headers['retry-after'] = String(opts.retryAfter);
      if (opts.retryAfterMs !== undefined) headers['retry-after-ms'] = String(opts.retryAfterMs);
      return new FakeAPIError(429, '429 Rate limit exceeded', { headers, type: 'rate_limit_error' });
    },
  }),
  /** 429 `insufficient_quota`: not transient, never retried. */
  quota: (): FakeStep => ({
    kind: 'error',
    make: () => new FakeAPIError(429, '429 You exceeded your current quota', { type: 'insufficient_quota', code: 'insufficient_quota' }),
  }),
  serverError: (status = 500, opts: { latencyMs?: number } = {}): FakeStep => ({
    kind: 'error',
    latencyMs: opts.latencyMs,
    make: () => new FakeAPIError(status, `${status} Internal server error`, { type: 'api_error' }),
  }),
  /** Anthropic 529 `overloaded_error`. */
  overloaded: (opts: { latencyMs?: number } = {}): FakeStep => ({
    kind: 'error',
    latencyMs: opts.latencyMs,
    make: () => new FakeAPIError(529, '529 Overloaded', { type: 'overloaded_error' }),
  }),
  badRequest: (): FakeStep => ({
    kind: 'error',
    make: () => new FakeAPIError(400, '400 Bad request', { type: 'invalid_request_error' }),
  }),
  /** A connection error with no status, like undici's `fetch failed`. */
  networkError: (): FakeStep => ({
    kind: 'error',
    make: () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }),
  }),
  /**
   * The response starts (200), then an error event arrives inside the stream
   * after `afterChunks` text chunks (default 0: before the first token) — like
   * Anthropic's `overloaded_error` event, raised by the SDKs as an `APIError`
   * without a status. A call without `stream: true` gets that error instead.
   */
  streamError: (opts: { afterChunks?: number; type?: string; text?: string; latencyMs?: number } = {}): FakeStep => ({
    kind: 'stream-error',
    afterChunks: opts.afterChunks ?? 0,
    ...(opts.text !== undefined ? { text: opts.text } : {}),
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    make: () => new FakeAPIError(undefined, opts.type ?? 'overloaded_error', { type: opts.type ?? 'overloaded_error' }),
  }),
  /** Never answers; rejects with the signal's reason when the attempt is aborted. */
  hang: (): FakeStep => ({ kind: 'hang' }),
} as const;

export interface FakeCall {
  readonly model: string;
  readonly attempt: number;
  /** Clock time when the call started. */
  readonly at: number;
  readonly outcome: 'success' | 'error' | 'hang' | 'stream-error';
}

/**
 * What one scripted call produced, before any SDK shape is put on it: the text
 * and usage of a success, plus, for `step.streamError`, where the stream fails.
 */
export interface FakeResult {
  readonly text: string;
  readonly usage: FakeUsage | null;
  /** Set by `step.streamError`: the stream fails after this many text chunks with `error()`. */
  readonly streamFailure?: { readonly afterChunks: number; readonly error: () => unknown };
}

export interface FakeProvider {
  /** Pass this to `client.run`. */
  readonly call: (ctx: AttemptContext) => Promise<FakeResponse>;
  /** Every call made, in order. */
  readonly calls: readonly FakeCall[];
  /** Calls made to one model. */
  callsTo(model: string): readonly FakeCall[];
  /** Replaces a model's script. The last step repeats once the script runs out. */
  script(model: string, steps: readonly FakeStep[]): void;
  /**
   * Plays the next step of `model`'s script: waits its latency on the fake
   * clock, then throws its error or resolves with its text and usage. The SDK
   * fakes (`createFakeOpenAI`, `createFakeAnthropic`) put their shapes on this.
   */
  play(model: string, signal?: AbortSignal | null, attempt?: number): Promise<FakeResult>;
}

/**
 * A scripted provider on the fake clock. Each model plays its own list of
 * steps; the last step repeats. Models without a script succeed.
 *
 * @example
 * const provider = createFakeProvider(clock, { 'claude-sonnet-4-6': [step.rateLimit({ retryAfter: 2 }), step.success()] });
 * await client.run(provider.call);
 */
export function createFakeProvider(clock: Clock, scripts: Readonly<Record<string, readonly FakeStep[]>> = {}): FakeProvider {
  const plans = new Map<string, { steps: readonly FakeStep[]; next: number }>();
  for (const [model, steps] of Object.entries(scripts)) plans.set(model, { steps, next: 0 });
  const calls: FakeCall[] = [];
  let seq = 0;

  const nextStep = (model: string): FakeStep => {
    const plan = plans.get(model);
    if (!plan || plan.steps.length === 0) return step.success();
    const s = plan.steps[Math.min(plan.next, plan.steps.length - 1)]!;
    plan.next++;
    return s;
  };

  const play = async (model: string, signal?: AbortSignal | null, attempt = 1): Promise<FakeResult> => {
    const s = nextStep(model);
    calls.push(Object.freeze({ model, attempt, at: clock.now(), outcome: s.kind }));
    if (s.kind === 'hang') {
      return new Promise<never>((_, reject) => {
        if (!signal) return;
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    if (s.latencyMs) await sleep(clock, s.latencyMs, signal ?? undefined);
    if (s.kind === 'error') throw s.make();
    if (s.kind === 'stream-error') {
      return { text: s.text ?? 'ok', usage: null, streamFailure: { afterChunks: s.afterChunks, error: s.make } };
    }
    return { text: s.text ?? 'ok', usage: s.usage === undefined ? { input_tokens: 12, output_tokens: 34 } : s.usage };
  };

  const call = async (ctx: AttemptContext): Promise<FakeResponse> => {
    const r = await play(ctx.model, ctx.signal, ctx.attempt);
    if (r.streamFailure) throw r.streamFailure.error();
    return {
      id: `msg_fake_${++seq}`,
      model: ctx.model,
      content: [{ type: 'text', text: r.text }],
      ...(r.usage ? { usage: r.usage } : {}),
    };
  };

  return {
    call,
    play,
    calls,
    callsTo: (model) => calls.filter((c) => c.model === model),
    script(model, steps) {
      plans.set(model, { steps, next: 0 });
    },
  };
}
