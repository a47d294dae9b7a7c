import * as z from '../options/zod.js';
import { longMs, positiveMs } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

/** Options shared by every Redis piece. */
export interface RedisCommonOptions {
  /**
   * Put in front of every key, so several applications can share one Redis.
   * @default 'llmr:'
   * @example 'billing-agents:'
   */
  readonly prefix?: string | undefined;
  /**
   * The longest wait for one Redis command, on the injected clock. Past it the
   * piece decides on local state and emits `store:degraded`.
   * @default 250
   */
  readonly timeoutMs?: number | undefined;
  /**
   * While degraded, how often an operation tries Redis again (no timer: the
   * next operation after this delay is the probe). At least `timeoutMs`.
   * @default 1000
   */
  readonly retryMs?: number | undefined;
}

export interface RedisBudgetStoreOptions extends RedisCommonOptions {
  /**
   * What `reserve` answers while Redis is out of reach: `'open'` decides on the
   * last totals Redis reported plus this process's changes since; `'closed'`
   * refuses every reservation. Settles and releases are always kept and
   * written back when Redis returns.
   * @default 'open'
   */
  readonly onUnavailable?: 'open' | 'closed' | undefined;
  /**
   * Lifetime of a `task:` key (and of keys of unknown shape), renewed on every write.
   * @default 86_400_000 (one day)
   */
  readonly taskTtlMs?: number | undefined;
  /**
   * Lifetime of a rolling-window bucket, renewed on every write. Must cover your budget's `window.windowMs`.
   * @default 90_000_000 (25 hours)
   */
  readonly windowTtlMs?: number | undefined;
  /**
   * Names this process in the keys' bookkeeping fields. Random when absent;
   * set it only if you need stable names (it must be unique per live process).
   */
  readonly clientId?: string | undefined;
}

export interface RedisBreakerStateOptions extends RedisCommonOptions {
  /**
   * How stale a model's shared state may be: a read older than this fetches it
   * again (in the background; the call uses the cached answer meanwhile).
   * @default 1000
   */
  readonly syncMs?: number | undefined;
  /** See {@link RedisBudgetStoreOptions.clientId}. */
  readonly clientId?: string | undefined;
}

export const DEFAULTS = Object.freeze({
  prefix: 'llmr:',
  timeoutMs: 250,
  retryMs: 1_000,
  onUnavailable: 'open' as const,
  taskTtlMs: 86_400_000,
  windowTtlMs: 90_000_000,
  syncMs: 1_000,
});

const prefix = () => z.string({ error: 'expected a string' }).check(z.maxLength(200, { error: 'expected at most 200 characters' }));
const clientId = () =>
  z.string({ error: 'expected a non-empty string without spaces' }).check(z.regex(/^\S{1,64}$/, { error: 'expected a non-empty string without spaces (at most 64 characters)' }));
const common = {
  prefix: z.optional(prefix()),
  timeoutMs: z.optional(positiveMs()),
  retryMs: z.optional(positiveMs()),
};
const retryCoversTimeout = (o: { timeoutMs?: number; retryMs?: number }) => (o.retryMs ?? DEFAULTS.retryMs) >= (o.timeoutMs ?? DEFAULTS.timeoutMs);
// Why: a probe must not start while an earlier command may still answer (see docs/distributed.md, reconciliation).
const retryIssue = { error: 'expected at least timeoutMs', path: ['retryMs'] };

const budgetSchema = z
  .strictObject({
    ...common,
    onUnavailable: z.optional(z.enum(['open', 'closed'], { error: "expected 'open' or 'closed'" })),
    taskTtlMs: z.optional(longMs()),
    windowTtlMs: z.optional(longMs()),
    clientId: z.optional(clientId()),
  }).check(z.refine(retryCoversTimeout, retryIssue));

const breakerSchema = z
  .strictObject({ ...common, syncMs: z.optional(positiveMs()), clientId: z.optional(clientId()) }).check(z.refine(retryCoversTimeout, retryIssue));

const limiterSchema = z
  .strictObject({
    prefix: z.optional(prefix()),
    heartbeatMs: z.optional(positiveMs()),
    shareHeaders: z.optional(z.boolean({ error: 'expected a boolean' })),
    timeoutMs: z.optional(positiveMs()),
    retryMs: z.optional(positiveMs()),
  }).check(z.refine((o) => (o.retryMs ?? DEFAULTS.retryMs) >= (o.timeoutMs ?? LIMITER_TIMEOUT_MS), { error: 'expected at least timeoutMs', path: ['retryMs'] }));

type Resolved<T> = { readonly [K in keyof T]-?: Exclude<T[K], undefined> };

export function resolveBudgetStoreOptions(o: RedisBudgetStoreOptions | undefined): Resolved<Omit<RedisBudgetStoreOptions, 'clientId'>> & { clientId?: string } {
  const v = validateOptions(budgetSchema, o ?? {}, 'redisBudgetStore');
  return Object.freeze({
    prefix: v.prefix ?? DEFAULTS.prefix,
    timeoutMs: v.timeoutMs ?? DEFAULTS.timeoutMs,
    retryMs: v.retryMs ?? DEFAULTS.retryMs,
    onUnavailable: v.onUnavailable ?? DEFAULTS.onUnavailable,
    taskTtlMs: v.taskTtlMs ?? DEFAULTS.taskTtlMs,
    windowTtlMs: v.windowTtlMs ?? DEFAULTS.windowTtlMs,
    ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
  });
}

export function resolveBreakerStateOptions(o: RedisBreakerStateOptions | undefined): Resolved<Omit<RedisBreakerStateOptions, 'clientId'>> & { clientId?: string } {
  const v = validateOptions(breakerSchema, o ?? {}, 'redisBreakerState');
  return Object.freeze({
    prefix: v.prefix ?? DEFAULTS.prefix,
    timeoutMs: v.timeoutMs ?? DEFAULTS.timeoutMs,
    retryMs: v.retryMs ?? DEFAULTS.retryMs,
    syncMs: v.syncMs ?? DEFAULTS.syncMs,
    ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
  });
}

export interface RedisLimiterConfig {
  /** @default 'llmr:' */
  readonly prefix?: string | undefined;
  /**
   * How often each limiter checks the shared reservoir (bottleneck's
   * `heartbeatInterval`): a refill is seen at most this late.
   * @default 1000
   */
  readonly heartbeatMs?: number | undefined;
  /**
   * Share the buckets that follow the provider's rate-limit headers: every
   * process's headers feed one set of buckets per model on Redis, and every
   * admission takes from them (one script round trip per admission). `false`
   * keeps header-driven admission per process.
   * @default true
   */
  readonly shareHeaders?: boolean | undefined;
  /**
   * The longest an admission waits for Redis; past it the call is admitted by
   * this process's own buckets and `store:degraded` is emitted.
   * @default 100
   */
  readonly timeoutMs?: number | undefined;
  /**
   * After a failure, how long admissions stay local before Redis is tried
   * again. At least `timeoutMs`.
   * @default 1000
   */
  readonly retryMs?: number | undefined;
}

/** The default bound on one shared admission's round trip. */
export const LIMITER_TIMEOUT_MS = 100;

export function resolveLimiterConfig(o: RedisLimiterConfig | undefined): { prefix: string; heartbeatMs: number; shareHeaders: boolean; timeoutMs: number; retryMs: number } {
  const v = validateOptions(limiterSchema, o ?? {}, 'redisLimiter');
  return {
    prefix: v.prefix ?? DEFAULTS.prefix,
    heartbeatMs: v.heartbeatMs ?? 1_000,
    shareHeaders: v.shareHeaders ?? true,
    timeoutMs: v.timeoutMs ?? LIMITER_TIMEOUT_MS,
    retryMs: v.retryMs ?? DEFAULTS.retryMs,
  };
}

/** A random id for this process's bookkeeping fields. */
export const randomId = (random: () => number): string =>
  Array.from({ length: 12 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(random() * 36)]).join('');
