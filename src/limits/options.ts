import { z } from 'zod';
import { nonNegativeInt, nonNegativeMs, positiveInt } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

/** Client-side limits for one model. Every field is off unless set. */
export interface ModelLimits {
  /**
   * Calls to this model in flight at once.
   * @example 8
   */
  readonly maxConcurrent?: number;
  /**
   * Calls started per minute (a fixed one-minute window opened by the first call).
   * @example 500
   */
  readonly requestsPerMinute?: number;
  /**
   * Tokens reserved per minute; a call weighs what it reserves (see `admit`'s `weight`).
   * @example 200_000
   */
  readonly tokensPerMinute?: number;
}

export interface LimitsOptions {
  /** Limits for every model without an entry in `models`. */
  readonly default?: ModelLimits;
  /**
   * Limits by model name; replaces `default` for that model (no merging).
   * @example { 'gpt-4.1': { requestsPerMinute: 500, tokensPerMinute: 30_000 } }
   */
  readonly models?: Readonly<Record<string, ModelLimits>>;
  /**
   * Calls allowed to wait per model. One more is refused at once with `QueueFullError`
   * instead of letting the queue grow without bound.
   * @default 1000
   */
  readonly maxQueue?: number;
  /**
   * Hold a call until the provider's reset when its latest rate-limit headers say
   * the requests or tokens left cannot cover it. On whenever `limits` is set at
   * all, even `limits: {}`; without `limits` nothing is held.
   * @default true (when `limits` is set)
   */
  readonly respectHeaders?: boolean;
  /**
   * The longest wait for a reset announced by headers. Beyond it the call goes
   * ahead and the provider's answer (a 429 with Retry-After) decides.
   * @default 60_000
   */
  readonly maxHeaderWaitMs?: number;
  /**
   * Requests to leave untouched: wait for the reset once `remaining` is at or below this.
   * @default 0
   */
  readonly minRemainingRequests?: number;
}

export interface ResolvedLimits {
  readonly default: ModelLimits | undefined;
  readonly models: Readonly<Record<string, ModelLimits>>;
  readonly maxQueue: number;
  readonly respectHeaders: boolean;
  readonly maxHeaderWaitMs: number;
  readonly minRemainingRequests: number;
}

const modelLimitsSchema = z.strictObject({
  maxConcurrent: positiveInt().optional(),
  requestsPerMinute: positiveInt().optional(),
  tokensPerMinute: positiveInt().optional(),
});

export const limitsSchema = z.strictObject({
  default: modelLimitsSchema.optional(),
  models: z.record(z.string(), modelLimitsSchema, { error: 'expected an object of model name → limits' }).optional(),
  maxQueue: nonNegativeInt().optional(),
  respectHeaders: z.boolean({ error: 'expected true or false' }).optional(),
  maxHeaderWaitMs: nonNegativeMs().optional(),
  minRemainingRequests: nonNegativeInt().optional(),
});

export const LIMITS_DEFAULTS = Object.freeze({ maxQueue: 1_000, respectHeaders: true, maxHeaderWaitMs: 60_000, minRemainingRequests: 0 });

/** Validates once; `undefined` means limits are off. Throws ConfigError naming `limits.<path>`. */
export function resolveLimits(options: LimitsOptions | undefined): ResolvedLimits | undefined {
  if (options === undefined) return undefined;
  const o = validateOptions(limitsSchema, options, 'limits');
  return Object.freeze({
    default: o.default,
    models: Object.freeze({ ...o.models }),
    maxQueue: o.maxQueue ?? LIMITS_DEFAULTS.maxQueue,
    respectHeaders: o.respectHeaders ?? LIMITS_DEFAULTS.respectHeaders,
    maxHeaderWaitMs: o.maxHeaderWaitMs ?? LIMITS_DEFAULTS.maxHeaderWaitMs,
    minRemainingRequests: o.minRemainingRequests ?? LIMITS_DEFAULTS.minRemainingRequests,
  });
}
