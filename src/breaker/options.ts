import * as z from '../options/zod.js';
import { nonNegativeInt, percentage, positiveInt, positiveMs, schemaOnFirstUse } from '../options/schema-helpers.js';

export interface BreakerOptions {
  /** Error percentage within the rolling window that opens the breaker. @default 50 */
  readonly errorThresholdPercentage?: number | undefined;
  /** Minimum calls in the window before the error percentage is considered. @default 5 */
  readonly volumeThreshold?: number | undefined;
  /** Length of the rolling window, in ms. @default 10_000 */
  readonly rollingWindowMs?: number | undefined;
  /** Buckets the rolling window is divided into. @default 10 */
  readonly rollingBuckets?: number | undefined;
  /**
   * Time an open breaker waits before letting one half-open probe through, in ms,
   * after its first trip. Each further trip without a successful probe or a
   * sustained healthy spell in between doubles it, up to `maxResetTimeoutMs`.
   * A failure with a `retry-after` shorter than that opens it for the `retry-after`
   * (at least 1 s).
   * @default 10_000
   */
  readonly resetTimeoutMs?: number | undefined;
  /**
   * Cap of the learned open period: the longest a recovered model waits for its
   * next probe, so about how long after an incident ends calls are back on it.
   * The count of trips starts over after a successful probe, or once the breaker
   * has stayed closed this long. Set it equal to `resetTimeoutMs` for a fixed
   * open period. A value below `resetTimeoutMs` counts as `resetTimeoutMs`.
   * @default 20_000
   */
  readonly maxResetTimeoutMs?: number | undefined;
  /**
   * How long a breaker opened by an exhausted quota (`insufficient_quota`, a
   * spend limit, 402) stays open: the failure's `retry-after` when it has one,
   * at most this long. A quota does not come back by waiting a few seconds.
   * @default 600_000
   */
  readonly quotaResetTimeoutMs?: number | undefined;
  /**
   * Percentage of slow attempts within the rolling window (with at least
   * `volumeThreshold` attempts) that opens the breaker; a slow half-open probe
   * re-opens it. `100` only opens when every attempt is slow.
   * @default 50
   */
  readonly slowCallRateThreshold?: number | undefined;
  /**
   * An attempt that takes longer than this (in ms) is slow. By default half the
   * model's derived attempt deadline (see `adaptiveTimeout`); without one (too
   * few samples, or the monitor off) no attempt counts as slow.
   * @default undefined (derived)
   */
  readonly slowCallDurationMs?: number | undefined;
}

export const breakerSchema = schemaOnFirstUse(() => z.strictObject({
  errorThresholdPercentage: z.optional(percentage()),
  volumeThreshold: z.optional(nonNegativeInt()),
  rollingWindowMs: z.optional(positiveMs()),
  rollingBuckets: z.optional(positiveInt().check(z.lte(1000, { error: 'expected at most 1000' }))),
  resetTimeoutMs: z.optional(positiveMs()),
  maxResetTimeoutMs: z.optional(positiveMs()),
  quotaResetTimeoutMs: z.optional(positiveMs()),
  slowCallRateThreshold: z.optional(percentage()),
  slowCallDurationMs: z.optional(positiveMs()),
}));

export type ResolvedBreaker = Required<Omit<BreakerOptions, 'slowCallDurationMs'>> & { readonly slowCallDurationMs: number | undefined };

export const BREAKER_DEFAULTS: ResolvedBreaker = Object.freeze({
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  rollingWindowMs: 10_000,
  rollingBuckets: 10,
  resetTimeoutMs: 10_000,
  maxResetTimeoutMs: 20_000,
  quotaResetTimeoutMs: 600_000,
  slowCallRateThreshold: 50,
  slowCallDurationMs: undefined,
});
