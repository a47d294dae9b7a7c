import * as z from '../options/zod.js';
import { nonNegativeInt, nonNegativeMs, positiveInt, schemaOnFirstUse } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

/** Client-side limits for one model. Every field is off unless set. */
export interface ModelLimits {
  /**
   * Calls to this model in flight at once.
   * @example 8
   */
  readonly maxConcurrent?: number | undefined;
  /**
   * Calls started per minute: a bucket of this size refilled continuously
   * (one call's worth every `60 000 / requestsPerMinute` ms). Seeds admission
   * before the provider's headers arrive; below the provider's limit it stays the cap.
   * @example 500
   */
  readonly requestsPerMinute?: number | undefined;
  /**
   * Tokens per minute, refilled continuously like `requestsPerMinute`. A call
   * weighs its token estimate: input estimate plus its output cap.
   * @example 200_000
   */
  readonly tokensPerMinute?: number | undefined;
}

export interface LimitsOptions {
  /** Limits for every model without an entry in `models`. */
  readonly default?: ModelLimits | undefined;
  /**
   * Limits by model name; replaces `default` for that model (no merging).
   * @example { 'gpt-4.1': { requestsPerMinute: 500, tokensPerMinute: 30_000 } }
   */
  readonly models?: Readonly<Record<string, ModelLimits>> | undefined;
  /**
   * Calls allowed to wait per model. One more is refused at once with `QueueFullError`
   * (the chain moves on) instead of letting a queue grow. A call that states its
   * deadline (`deadlineMs`) is not counted: its deadline bounds its wait.
   * @default 128
   */
  readonly maxQueue?: number | undefined;
  /**
   * Follow the provider's rate-limit headers: each model's requests and tokens
   * buckets take their state from the latest headers and refill at the
   * provider's rate between them. With `false` only configured limits apply.
   * @default true
   */
  readonly respectHeaders?: boolean | undefined;
  /**
   * The longest a call without a `deadlineMs` waits for capacity when no model of
   * the chain has any now; a longer wait fails at once with `NoCapacityError`
   * instead of queueing. A call that states its deadline waits instead until it
   * could still finish by it (the deadline less the model's recent p95 latency).
   * @default 60_000
   */
  readonly maxWaitMs?: number | undefined;
  /**
   * Requests to leave untouched: a call waits while the requests left would fall below this.
   * @default 0
   */
  readonly minRemainingRequests?: number | undefined;
  /**
   * Learn the callers' patience from their aborts: once at least 5 calls that carry a `signal`
   * but no `deadlineMs` were aborted by their callers within 10 minutes, after about the same
   * time, that time is the deadline admission waits by for such calls (as with `deadlineMs`).
   * While none is known and `maxWaitMs` is the default, up to 10 such calls at once that would be
   * refused are held until their callers abort them (at most 5 minutes, never sent), to learn it.
   * A stated `deadlineMs` always wins; `false` keeps `maxWaitMs` for every call without one.
   * @default true
   */
  readonly learnPatience?: boolean | undefined;
  /**
   * How many processes (workers, instances, consumers) call the models with these limits on one
   * API key, each with its own client and nothing shared. While a model's headers show others
   * using its limit, each process refills at most its `1/processes` part of that limit (the
   * provider's or a configured one) and keeps at most that part of its burst; a process that reads
   * no others keeps the whole limit. With `respectHeaders: false` the configured limits are divided
   * outright. Buckets shared on Redis (`createRedisLimiter`) are exact without it: there it applies
   * only to the local limits used while Redis is out of reach.
   * @default 1
   */
  readonly processes?: number | undefined;
  /**
   * @deprecated Use `maxWaitMs`; read as `maxWaitMs` when that is not set.
   */
  readonly maxHeaderWaitMs?: number | undefined;
}

export interface ResolvedLimits {
  readonly default: ModelLimits | undefined;
  readonly models: Readonly<Record<string, ModelLimits>>;
  readonly maxQueue: number;
  readonly respectHeaders: boolean;
  readonly maxWaitMs: number;
  readonly minRemainingRequests: number;
  readonly processes: number;
}

/** The most processes `limits.processes` accepts: beyond it a part of a limit would be a few calls an hour. */
export const MAX_PROCESSES = 1_000;
const PROCESSES = { error: `expected an integer from 1 to ${MAX_PROCESSES}` };

export const modelLimitsSchema = schemaOnFirstUse(() => z.strictObject({
  maxConcurrent: z.optional(positiveInt()),
  requestsPerMinute: z.optional(positiveInt()),
  tokensPerMinute: z.optional(positiveInt()),
}));

export const limitsSchema = schemaOnFirstUse(() => z.strictObject({
  default: z.optional(modelLimitsSchema()),
  models: z.optional(z.record(z.string(), modelLimitsSchema(), { error: 'expected an object of model name → limits' })),
  maxQueue: z.optional(nonNegativeInt()),
  respectHeaders: z.optional(z.boolean({ error: 'expected true or false' })),
  maxWaitMs: z.optional(nonNegativeMs()),
  maxHeaderWaitMs: z.optional(nonNegativeMs()),
  minRemainingRequests: z.optional(nonNegativeInt()),
  learnPatience: z.optional(z.boolean({ error: 'expected true or false' })),
  processes: z.optional(z.number(PROCESSES).check(z.int(PROCESSES), z.gte(1, PROCESSES), z.lte(MAX_PROCESSES, PROCESSES))),
}));

export const LIMITS_DEFAULTS = Object.freeze({ maxQueue: 128, respectHeaders: true, maxWaitMs: 60_000, minRemainingRequests: 0, learnPatience: true, processes: 1 });

/**
 * Our limiters whose `maxWaitMs` is the library's default, not one the user set. A few calls the
 * default bounds refuse there may be held until their callers abort them, to learn the callers'
 * patience (decision 0060); never with a bound the user set, nor with a limiter of theirs.
 */
export const WAITS_BY_DEFAULT = new WeakSet<object>();

/** Registers `limiter` in {@link WAITS_BY_DEFAULT} when `options` leave `maxWaitMs` (and its old name) unset. */
export function markDefaultWait<L extends object>(limiter: L, options: LimitsOptions | undefined): L {
  if (options?.maxWaitMs === undefined && options?.maxHeaderWaitMs === undefined) WAITS_BY_DEFAULT.add(limiter);
  return limiter;
}

/** Validates once; no options means the defaults (header-driven admission on). Throws ConfigError naming `limits.<path>`. */
export function resolveLimits(options: LimitsOptions | undefined): ResolvedLimits {
  const o = options === undefined ? {} : validateOptions(limitsSchema(), options, 'limits');
  return Object.freeze({
    default: o.default,
    models: Object.freeze({ ...o.models }),
    maxQueue: o.maxQueue ?? LIMITS_DEFAULTS.maxQueue,
    respectHeaders: o.respectHeaders ?? LIMITS_DEFAULTS.respectHeaders,
    maxWaitMs: o.maxWaitMs ?? o.maxHeaderWaitMs ?? LIMITS_DEFAULTS.maxWaitMs,
    minRemainingRequests: o.minRemainingRequests ?? LIMITS_DEFAULTS.minRemainingRequests,
    processes: o.processes ?? LIMITS_DEFAULTS.processes,
  });
}
