import { z } from 'zod';
import type { Clock, RandomSource } from '../clock/clock.js';
import { type BudgetOptions, budgetOptionsSchema } from '../budget/options.js';
import { type MonitorOptions, monitorSchema } from '../monitor/options.js';
import { type StreamOptions, streamOptionsSchema } from '../stream/options.js';
import { type LimitsOptions, limitsSchema } from '../limits/options.js';
import type { Limiter } from '../limits/limiter.js';
import type { BudgetStore } from '../budget/store.js';
import type { SharedBreaker } from '../breaker/shared.js';
import { type ContentOptions, contentSchema } from '../fallback/content-options.js';
import { type HedgeOptions, hedgeSchema } from '../fallback/hedge-options.js';

/** What a shared-state factory receives: the client's clock and event bus (for `store:degraded` and the like). */
export interface SharedDeps {
  readonly clock: Clock;
  readonly emitter: { wants(name: string): boolean; emit(name: string, payload: object): void };
}

/**
 * State shared across processes (docs/distributed.md). Factories, so the shared
 * pieces run on the client's clock and report through its events.
 * @example
 * shared: {
 *   budgetStore: (d) => new RedisBudgetStore(redis, { prefix: 'app:' }, d),
 *   limiter: (d) => createRedisLimiter(redis, { models: { 'gpt-4.1': { requestsPerMinute: 500 } } }, d),
 *   breaker: (d) => new RedisBreakerState(redis, { syncMs: 1_000 }, d),
 * }
 */
export interface SharedStateOptions {
  /** Replaces `budget.store`. */
  readonly budgetStore?: (deps: SharedDeps) => BudgetStore;
  /** Replaces the limiter built from `limits`. */
  readonly limiter?: (deps: SharedDeps) => Limiter;
  /** Adds cross-process breaker state to each model's local breaker. */
  readonly breaker?: (deps: SharedDeps) => SharedBreaker;
}
import { clockSchema, fn, modelName, nonNegativeInt, nonNegativeMs, percentage, positiveInt, positiveMs } from './schema-helpers.js';

export type Jitter = 'none' | 'full' | 'equal';

export interface RetryOptions {
  /**
   * Retries per model after the first attempt (so `maxRetries: 4` means up to 5 attempts).
   * @default 3
   */
  readonly maxRetries?: number;
  /** Delay before the first retry, in ms. @default 500 */
  readonly initialDelayMs?: number;
  /** Growth factor between retries. @default 2 */
  readonly multiplier?: number;
  /** Upper bound of a computed backoff delay, in ms. @default 30_000 */
  readonly maxDelayMs?: number;
  /**
   * How backoff delays are randomized: `equal` keeps half and randomizes the other half,
   * `full` picks uniformly in [0, delay], `none` waits the computed delay exactly.
   * A server's `retry-after` is always honoured exactly, never jittered.
   * @default 'equal'
   */
  readonly jitter?: Jitter;
  /**
   * A `retry-after` longer than this is not waited for: the model is given up at once
   * and the chain falls back. The official OpenAI SDK applies the same 60 s ceiling.
   * @default 60_000
   */
  readonly maxRetryAfterMs?: number;
  /**
   * Bounds re-sends per model to a share of its recent successful attempts, with
   * a small floor, so a failing model cannot multiply its own traffic. A retry the
   * budget refuses is not made: the call falls back to the next model, or fails.
   * `false` turns the budget off (every retry up to `maxRetries` is made).
   * @default { ratio: 0.1, minPerSecond: 0.5, windowMs: 10_000 }
   */
  readonly budget?: RetryBudgetOptions | false;
  /**
   * After a transient failure (5xx, overloaded, network error, timeout), try the
   * next model at once instead of sleeping a backoff and retrying this one, when
   * that next model is available (its breaker closed, its health not
   * `unhealthy`). Retries with backoff then happen on the last available model.
   * A rate limit with a `retry-after` is unaffected by this setting.
   * @default true
   */
  readonly preferFallback?: boolean;
}

export interface RetryBudgetOptions {
  /** Retries earned per successful attempt in the window (0.1: one retry per ten successes). @default 0.1 */
  readonly ratio?: number;
  /** Retries always allowed per second whatever the traffic, so a quiet client can still retry. @default 0.5 */
  readonly minPerSecond?: number;
  /** How far back successes and retries are counted, in ms. @default 10_000 */
  readonly windowMs?: number;
}

export interface BreakerOptions {
  /** Error percentage within the rolling window that opens the breaker. @default 50 */
  readonly errorThresholdPercentage?: number;
  /** Minimum calls in the window before the error percentage is considered. @default 5 */
  readonly volumeThreshold?: number;
  /** Length of the rolling window, in ms. @default 10_000 */
  readonly rollingWindowMs?: number;
  /** Buckets the rolling window is divided into. @default 10 */
  readonly rollingBuckets?: number;
  /**
   * Time an open breaker waits before letting one half-open probe through, in ms,
   * after its first trip. Each further trip without a sustained healthy spell in
   * between doubles it, up to `maxResetTimeoutMs`.
   * @default 30_000
   */
  readonly resetTimeoutMs?: number;
  /**
   * Cap of the learned open period. The count of trips starts over once the
   * breaker has stayed closed this long. Set it equal to `resetTimeoutMs` for a
   * fixed open period. A value below `resetTimeoutMs` counts as `resetTimeoutMs`.
   * @default 120_000
   */
  readonly maxResetTimeoutMs?: number;
  /**
   * How long a breaker opened by an exhausted quota (`insufficient_quota`, a
   * spend limit, 402) stays open: the failure's `retry-after` when it has one,
   * at most this long. A quota does not come back by waiting 30 s.
   * @default 600_000
   */
  readonly quotaResetTimeoutMs?: number;
  /**
   * Percentage of slow attempts within the rolling window (with at least
   * `volumeThreshold` attempts) that opens the breaker; a slow half-open probe
   * re-opens it. `100` only opens when every attempt is slow.
   * @default 50
   */
  readonly slowCallRateThreshold?: number;
  /**
   * An attempt that takes longer than this (in ms) is slow. By default half the
   * model's derived attempt deadline (see `adaptiveTimeout`); without one (too
   * few samples, or the monitor off) no attempt counts as slow.
   * @default undefined (derived)
   */
  readonly slowCallDurationMs?: number;
}

export interface AdaptiveTimeoutOptions {
  /** The attempt deadline is this many times the model's recent p99 latency. @default 3 */
  readonly multiplier?: number;
  /** Floor of the derived deadline, in ms. @default 10_000 */
  readonly minTimeoutMs?: number;
  /** Cap of the derived deadline, in ms. @default 600_000 */
  readonly maxTimeoutMs?: number;
  /**
   * Successful attempts the monitor must have seen (within its longest window)
   * before a deadline is derived: fewer make a p99 that a normal slow answer
   * exceeds now and then. @default 100
   */
  readonly minSamples?: number;
}

/**
 * A chain entry that names the provider serving it. The drop-in wrappers send a
 * model only to the SDK of its provider (`'openai'`, `'anthropic'`) and skip
 * entries of other providers; `byProvider` dispatches `client.run` on it.
 * A plain string names no provider: every wrapper may send it.
 * @example { model: 'gpt-4.1', provider: 'openai' }
 */
export interface ModelEntry {
  readonly model: string;
  readonly provider: 'openai' | 'anthropic' | (string & {});
}

export interface ResilientClientOptions {
  /**
   * The fallback chain, tried in order: the first is the primary. An entry is a
   * model name, or `{ model, provider }` when the chain spans providers.
   * @example ['claude-sonnet-4-6', 'claude-haiku-4-5']
   * @example [{ model: 'claude-sonnet-4-6', provider: 'anthropic' }, { model: 'gpt-4.1', provider: 'openai' }]
   */
  readonly models: readonly (string | ModelEntry)[];
  /** Retry with exponential backoff on 429 / overloaded / 5xx / network / timeout. `false` disables it. */
  readonly retry?: RetryOptions | false;
  /** One circuit breaker per model. `false` disables breakers. */
  readonly breaker?: BreakerOptions | false;
  /**
   * Per-attempt timeout in ms; aborts the signal handed to your function. When
   * not set, each model's deadline is derived from its recent latency (see
   * `adaptiveTimeout`).
   */
  readonly timeoutMs?: number;
  /**
   * Without `timeoutMs`, each attempt's deadline is derived from what the
   * monitor has seen of its model: `multiplier` × its p99 latency, between
   * `minTimeoutMs` and `maxTimeoutMs`, once it has `minSamples` successes. For a
   * stream the attempt ends at its first content chunk, so this is a
   * first-token deadline. An attempt that hits it fails with kind `timeout`,
   * counts against the model and falls back. Needs the monitor; `false` turns it off.
   * @default { multiplier: 3, minTimeoutMs: 10_000, maxTimeoutMs: 600_000, minSamples: 100 }
   */
  readonly adaptiveTimeout?: AdaptiveTimeoutOptions | false;
  /**
   * Token and cost budgets: reserved before each call, settled after (docs/budget.md). Off by default.
   * @example { day: { maxCostUsd: 20 }, task: { maxTokens: 200_000 }, timeZone: 'Europe/Paris' }
   */
  readonly budget?: BudgetOptions;
  /** The performance monitor: windows, percentiles, health, anomalies, alerts (docs/monitoring.md). `false` turns it off. @default {} (on) */
  readonly monitor?: MonitorOptions | false;
  /** Stream timeouts and commit buffering (docs/streaming.md). */
  readonly stream?: StreamOptions;
  /**
   * Admission per model: requests and tokens buckets that follow the provider's
   * rate-limit headers (on by default), optional caps (concurrency, requests and
   * tokens per minute), spilling to a later model, a bounded wait (docs/rate-limits.md).
   * @example { default: { maxConcurrent: 8 }, models: { 'gpt-4.1': { requestsPerMinute: 500 } } }
   */
  readonly limits?: LimitsOptions;
  /** Budget store, limiter and breaker state shared across processes, e.g. on Redis. Off by default. */
  readonly shared?: SharedStateOptions;
  /**
   * Fallbacks for the request's fit and content: context windows, output limits
   * and refused responses (docs/content-fallbacks.md). Context-window fit is on
   * with the catalog's windows; refusals are returned as they are by default.
   */
  readonly content?: ContentOptions;
  /**
   * Hedged requests: when the first model has not answered after a delay, the
   * same request starts on the next model and the first answer wins
   * (docs/hedging.md). Off by default; `run(fn, { hedge })` turns it on or off per call.
   * @example { delayMs: 'auto', maxShare: 0.1 }
   */
  readonly hedge?: HedgeOptions | false;
  /** Where time comes from. @default systemClock */
  readonly clock?: Clock;
  /** Where jitter comes from; returns a number in [0, 1). @default Math.random */
  readonly random?: RandomSource;
  /**
   * Called when one of your event listeners throws. The call in progress and
   * the other listeners are never affected.
   * @default reports it with `process.emitWarning`
   */
  readonly onListenerError?: (error: unknown, event: string) => void;
}


export const retrySchema = z.strictObject({
  maxRetries: nonNegativeInt().max(100, { error: 'expected at most 100' }).optional(),
  initialDelayMs: nonNegativeMs().optional(),
  multiplier: z.number({ error: 'expected a number >= 1' }).min(1, { error: 'expected a number >= 1' }).finite({ error: 'expected a number >= 1' }).optional(),
  maxDelayMs: nonNegativeMs().optional(),
  jitter: z.enum(['none', 'full', 'equal'], { error: "expected 'none', 'full' or 'equal'" }).optional(),
  maxRetryAfterMs: nonNegativeMs().optional(),
  budget: z
    .union(
      [
        z.strictObject({
          ratio: z.number({ error: 'expected a number between 0 and 1' }).min(0, { error: 'expected a number between 0 and 1' }).max(1, { error: 'expected a number between 0 and 1' }).optional(),
          minPerSecond: z.number({ error: 'expected a non-negative number' }).min(0, { error: 'expected a non-negative number' }).finite({ error: 'expected a non-negative number' }).optional(),
          windowMs: positiveMs().max(3_600_000, { error: 'expected at most 3600000 ms' }).optional(),
        }),
        z.literal(false),
      ],
      { error: 'expected retry budget options or false' },
    )
    .optional(),
  preferFallback: z.boolean({ error: 'expected true or false' }).optional(),
});

export const breakerSchema = z.strictObject({
  errorThresholdPercentage: percentage().optional(),
  volumeThreshold: nonNegativeInt().optional(),
  rollingWindowMs: positiveMs().optional(),
  rollingBuckets: positiveInt().max(1000, { error: 'expected at most 1000' }).optional(),
  resetTimeoutMs: positiveMs().optional(),
  maxResetTimeoutMs: positiveMs().optional(),
  quotaResetTimeoutMs: positiveMs().optional(),
  slowCallRateThreshold: percentage().optional(),
  slowCallDurationMs: positiveMs().optional(),
});

export const adaptiveTimeoutSchema = z.strictObject({
  multiplier: z.number({ error: 'expected a number >= 1' }).min(1, { error: 'expected a number >= 1' }).max(100, { error: 'expected at most 100' }).optional(),
  minTimeoutMs: positiveMs().optional(),
  maxTimeoutMs: positiveMs().optional(),
  minSamples: positiveInt().max(100_000, { error: 'expected at most 100000' }).optional(),
});

const modelEntrySchema = z.strictObject(
  { model: modelName(), provider: z.string({ error: 'expected a provider name (non-empty string)' }).min(1, { error: 'expected a provider name (non-empty string)' }) },
  { error: 'expected a model name or { model, provider }' },
);

/** The model name of a chain entry. */
export const modelIdOf = (entry: string | ModelEntry): string => (typeof entry === 'string' ? entry : entry.model);

export const coreOptionShape = {
  models: z
    .array(z.union([modelName(), modelEntrySchema]), { error: 'expected a non-empty array of model names or { model, provider } entries' })
    .min(1, { error: 'expected a non-empty array of model names or { model, provider } entries' })
    .refine((m) => new Set(m.map(modelIdOf)).size === m.length, { error: 'expected model names without duplicates' }),
  retry: z.union([retrySchema, z.literal(false)], { error: 'expected retry options or false' }).optional(),
  breaker: z.union([breakerSchema, z.literal(false)], { error: 'expected breaker options or false' }).optional(),
  timeoutMs: positiveMs().optional(),
  adaptiveTimeout: z
    .union([adaptiveTimeoutSchema, z.literal(false)], { error: 'expected adaptive timeout options or false' })
    .refine((a) => a === false || a.minTimeoutMs === undefined || a.maxTimeoutMs === undefined || a.minTimeoutMs <= a.maxTimeoutMs, {
      error: 'expected minTimeoutMs <= maxTimeoutMs',
    })
    .optional(),
  budget: budgetOptionsSchema.optional(),
  monitor: z.union([monitorSchema, z.literal(false)], { error: 'expected monitor options or false' }).optional(),
  stream: streamOptionsSchema.optional(),
  limits: limitsSchema.optional(),
  shared: z
    .strictObject({
      budgetStore: fn<(deps: SharedDeps) => BudgetStore>('a function (deps) => BudgetStore').optional(),
      limiter: fn<(deps: SharedDeps) => Limiter>('a function (deps) => Limiter').optional(),
      breaker: fn<(deps: SharedDeps) => SharedBreaker>('a function (deps) => SharedBreaker').optional(),
    })
    .optional(),
  content: contentSchema.optional(),
  hedge: z.union([hedgeSchema, z.literal(false)], { error: 'expected hedge options or false' }).optional(),
  clock: clockSchema().optional(),
  random: fn<RandomSource>('a function returning a number in [0, 1)').optional(),
  onListenerError: fn<(error: unknown, event: string) => void>('a function (error, event) => void').optional(),
};

export type ResolvedRetryBudgetOptions = Required<RetryBudgetOptions>;
export type ResolvedRetry = Required<Omit<RetryOptions, 'budget'>> & { readonly budget: ResolvedRetryBudgetOptions | false };
export type ResolvedBreaker = Required<Omit<BreakerOptions, 'slowCallDurationMs'>> & { readonly slowCallDurationMs: number | undefined };
export type ResolvedAdaptiveTimeout = Required<AdaptiveTimeoutOptions>;

export const ADAPTIVE_TIMEOUT_DEFAULTS: ResolvedAdaptiveTimeout = Object.freeze({
  multiplier: 3,
  minTimeoutMs: 10_000,
  maxTimeoutMs: 600_000,
  minSamples: 100,
});

export const RETRY_DEFAULTS: ResolvedRetry = Object.freeze({
  maxRetries: 3,
  initialDelayMs: 500,
  multiplier: 2,
  maxDelayMs: 30_000,
  jitter: 'equal',
  maxRetryAfterMs: 60_000,
  budget: Object.freeze({ ratio: 0.1, minPerSecond: 0.5, windowMs: 10_000 }),
  preferFallback: true,
});

export const BREAKER_DEFAULTS: ResolvedBreaker = Object.freeze({
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingWindowMs: 10_000,
  rollingBuckets: 10,
  resetTimeoutMs: 30_000,
  maxResetTimeoutMs: 120_000,
  quotaResetTimeoutMs: 600_000,
  slowCallRateThreshold: 50,
  slowCallDurationMs: undefined,
});
