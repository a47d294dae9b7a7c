import * as z from '../options/zod.js';
import { nonNegativeInt, nonNegativeMs, positiveInt, positiveMs, schemaOnFirstUse } from '../options/schema-helpers.js';
import { withDefaults } from '../options/validate.js';

export type Jitter = 'none' | 'full' | 'equal';

export interface RetryOptions {
  /**
   * Retries per model after the first attempt (so `maxRetries: 4` means up to 5 attempts).
   * @default 3
   */
  readonly maxRetries?: number | undefined;
  /** Delay before the first retry, in ms. @default 500 */
  readonly initialDelayMs?: number | undefined;
  /** Growth factor between retries. @default 2 */
  readonly multiplier?: number | undefined;
  /** Upper bound of a computed backoff delay, in ms. @default 30_000 */
  readonly maxDelayMs?: number | undefined;
  /**
   * How backoff delays are randomized: `equal` keeps half and randomizes the other half,
   * `full` picks uniformly in [0, delay], `none` waits the computed delay exactly.
   * A server's `retry-after` is always honoured exactly, never jittered.
   * @default 'equal'
   */
  readonly jitter?: Jitter | undefined;
  /**
   * A `retry-after` longer than this is not waited for: the model is given up at once
   * and the chain falls back. The official OpenAI SDK applies the same 60 s ceiling.
   * @default 60_000
   */
  readonly maxRetryAfterMs?: number | undefined;
  /**
   * Bounds re-sends per model to a share of its recent successful attempts, with
   * a small floor, so a failing model cannot multiply its own traffic. A retry the
   * budget refuses is not made: the call falls back to the next model, or fails.
   * `false` turns the budget off (every retry up to `maxRetries` is made).
   * @default { ratio: 0.1, minPerSecond: 0.5, windowMs: 10_000 }
   */
  readonly budget?: RetryBudgetOptions | false | undefined;
  /**
   * After a transient failure (5xx, overloaded, network error, timeout), try the
   * next model at once instead of sleeping a backoff and retrying this one, when
   * that next model is available (its breaker closed, its health not
   * `unhealthy`). Retries with backoff then happen on the last available model.
   * A rate limit with a `retry-after` is unaffected by this setting.
   * @default true
   */
  readonly preferFallback?: boolean | undefined;
}

export interface RetryBudgetOptions {
  /** Retries earned per successful attempt in the window (0.1: one retry per ten successes). @default 0.1 */
  readonly ratio?: number | undefined;
  /** Retries always allowed per second whatever the traffic, so a quiet client can still retry. @default 0.5 */
  readonly minPerSecond?: number | undefined;
  /** How far back successes and retries are counted, in ms. @default 10_000 */
  readonly windowMs?: number | undefined;
}

export interface AdaptiveTimeoutOptions {
  /** The attempt deadline is this many times the model's recent p99 latency. @default 3 */
  readonly multiplier?: number | undefined;
  /** Floor of the derived deadline, in ms. @default 10_000 */
  readonly minTimeoutMs?: number | undefined;
  /** Cap of the derived deadline, in ms. @default 600_000 */
  readonly maxTimeoutMs?: number | undefined;
  /**
   * Successful attempts the monitor must have seen (within its longest window)
   * before a deadline is derived: fewer make a p99 that a normal slow answer
   * exceeds now and then. @default 100
   */
  readonly minSamples?: number | undefined;
}

// The client checks the plain fields by hand as well (client/check-options.ts: `BY_HAND`); a test compares the two.
export const retrySchema = schemaOnFirstUse(() => z.strictObject({
  maxRetries: z.optional(nonNegativeInt().check(z.lte(100, { error: 'expected at most 100' }))),
  initialDelayMs: z.optional(nonNegativeMs()),
  multiplier: z.optional(z.number({ error: 'expected a number >= 1' }).check(z.gte(1, { error: 'expected a number >= 1' }))),
  maxDelayMs: z.optional(nonNegativeMs()),
  jitter: z.optional(z.enum(['none', 'full', 'equal'], { error: "expected 'none', 'full' or 'equal'" })),
  maxRetryAfterMs: z.optional(nonNegativeMs()),
  budget: z.optional(z.union(
      [
        z.strictObject({
          ratio: z.optional(z.number({ error: 'expected a number between 0 and 1' }).check(z.gte(0, { error: 'expected a number between 0 and 1' }), z.lte(1, { error: 'expected a number between 0 and 1' }))),
          minPerSecond: z.optional(z.number({ error: 'expected a non-negative number' }).check(z.gte(0, { error: 'expected a non-negative number' }))),
          windowMs: z.optional(positiveMs().check(z.lte(3_600_000, { error: 'expected at most 3600000 ms' }))),
        }),
        z.literal(false),
      ],
      { error: 'expected retry budget options or false' },
    )),
  preferFallback: z.optional(z.boolean({ error: 'expected true or false' })),
}));

export const adaptiveTimeoutSchema = schemaOnFirstUse(() => z.strictObject({
  multiplier: z.optional(z.number({ error: 'expected a number >= 1' }).check(z.gte(1, { error: 'expected a number >= 1' }), z.lte(100, { error: 'expected at most 100' }))),
  minTimeoutMs: z.optional(positiveMs()),
  maxTimeoutMs: z.optional(positiveMs()),
  minSamples: z.optional(positiveInt().check(z.lte(100_000, { error: 'expected at most 100000' }))),
}));

export type ResolvedRetryBudgetOptions = Required<RetryBudgetOptions>;
export type ResolvedRetry = Required<Omit<RetryOptions, 'budget'>> & { readonly budget: ResolvedRetryBudgetOptions | false };
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

/** Retry options with their defaults filled in, the budget's too. */
export function resolveRetry(given: RetryOptions | undefined): ResolvedRetry {
  const budget = given?.budget === false ? false : withDefaults(RETRY_DEFAULTS.budget as ResolvedRetryBudgetOptions, given?.budget);
  return withDefaults(RETRY_DEFAULTS, { ...given, budget });
}
