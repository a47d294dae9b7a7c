import type { Clock } from '../clock/clock.js';
import { sleep } from '../clock/clock.js';
import type { AttemptContext } from '../client/types.js';

/**
 * An error shaped like the official SDKs' `APIError`: `status`, `headers` as a
 * fetch `Headers`, the body's error object in `error`, its type in `type`.
 */
export class FakeAPIError extends Error {
  readonly status: number | undefined;
  readonly headers: Headers;
  readonly error: { type: string; message: string; code?: string } | undefined;
  readonly type: string | undefined;
  readonly code: string | undefined;
  constructor(status: number | undefined, message: string, init: { headers?: Record<string, string>; type?: string; code?: string } = {}) {
    super(message);
    this.name = status === 429 ? 'RateLimitError' : status === 529 ? 'OverloadedError' : status && status >= 500 ? 'InternalServerError' : 'APIError';
    this.status = status;
    this.headers = new Headers(init.headers ?? {});
    this.type = init.type;
    this.code = init.code;
    this.error = init.type ? { type: init.type, message, ...(init.code ? { code: init.code } : {}) } : undefined;
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
  /** Never answers; rejects with the signal's reason when the attempt is aborted. */
  hang: (): FakeStep => ({ kind: 'hang' }),
} as const;

export interface FakeCall {
  readonly model: string;
  readonly attempt: number;
  /** Clock time when the call started. */
  readonly at: number;
  readonly outcome: 'success' | 'error' | 'hang';
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

  const call = async (ctx: AttemptContext): Promise<FakeResponse> => {
    const s = nextStep(ctx.model);
    calls.push(Object.freeze({ model: ctx.model, attempt: ctx.attempt, at: clock.now(), outcome: s.kind === 'hang' ? 'hang' : s.kind }));
    if (s.kind === 'hang') {
      return new Promise<never>((_, reject) => {
        const signal = ctx.signal;
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    if (s.latencyMs) await sleep(clock, s.latencyMs, ctx.signal);
    if (s.kind === 'error') throw s.make();
    const usage = s.usage === undefined ? { input_tokens: 12, output_tokens: 34 } : s.usage;
    return {
      id: `msg_fake_${++seq}`,
      model: ctx.model,
      content: [{ type: 'text', text: s.text ?? 'ok' }],
      ...(usage ? { usage } : {}),
    };
  };

  return {
    call,
    calls,
    callsTo: (model) => calls.filter((c) => c.model === model),
    script(model, steps) {
      plans.set(model, { steps, next: 0 });
    },
  };
}
