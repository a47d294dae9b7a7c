import * as z from '../options/zod.js';
import type { Clock, RandomSource } from '../clock/clock.js';
import { type BudgetOptions, budgetOptionsSchema } from '../budget/options.js';
import type { BudgetStore } from '../budget/store.js';
import { type BreakerOptions, breakerSchema } from '../breaker/options.js';
import type { SharedBreaker } from '../breaker/shared.js';
import { type Conditions, conditionsSchema } from '../fallback/conditions.js';
import { type ContentOptions, contentSchema } from '../fallback/content-options.js';
import { type HedgeOptions, hedgeSchema } from '../fallback/hedge-options.js';
import type { Limiter } from '../limits/limiter.js';
import { type LimitsOptions, limitsSchema } from '../limits/options.js';
import { type MonitorOptions, monitorSchema } from '../monitor/options.js';
import { clockSchema, fn, modelName, positiveMs, schemaOnFirstUse } from '../options/schema-helpers.js';
import { ADAPTIVE_TIMEOUT_DEFAULTS, type AdaptiveTimeoutOptions, type RetryOptions, adaptiveTimeoutSchema, retrySchema } from '../retry/options.js';
import { type StreamOptions, streamOptionsSchema } from '../stream/options.js';
import { type DeploymentOptions, type ModelOverrides, deploymentsSchema, overrideShape } from '../deployments/options.js';

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
  readonly budgetStore?: ((deps: SharedDeps) => BudgetStore) | undefined;
  /** Replaces the limiter built from `limits`. */
  readonly limiter?: ((deps: SharedDeps) => Limiter) | undefined;
  /** Adds cross-process breaker state to each model's local breaker. */
  readonly breaker?: ((deps: SharedDeps) => SharedBreaker) | undefined;
}
/**
 * A chain entry: a logical model, optionally naming the provider serving it,
 * reached through one or several deployments, with options of its own. The
 * drop-in wrappers send a model only to the SDK of its provider (`'openai'`,
 * `'anthropic'`) and skip entries of other providers; `byProvider` dispatches
 * `client.run` on it. A plain string names no provider: every wrapper may send it.
 * @example { model: 'gpt-4.1', provider: 'openai' }
 * @example { model: 'claude-sonnet-4-6', provider: 'anthropic', deployments: [{ client: anthropic }, { client: bedrock, model: 'anthropic.claude-sonnet-4-6' }] }
 */
export interface ModelEntry extends ModelOverrides {
  readonly model: string;
  readonly provider?: 'openai' | 'anthropic' | (string & {}) | undefined;
  /**
   * Several ways to reach this model, each with its own breaker, admission,
   * health and monitor row (docs/deployments.md). Calls spread over them by
   * weight; the chain moves to the next model only when none can serve.
   */
  readonly deployments?: readonly DeploymentOptions[] | undefined;
}

export interface ResilientClientOptions {
  /**
   * The fallback chain, tried in order: the first is the primary. An entry is a
   * model name, or `{ model, provider }` when the chain spans providers, with
   * optional `deployments` and per-model `retry`, `breaker`, `timeoutMs`, `limits`.
   * @example ['claude-sonnet-4-6', 'claude-haiku-4-5']
   * @example [{ model: 'claude-sonnet-4-6', provider: 'anthropic' }, { model: 'gpt-4.1', provider: 'openai' }]
   */
  readonly models: readonly (string | ModelEntry)[];
  /** Retry with exponential backoff on 429 / overloaded / 5xx / network / timeout. `false` disables it. */
  readonly retry?: RetryOptions | false | undefined;
  /** One circuit breaker per model. `false` disables breakers. */
  readonly breaker?: BreakerOptions | false | undefined;
  /**
   * Per-attempt timeout in ms; aborts the signal handed to your function. When
   * not set, each model's deadline is derived from its recent latency (see
   * `adaptiveTimeout`).
   */
  readonly timeoutMs?: number | undefined;
  /**
   * Without `timeoutMs`, each attempt's deadline is derived from what the
   * monitor has seen of its model: `multiplier` × its p99 latency, between
   * `minTimeoutMs` and `maxTimeoutMs`, once it has `minSamples` successes. For a
   * stream the attempt ends at its first content chunk, so this is a
   * first-token deadline. An attempt that hits it fails with kind `timeout`,
   * counts against the model and falls back. Needs the monitor; `false` turns it off.
   * @default { multiplier: 3, minTimeoutMs: 10_000, maxTimeoutMs: 600_000, minSamples: 100 }
   */
  readonly adaptiveTimeout?: AdaptiveTimeoutOptions | false | undefined;
  /**
   * Token and cost budgets: reserved before each call, settled after (docs/budget.md). Off by default.
   * @example { day: { maxCostUsd: 20 }, task: { maxTokens: 200_000 }, timeZone: 'Europe/Paris' }
   */
  readonly budget?: BudgetOptions | undefined;
  /** The performance monitor: windows, percentiles, health, anomalies, alerts (docs/monitoring.md). `false` turns it off. @default {} (on) */
  readonly monitor?: MonitorOptions | false | undefined;
  /** Stream timeouts and commit buffering (docs/streaming.md). */
  readonly stream?: StreamOptions | undefined;
  /**
   * Admission per model: requests and tokens buckets that follow the provider's
   * rate-limit headers (on by default), optional caps (concurrency, requests and
   * tokens per minute), spilling to a later model, a bounded wait (docs/rate-limits.md).
   * @example { default: { maxConcurrent: 8 }, models: { 'gpt-4.1': { requestsPerMinute: 500 } } }
   */
  readonly limits?: LimitsOptions | undefined;
  /** Budget store, limiter and breaker state shared across processes, e.g. on Redis. Off by default. */
  readonly shared?: SharedStateOptions | undefined;
  /**
   * Fallbacks for the request's fit and content: context windows, output limits
   * and refused responses (docs/content-fallbacks.md). Context-window fit is on
   * with the catalog's windows; refusals are returned as they are by default.
   */
  readonly content?: ContentOptions | undefined;
  /**
   * Hedged requests: when the first model has not answered after a delay, the
   * same request starts on the next model and the first answer wins
   * (docs/hedging.md). Off by default; `run(fn, { hedge })` turns it on or off per call.
   * @example { delayMs: 'auto', maxShare: 0.1 }
   */
  readonly hedge?: HedgeOptions | false | undefined;
  /**
   * Conditions of your own: retry or fall back on answers (or errors) only you
   * can judge — an empty answer, JSON that does not parse, a refusal phrased as
   * text. A call's `run(fn, { conditions })` replaces these field by field
   * (docs/conditions.md).
   * @example { result: (r) => (isEmpty(r) ? 'retry' : 'accept') }
   */
  readonly conditions?: Conditions | undefined;
  /** Where time comes from. @default systemClock */
  readonly clock?: Clock | undefined;
  /** Where jitter comes from; returns a number in [0, 1). @default Math.random */
  readonly random?: RandomSource | undefined;
  /**
   * Called when one of your event listeners throws. The call in progress and
   * the other listeners are never affected.
   * @default reports it with `process.emitWarning`
   */
  readonly onListenerError?: ((error: unknown, event: string) => void) | undefined;
}

const modelEntrySchema = schemaOnFirstUse(() => z.strictObject(
  {
    model: modelName(),
    provider: z.optional(z.string({ error: 'expected a provider name (non-empty string)' }).check(z.minLength(1, { error: 'expected a provider name (non-empty string)' }))),
    deployments: z.optional(deploymentsSchema()),
    ...overrideShape(),
  },
  { error: 'expected a model name or { model, provider?, deployments?, … }' },
));

/** The model name of a chain entry. */
export const modelIdOf = (entry: string | ModelEntry): string => (typeof entry === 'string' ? entry : entry.model);

/**
 * Each option's schema, built the first time it is needed: a client's options
 * are checked against the schemas of the keys they set (see `clientSchemaFor`),
 * so a small options object builds a few schemas, not all of them.
 */
export const coreOptionParts = {
  models: schemaOnFirstUse(() =>
    // An entry object's schema is built only when an entry is not a plain model name.
    z.array(z.union([modelName(), z.lazy(modelEntrySchema)]), { error: 'expected a non-empty array of model names or { model, provider } entries' }).check(
      z.minLength(1, { error: 'expected a non-empty array of model names or { model, provider } entries' }),
      z.refine((m) => new Set(m.map(modelIdOf)).size === m.length, { error: 'expected model names without duplicates' }),
    ),
  ),
  retry: schemaOnFirstUse(() => z.optional(z.union([retrySchema(), z.literal(false)], { error: 'expected retry options or false' }))),
  breaker: schemaOnFirstUse(() => z.optional(z.union([breakerSchema(), z.literal(false)], { error: 'expected breaker options or false' }))),
  timeoutMs: schemaOnFirstUse(() => z.optional(positiveMs())),
  adaptiveTimeout: schemaOnFirstUse(() =>
    // A floor you set is held to the cap, given or at its default: above it, it would never apply.
    // (A cap you set below the default floor is simply the cap: the cap wins.)
    z.optional(z.union([adaptiveTimeoutSchema(), z.literal(false)], { error: 'expected adaptive timeout options or false' }).check(z.refine((a) => a === false ||
      a.minTimeoutMs === undefined || a.minTimeoutMs <= (a.maxTimeoutMs ?? ADAPTIVE_TIMEOUT_DEFAULTS.maxTimeoutMs), {
        error: `expected minTimeoutMs <= maxTimeoutMs (by default ${ADAPTIVE_TIMEOUT_DEFAULTS.maxTimeoutMs})`,
      }))),
  ),
  budget: schemaOnFirstUse(() => z.optional(budgetOptionsSchema())),
  monitor: schemaOnFirstUse(() => z.optional(z.union([monitorSchema(), z.literal(false)], { error: 'expected monitor options or false' }))),
  stream: schemaOnFirstUse(() => z.optional(streamOptionsSchema())),
  limits: schemaOnFirstUse(() => z.optional(limitsSchema())),
  shared: schemaOnFirstUse(() =>
    z.optional(z.strictObject({
        budgetStore: z.optional(fn<(deps: SharedDeps) => BudgetStore>('a function (deps) => BudgetStore')),
        limiter: z.optional(fn<(deps: SharedDeps) => Limiter>('a function (deps) => Limiter')),
        breaker: z.optional(fn<(deps: SharedDeps) => SharedBreaker>('a function (deps) => SharedBreaker')),
      })),
  ),
  content: schemaOnFirstUse(() => z.optional(contentSchema())),
  hedge: schemaOnFirstUse(() => z.optional(z.union([hedgeSchema(), z.literal(false)], { error: 'expected hedge options or false' }))),
  conditions: schemaOnFirstUse(() => z.optional(conditionsSchema())),
  clock: schemaOnFirstUse(() => z.optional(clockSchema())),
  random: schemaOnFirstUse(() => z.optional(fn<RandomSource>('a function returning a number in [0, 1)'))),
  onListenerError: schemaOnFirstUse(() => z.optional(fn<(error: unknown, event: string) => void>('a function (error, event) => void'))),
};

type Parts = typeof coreOptionParts;
/** Every option's schema (building all of them). */
export const coreOptionShape = (): { [K in keyof Parts]: ReturnType<Parts[K]> } =>
  Object.fromEntries(Object.entries(coreOptionParts).map(([key, part]) => [key, part()])) as { [K in keyof Parts]: ReturnType<Parts[K]> };
