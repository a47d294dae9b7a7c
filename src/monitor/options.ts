import * as z from '../options/zod.js';
import { positiveInt, positiveMs, schemaOnFirstUse } from '../options/schema-helpers.js';
import { validateOptions } from '../options/validate.js';

export type AlertLevel = 'info' | 'warning' | 'error' | 'critical';
export type RoutingStrategy = 'fixed' | 'healthiest' | 'fastest';

export interface HealthThresholds {
  /** Share of failed attempts (error + timeout + rate limited), 0..1. */
  readonly errorRate?: number | undefined;
  /** p95 latency of successful attempts, in ms. */
  readonly p95LatencyMs?: number | undefined;
}

export interface HealthOptions {
  /** Window the health rules read; must be one of `windows`. @default 300_000 (5 min) when it is one of `windows`, else the longest */
  readonly windowMs?: number | undefined;
  /** Attempts needed in the window before error rate and latency are judged. @default 10 */
  readonly minCalls?: number | undefined;
  /** Crossing any of these makes a model `degraded`. @default { errorRate: 0.1, p95LatencyMs: 15_000 } */
  readonly degraded?: HealthThresholds | undefined;
  /** Crossing any of these makes a model `unhealthy`. @default { errorRate: 0.3, p95LatencyMs: 30_000 } */
  readonly unhealthy?: HealthThresholds | undefined;
  /** Percentiles for health are recomputed at most this often per model (error rates on every call). @default 1_000 */
  readonly latencyRefreshMs?: number | undefined;
}

export interface AnomalyOptions {
  /** Samples are aggregated per interval; each closed interval is compared to the baseline. @default 30_000 */
  readonly intervalMs?: number | undefined;
  /** EWMA smoothing factor for baseline mean and variance. @default 0.2 */
  readonly alpha?: number | undefined;
  /** Upward z-score that counts as an anomaly. @default 3 */
  readonly zThreshold?: number | undefined;
  /** Intervals folded into the baseline before anomalies are reported. @default 5 */
  readonly warmupIntervals?: number | undefined;
  /** Attempts an interval needs to be judged. @default 3 */
  readonly minCalls?: number | undefined;
  /** Fixed thresholds() that fire whatever the baseline (interval mean latency, interval error rate). */
  readonly fixed?: { readonly latencyMs?: number | undefined; readonly errorRate?: number | undefined } | undefined;
}

/** A rule's level and optional cooldown; `false` turns the rule off. */
export interface RuleBase {
  readonly level?: AlertLevel | undefined;
  /** Overrides `alerts.cooldownMs` for this rule. */
  readonly cooldownMs?: number | undefined;
}

export interface AlertRules {
  /** Budget use at or above `threshold` (0..1). @default { threshold: 0.9, level: 'warning' } (≥ 1 raises `error`) */
  readonly budget?: (RuleBase & { readonly threshold?: number | undefined }) | false | undefined;
  /** `count` rate-limited attempts on one model within `windowMs`. @default { count: 5, windowMs: 60_000, level: 'warning' } */
  readonly rateLimits?: (RuleBase & { readonly count?: number | undefined; readonly windowMs?: number | undefined }) | false | undefined;
  /** A model's breaker opened. @default { level: 'error' } */
  readonly breakerOpen?: RuleBase | false | undefined;
  /** A call still running after `thresholdMs`. @default { thresholdMs: 120_000, level: 'warning' } */
  readonly longRunning?: (RuleBase & { readonly thresholdMs?: number | undefined }) | false | undefined;
  /** An `anomaly` event. @default { level: 'warning' } */
  readonly anomaly?: RuleBase | false | undefined;
  /** A model became unhealthy. @default { level: 'error' } */
  readonly unhealthy?: RuleBase | false | undefined;
}

export interface MonitorOptions {
  /** Rolling windows, in ms. @default [60_000, 300_000, 3_600_000] */
  readonly windows?: readonly number[] | undefined;
  /**
   * Buckets per window. A window of W reports between W − W/buckets and W of history:
   * nothing older than W is ever counted. @default 6
   */
  readonly buckets?: number | undefined;
  /** Relative accuracy of the percentiles' sketches (DDSketch's algorithm). @default 0.01 */
  readonly relativeAccuracy?: number | undefined;
  readonly health?: HealthOptions | undefined;
  /** How {@link Monitor.rank} orders models by default. @default 'fixed' */
  readonly routing?: RoutingStrategy | undefined;
  /** `false` turns anomaly detection off. */
  readonly anomaly?: AnomalyOptions | false | undefined;
  readonly alerts?: {
    /** The same alert key is not raised again within this time. @default 300_000 */
    readonly cooldownMs?: number | undefined;
    readonly rules?: AlertRules | undefined;
  } | undefined;
  /** Notable events kept for the snapshot and report. @default 50 */
  readonly recentEvents?: number | undefined;
  /** Process signals: `eventLoopDelay: true` keeps a libuv event-loop-delay histogram running. */
  readonly process?: { readonly eventLoopDelay?: boolean | undefined } | undefined;
}

const fraction = () =>
  z.number({ error: 'expected a fraction between 0 and 1' }).check(z.gte(0, { error: 'expected a fraction between 0 and 1' }), z.lte(1, { error: 'expected a fraction between 0 and 1' }));
const level = () => z.enum(['info', 'warning', 'error', 'critical'], { error: "expected 'info', 'warning', 'error' or 'critical'" });
const rule = <S extends z.core.$ZodLooseShape>(shape: S) =>
  z.optional(z.union([z.strictObject({ level: z.optional(level()), cooldownMs: z.optional(positiveMs()), ...shape }), z.literal(false)], { error: 'expected rule options or false' }));
const thresholds = schemaOnFirstUse(() => z.strictObject({ errorRate: z.optional(fraction()), p95LatencyMs: z.optional(positiveMs()) }));

export const monitorSchema = schemaOnFirstUse(() => z.strictObject({
    windows: z.optional(z.readonly(z.array(positiveMs(), { error: 'expected a non-empty array of window lengths in ms' }).check(z.minLength(1, { error: 'expected a non-empty array of window lengths in ms' })))),
    buckets: z.optional(positiveInt().check(z.lte(120, { error: 'expected at most 120' }))),
    relativeAccuracy: z.optional(z.number({ error: 'expected a number in (0, 0.5]' }).check(z.gt(0, { error: 'expected a number in (0, 0.5]' }), z.lte(0.5, { error: 'expected a number in (0, 0.5]' }))),
    health: z.optional(z.strictObject({
        windowMs: z.optional(positiveMs()),
        minCalls: z.optional(positiveInt()),
        degraded: z.optional(thresholds()),
        unhealthy: z.optional(thresholds()),
        latencyRefreshMs: z.optional(positiveMs()),
      })),
    routing: z.optional(z.enum(['fixed', 'healthiest', 'fastest'], { error: "expected 'fixed', 'healthiest' or 'fastest'" })),
    anomaly: z.optional(z.union(
        [
          z.strictObject({
            intervalMs: z.optional(positiveMs()),
            alpha: z.optional(z.number({ error: 'expected a number in (0, 1]' }).check(z.gt(0, { error: 'expected a number in (0, 1]' }), z.lte(1, { error: 'expected a number in (0, 1]' }))),
            zThreshold: z.optional(z.number({ error: 'expected a positive number' }).check(z.gt(0, { error: 'expected a positive number' }))),
            warmupIntervals: z.optional(positiveInt()),
            minCalls: z.optional(positiveInt()),
            fixed: z.optional(z.strictObject({ latencyMs: z.optional(positiveMs()), errorRate: z.optional(fraction()) })),
          }),
          z.literal(false),
        ],
        { error: 'expected anomaly options or false' },
      )),
    alerts: z.optional(z.strictObject({
        cooldownMs: z.optional(positiveMs()),
        rules: z.optional(z.strictObject({
            budget: rule({ threshold: z.optional(fraction()) }),
            rateLimits: rule({ count: z.optional(positiveInt().check(z.lte(1000, { error: 'expected at most 1000' }))), windowMs: z.optional(positiveMs()) }),
            breakerOpen: rule({}),
            longRunning: rule({ thresholdMs: z.optional(positiveMs()) }),
            anomaly: rule({}),
            unhealthy: rule({}),
          })),
      })),
    recentEvents: z.optional(positiveInt().check(z.lte(10_000, { error: 'expected at most 10000' }))),
    process: z.optional(z.strictObject({ eventLoopDelay: z.optional(z.boolean({ error: 'expected a boolean' })) })),
  }).check(z.superRefine((o, ctx) => {
    const windows = o.windows ?? DEFAULT_WINDOWS;
    const w = o.health?.windowMs;
    if (w !== undefined && !windows.includes(w)) {
      ctx.addIssue({ code: 'custom', path: ['health', 'windowMs'], message: `expected one of the windows (${windows.join(', ')})`, input: w });
    }
    const { degraded, unhealthy } = o.health ?? {};
    for (const k of ['errorRate', 'p95LatencyMs'] as const) {
      const d = degraded?.[k] ?? HEALTH_DEFAULTS.degraded[k];
      const u = unhealthy?.[k] ?? HEALTH_DEFAULTS.unhealthy[k];
      if (d > u) ctx.addIssue({ code: 'custom', path: ['health', 'degraded', k], message: `expected at most the unhealthy threshold (${u})`, input: d });
    }
  })));

// Type-level check: the schema accepts exactly the public option type.
type _SchemaMatches = z.input<ReturnType<typeof monitorSchema>> extends MonitorOptions ? (MonitorOptions extends z.input<ReturnType<typeof monitorSchema>> ? true : never) : never;
export const _schemaMatches: _SchemaMatches = true;

const DEFAULT_WINDOWS: readonly number[] = [60_000, 300_000, 3_600_000];
const HEALTH_DEFAULTS = {
  windowMs: 300_000,
  minCalls: 10,
  degraded: { errorRate: 0.1, p95LatencyMs: 15_000 },
  unhealthy: { errorRate: 0.3, p95LatencyMs: 30_000 },
  latencyRefreshMs: 1_000,
};

interface ResolvedRule {
  readonly level: AlertLevel;
  readonly cooldownMs: number;
}
export interface ResolvedMonitorOptions {
  readonly windows: readonly number[];
  readonly buckets: number;
  readonly relativeAccuracy: number;
  readonly health: {
    readonly windowMs: number;
    readonly minCalls: number;
    readonly degraded: Required<HealthThresholds>;
    readonly unhealthy: Required<HealthThresholds>;
    readonly latencyRefreshMs: number;
  };
  readonly routing: RoutingStrategy;
  readonly anomaly: (Required<Omit<AnomalyOptions, 'fixed'>> & { readonly fixed: NonNullable<AnomalyOptions['fixed']> }) | undefined;
  readonly rules: {
    readonly budget: (ResolvedRule & { readonly threshold: number }) | undefined;
    readonly rateLimits: (ResolvedRule & { readonly count: number; readonly windowMs: number }) | undefined;
    readonly breakerOpen: ResolvedRule | undefined;
    readonly longRunning: (ResolvedRule & { readonly thresholdMs: number }) | undefined;
    readonly anomaly: ResolvedRule | undefined;
    readonly unhealthy: ResolvedRule | undefined;
  };
  readonly recentEvents: number;
  readonly eventLoopDelay: boolean;
}

const defined = <T extends object>(o: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

function resolveRule<D extends { level: AlertLevel }>(given: (object & Partial<D>) | false | undefined, defaults: D, cooldownMs: number) {
  if (given === false) return undefined;
  return Object.freeze({ cooldownMs, ...defaults, ...defined(given) }) as D & ResolvedRule;
}

/** Validates once (throws ConfigError naming path, expectation and value), fills defaults, freezes. */
export function resolveMonitorOptions(options: MonitorOptions | undefined, root = 'monitor'): ResolvedMonitorOptions {
  // No options: nothing to check, and no schema to build (a first client's cold start pays for every schema it builds).
  const o = options === undefined ? {} : validateOptions(monitorSchema(), options, root);
  const h = o.health ?? {};
  const cooldownMs = o.alerts?.cooldownMs ?? 300_000;
  const r = o.alerts?.rules ?? {};
  const a = o.anomaly;
  const windows = Object.freeze([...new Set(o.windows ?? DEFAULT_WINDOWS)].sort((x, y) => x - y));
  // Without an explicit health window: 5 min when configured, else the longest window.
  const healthWindowMs = h.windowMs ?? (windows.includes(HEALTH_DEFAULTS.windowMs) ? HEALTH_DEFAULTS.windowMs : windows.at(-1)!);
  return Object.freeze({
    windows,
    buckets: o.buckets ?? 6,
    relativeAccuracy: o.relativeAccuracy ?? 0.01,
    health: Object.freeze({
      ...HEALTH_DEFAULTS,
      ...defined(h),
      windowMs: healthWindowMs,
      degraded: { ...HEALTH_DEFAULTS.degraded, ...defined(h.degraded) },
      unhealthy: { ...HEALTH_DEFAULTS.unhealthy, ...defined(h.unhealthy) },
    }),
    routing: o.routing ?? 'fixed',
    anomaly:
      a === false
        ? undefined
        : Object.freeze({ intervalMs: 30_000, alpha: 0.2, zThreshold: 3, warmupIntervals: 5, minCalls: 3, ...defined(a), fixed: { ...a?.fixed } }),
    rules: Object.freeze({
      budget: resolveRule(r.budget, { level: 'warning' as AlertLevel, threshold: 0.9 }, cooldownMs),
      rateLimits: resolveRule(r.rateLimits, { level: 'warning' as AlertLevel, count: 5, windowMs: 60_000 }, cooldownMs),
      breakerOpen: resolveRule(r.breakerOpen, { level: 'error' as AlertLevel }, cooldownMs),
      longRunning: resolveRule(r.longRunning, { level: 'warning' as AlertLevel, thresholdMs: 120_000 }, cooldownMs),
      anomaly: resolveRule(r.anomaly, { level: 'warning' as AlertLevel }, cooldownMs),
      unhealthy: resolveRule(r.unhealthy, { level: 'error' as AlertLevel }, cooldownMs),
    }),
    recentEvents: o.recentEvents ?? 50,
    eventLoopDelay: o.process?.eventLoopDelay ?? false,
  });
}
