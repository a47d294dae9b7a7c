import * as z from '../options/zod.js';
import { nonNegativeMs, positiveMs, schemaOnFirstUse } from '../options/schema-helpers.js';

/**
 * Hedged requests: when the first model of the chain has not answered (or, for
 * a stream, produced its first content chunk) after a delay, the same request
 * starts on the next model; the first to answer wins and the other is aborted.
 * Off by default.
 *
 * @example
 * hedge: { delayMs: 'auto', maxShare: 0.1 }
 */
export interface HedgeOptions {
  /**
   * How long the first model has before the hedge starts, in ms; `'auto'` takes
   * the model's recent p95 (time to first token for streams, latency otherwise),
   * between `minDelayMs` and `maxDelayMs`, or `maxDelayMs` until enough calls
   * were seen.
   * @default 'auto'
   */
  readonly delayMs?: number | 'auto' | undefined;
  /** Lower bound of an `'auto'` delay. @default 250 */
  readonly minDelayMs?: number | undefined;
  /** Upper bound of an `'auto'` delay, and its value before enough calls were seen. @default 10_000 */
  readonly maxDelayMs?: number | undefined;
  /**
   * Share of calls that may be hedged (the hedging budget): each call adds
   * `maxShare` of a hedge, each hedge spends one, and at most 10 are banked.
   * A new client starts with one banked, so its first slow call can hedge.
   * @default 0.1
   */
  readonly maxShare?: number | undefined;
}


export interface ResolvedHedge {
  readonly delayMs: number | 'auto';
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxShare: number;
}

export const HEDGE_DEFAULTS: ResolvedHedge = Object.freeze({ delayMs: 'auto', minDelayMs: 250, maxDelayMs: 10_000, maxShare: 0.1 });

// A floor you set is held to the cap, given or at its default: above it, it would never apply.
// (A cap you set below the default floor is simply the cap: the cap wins.)
export const hedgeSchema = schemaOnFirstUse(() => z.strictObject({
  delayMs: z.optional(z.union([nonNegativeMs(), z.literal('auto')], { error: "expected a number of milliseconds or 'auto'" })),
  minDelayMs: z.optional(nonNegativeMs()),
  maxDelayMs: z.optional(positiveMs()),
  maxShare: z.optional(z.number({ error: 'expected a number in (0, 1]' }).check(z.gt(0, { error: 'expected a number in (0, 1]' }), z.lte(1, { error: 'expected a number in (0, 1]' }))),
}).check(z.refine((h) => h.minDelayMs === undefined || h.minDelayMs <= (h.maxDelayMs ?? HEDGE_DEFAULTS.maxDelayMs), {
  error: `expected minDelayMs <= maxDelayMs (by default ${HEDGE_DEFAULTS.maxDelayMs})`,
})));
