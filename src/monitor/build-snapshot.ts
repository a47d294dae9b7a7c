import type { ModelState } from './model-state.js';
import type { ResolvedMonitorOptions } from './options.js';
import { type ModelSnapshot, type MonitorSnapshot, type NotableEvent, type ProcessSnapshot, type WindowSnapshot, windowLabel } from './snapshot.js';
import { type Ring, latencyStats } from './window.js';

export interface SnapshotInputs {
  readonly now: number;
  readonly options: ResolvedMonitorOptions;
  readonly models: ReadonlyMap<string, ModelState>;
  readonly inFlight: ReadonlyMap<string, { count: number; oldest: number }>;
  readonly budgets: ReadonlyMap<string, { fraction: number; refused: number; updatedAt: number }>;
  readonly recent: readonly NotableEvent[];
  /** The replay's exact period window: then it is the primary window. */
  readonly period: number | undefined;
  readonly process: ProcessSnapshot | undefined;
  readonly reasons: (s: ModelState) => string[];
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0);

function windowSnapshot(ring: Ring, s: ModelState, now: number, accuracy: number, exact: boolean): WindowSnapshot {
  const c = ring.counts(now);
  // Open or unhealthy spells still running count up to now.
  const from = ring.start(now);
  const running = (since: number | undefined) => (since === undefined ? 0 : Math.max(0, now - Math.max(since, from)));
  const breakerOpenMs = c.breakerOpenMs + running(s.openSince);
  const unhealthyMs = c.unhealthyMs + running(s.unhealthySince);
  // A replayed period covers all of itself, however late its first event came.
  const covered = exact ? ring.windowMs : Math.max(0, now - Math.max(from, s.createdAt));
  // Rate-limited attempts are not errors: they have their own rate.
  const failures = c.errors + c.timeouts;
  const latency = latencyStats(ring.merged(now, 'latency', accuracy));
  const ttft = latencyStats(ring.merged(now, 'ttft', accuracy));
  return {
    window: windowLabel(ring.windowMs),
    windowMs: ring.windowMs,
    coveredMs: covered,
    calls: c.calls,
    // Below one second of history a rate means little: divide by at least 1 s.
    throughput: Math.round((c.calls / Math.max(1, covered / 1000)) * 1e6) / 1e6,
    successes: c.successes,
    errors: c.errors,
    timeouts: c.timeouts,
    rateLimited: c.rateLimited,
    errorRate: ratio(failures, c.calls - c.rateLimited),
    timeoutRate: ratio(c.timeouts, c.calls),
    rateLimitRate: ratio(c.rateLimited, c.calls),
    retries: c.retries,
    fallbacksIn: c.fallbacksIn,
    fallbacksOut: c.fallbacksOut,
    breakerOpenMs,
    uptime: covered > 0 ? Math.max(0, 1 - ratio(Math.min(unhealthyMs, covered), covered)) : 1,
    ...(latency ? { latency } : {}),
    ...(ttft ? { ttft } : {}),
    streams: c.streams,
    inputTokens: c.inputTokens,
    outputTokens: c.outputTokens,
    costUsd: Math.round(c.costUsd * 1e6) / 1e6,
  };
}

export function buildSnapshot(i: SnapshotInputs): MonitorSnapshot {
  const { now, options: o } = i;
  const models: ModelSnapshot[] = [...i.models.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([model, s]) => {
      const fl = i.inFlight.get(model);
      const lat = s.anomaly?.latency;
      const err = s.anomaly?.errorRate;
      const warm = o.anomaly?.warmupIntervals ?? Infinity;
      const baseline = {
        ...(lat && lat.n >= warm ? { latencyMs: Math.round(lat.mean) } : {}),
        ...(err && err.n >= warm ? { errorRate: Math.round(err.mean * 10_000) / 10_000 } : {}),
      };
      return {
        model,
        health: s.health,
        healthReasons: i.reasons(s),
        healthSince: s.healthSince,
        breaker: s.breaker,
        breakerSince: s.breakerSince,
        ...(s.recoveredAt !== undefined ? { recoveredAt: s.recoveredAt } : {}),
        inFlight: fl?.count ?? 0,
        ...(fl ? { oldestInFlightMs: now - fl.oldest } : {}),
        windows: i.period === undefined
          ? s.rings.map((r) => windowSnapshot(r, s, now, o.relativeAccuracy, false))
          : // The exact period first; a rolling window of the same length would only repeat its label.
            [s.rings.at(-1)!, ...s.rings.slice(0, -1).filter((r) => r.windowMs !== i.period)].map((r, k) => windowSnapshot(r, s, now, o.relativeAccuracy, k === 0)),
        ...(Object.keys(baseline).length > 0 ? { baseline } : {}),
      };
    });
  return {
    takenAt: now,
    primaryWindow: windowLabel(i.period ?? o.health.windowMs),
    routing: o.routing,
    thresholds: {
      minCalls: o.health.minCalls,
      degraded: { ...o.health.degraded },
      unhealthy: { ...o.health.unhealthy },
      budget: o.rules.budget?.threshold ?? 0.9,
    },
    models,
    budgets: [...i.budgets.entries()].map(([scope, b]) => ({ scope, fraction: b.fraction, refused: b.refused, updatedAt: b.updatedAt })),
    recent: [...i.recent].reverse(),
    ...(i.process ? { process: i.process } : {}),
  };
}
