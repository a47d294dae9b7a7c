import { z } from 'zod/mini';
import { schemaOnFirstUse } from '../options/schema-helpers.js';
import type { Clock, RandomSource } from '../clock/clock.js';
import type { BudgetOptions } from '../budget/options.js';
import { BREAKER_DEFAULTS, type ResolvedBreaker } from '../breaker/options.js';
import type { Conditions } from '../fallback/conditions.js';
import type { ContentOptions } from '../fallback/content-options.js';
import { HEDGE_DEFAULTS, type ResolvedHedge } from '../fallback/hedge-options.js';
import type { LimitsOptions } from '../limits/options.js';
import type { MonitorOptions } from '../monitor/options.js';
import { validateOptions, withDefaults } from '../options/validate.js';
import { ADAPTIVE_TIMEOUT_DEFAULTS, type ResolvedAdaptiveTimeout, type ResolvedRetry, resolveRetry } from '../retry/options.js';
import type { StreamOptions } from '../stream/options.js';
import { type EntryLike, type ResolvedDeployment, type TargetOptions, resolveDeployments } from '../deployments/resolve.js';
import { type ResilientClientOptions, type SharedStateOptions, coreOptionParts, coreOptionShape, modelIdOf } from './options.js';

/** The whole options schema (every option's schema built). */
export const clientOptionsSchema = schemaOnFirstUse(() => z.strictObject(coreOptionShape()));

/*
 * Building a schema costs far more than checking a value with it: every
 * option's schema together is about 25 ms of CPU on Node 20, paid by the
 * first client of a cold start. So a client's options are checked against the
 * schemas of the keys they set; every other known key is checked only to be
 * absent. The object stays strict and knows every name, so an unknown key is
 * still refused with the same "did you mean" suggestion.
 */
const absent = schemaOnFirstUse(() => z.optional(z.undefined()));
const OPTION_KEYS = Object.keys(coreOptionParts) as (keyof typeof coreOptionParts)[];
const byKeySet = new Map<string, z.ZodMiniType>();
const MAX_KEY_SETS = 64;

function clientSchemaFor(input: unknown): z.ZodMiniType {
  if (typeof input !== 'object' || input === null) return clientOptionsSchema();
  let set: (keyof typeof coreOptionParts)[];
  try {
    set = OPTION_KEYS.filter((key) => key === 'models' || key in input); // `models` is required: always checked
  } catch {
    return clientOptionsSchema(); // a Proxy that throws: validateOptions names the path
  }
  const id = set.join(',');
  let schema = byKeySet.get(id);
  if (schema === undefined) {
    const given = new Set<string>(set);
    schema = z.strictObject(Object.fromEntries(OPTION_KEYS.map((key) => [key, given.has(key) ? coreOptionParts[key]() : absent()])));
    if (byKeySet.size >= MAX_KEY_SETS) byKeySet.clear();
    byKeySet.set(id, schema);
  }
  return schema;
}

export interface ResolvedClientOptions {
  readonly models: readonly string[];
  /** The provider named by each `{ model, provider }` entry. */
  readonly providers: ReadonlyMap<string, string>;
  /** The deployments of each model that has some. */
  readonly deployments: ReadonlyMap<string, readonly ResolvedDeployment[]>;
  /** Retry, breaker and timeout of each model or deployment id that sets its own. */
  readonly targets: ReadonlyMap<string, TargetOptions>;
  readonly retry: ResolvedRetry | undefined;
  readonly breaker: ResolvedBreaker | undefined;
  readonly timeoutMs: number | undefined;
  readonly adaptiveTimeout: ResolvedAdaptiveTimeout | undefined;
  readonly budget: BudgetOptions | undefined;
  readonly monitor: MonitorOptions | false | undefined;
  readonly stream: StreamOptions | undefined;
  readonly limits: LimitsOptions | undefined;
  readonly shared: SharedStateOptions | undefined;
  readonly content: ContentOptions | undefined;
  readonly hedge: ResolvedHedge | undefined;
  readonly conditions: Conditions | undefined;
  readonly clock: Clock | undefined;
  readonly random: RandomSource | undefined;
  readonly onListenerError: ((error: unknown, event: string) => void) | undefined;
}

/** Validates once, fills defaults, freezes. Throws ConfigError naming every bad option. */
export function resolveClientOptions(options: ResilientClientOptions): ResolvedClientOptions {
  const o = validateOptions(clientSchemaFor(options), options) as z.output<ReturnType<typeof clientOptionsSchema>>;
  const models = o.models.map(modelIdOf);
  const entries = o.models.filter((m): m is Exclude<typeof m, string> => typeof m !== 'string');
  const d = resolveDeployments(o.models as readonly (string | EntryLike)[], models, { retry: o.retry, breaker: o.breaker, timeoutMs: o.timeoutMs, limits: o.limits as LimitsOptions | undefined });
  return Object.freeze({
    models: Object.freeze(models),
    providers: new Map(entries.flatMap((m) => (m.provider === undefined ? [] : [[m.model, m.provider] as const]))),
    deployments: d.deployments,
    targets: d.targets,
    retry: o.retry === false ? undefined : resolveRetry(o.retry),
    breaker: o.breaker === false ? undefined : withDefaults(BREAKER_DEFAULTS, o.breaker),
    timeoutMs: o.timeoutMs,
    adaptiveTimeout: o.adaptiveTimeout === false ? undefined : withDefaults(ADAPTIVE_TIMEOUT_DEFAULTS, o.adaptiveTimeout),
    budget: o.budget as BudgetOptions | undefined,
    monitor: o.monitor as MonitorOptions | false | undefined,
    stream: o.stream as StreamOptions | undefined,
    limits: d.limits,
    shared: o.shared as SharedStateOptions | undefined,
    content: o.content as ContentOptions | undefined,
    hedge: o.hedge === undefined || o.hedge === false ? undefined : withDefaults(HEDGE_DEFAULTS, o.hedge),
    conditions: o.conditions === undefined ? undefined : Object.freeze({ ...o.conditions }),
    clock: o.clock,
    random: o.random,
    onListenerError: o.onListenerError,
  });
}
