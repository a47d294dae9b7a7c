import type { Clock, RandomSource } from '../clock/clock.js';
import type { BudgetOptions } from '../budget/options.js';
import { BREAKER_DEFAULTS, type ResolvedBreaker } from '../breaker/options.js';
import type { Conditions } from '../fallback/conditions.js';
import type { ContentOptions } from '../fallback/content-options.js';
import { HEDGE_DEFAULTS, type ResolvedHedge } from '../fallback/hedge-options.js';
import type { LimitsOptions } from '../limits/options.js';
import type { MonitorOptions } from '../monitor/options.js';
import { withDefaults } from '../options/validate.js';
import { ADAPTIVE_TIMEOUT_DEFAULTS, type ResolvedAdaptiveTimeout, type ResolvedRetry, resolveRetry } from '../retry/options.js';
import type { StreamOptions } from '../stream/options.js';
import { type EntryLike, type ResolvedDeployment, type TargetOptions, resolveDeployments } from '../deployments/resolve.js';
import { type ResilientClientOptions, type SharedStateOptions, modelIdOf } from './options.js';
import { checkClientOptions } from './check-options.js';

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
  const o = checkClientOptions(options);
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
