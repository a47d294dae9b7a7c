import { z } from 'zod';
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
import { type ResilientClientOptions, type SharedStateOptions, coreOptionShape, modelIdOf } from './options.js';

export const clientOptionsSchema = z.lazy(() => z.strictObject(coreOptionShape()));

export interface ResolvedClientOptions {
  readonly models: readonly string[];
  /** The provider named by each `{ model, provider }` entry. */
  readonly providers: ReadonlyMap<string, string>;
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
  const o = validateOptions(clientOptionsSchema, options);
  return Object.freeze({
    models: Object.freeze(o.models.map(modelIdOf)),
    providers: new Map(o.models.flatMap((m) => (typeof m === 'string' ? [] : [[m.model, m.provider] as const]))),
    retry: o.retry === false ? undefined : resolveRetry(o.retry),
    breaker: o.breaker === false ? undefined : withDefaults(BREAKER_DEFAULTS, o.breaker),
    timeoutMs: o.timeoutMs,
    adaptiveTimeout: o.adaptiveTimeout === false ? undefined : withDefaults(ADAPTIVE_TIMEOUT_DEFAULTS, o.adaptiveTimeout),
    budget: o.budget as BudgetOptions | undefined,
    monitor: o.monitor as MonitorOptions | false | undefined,
    stream: o.stream as StreamOptions | undefined,
    limits: o.limits as LimitsOptions | undefined,
    shared: o.shared as SharedStateOptions | undefined,
    content: o.content as ContentOptions | undefined,
    hedge: o.hedge === undefined || o.hedge === false ? undefined : withDefaults(HEDGE_DEFAULTS, o.hedge),
    conditions: o.conditions === undefined ? undefined : Object.freeze({ ...o.conditions }),
    clock: o.clock,
    random: o.random,
    onListenerError: o.onListenerError,
  });
}
