import type { BreakerState } from '../events/events.js';
import type { Health } from './events.js';
import type { ResolvedMonitorOptions, RoutingStrategy } from './options.js';

export interface HealthInputs {
  readonly calls: number;
  readonly failures: number;
  readonly p95LatencyMs: number | undefined;
  readonly breaker: BreakerState;
}

export const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
export const fmtMs = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`);

/**
 * Health from thresholds, worst rule wins:
 * - breaker `open` → unhealthy; `half-open` → degraded;
 * - with at least `minCalls` attempts in the window: error rate or p95 latency at
 *   or above the `unhealthy` threshold → unhealthy, at or above `degraded` → degraded.
 *
 * Runs on every recorded attempt, so it allocates nothing; {@link healthReasons}
 * explains the verdict when someone reads it.
 */
export function classifyHealth(i: HealthInputs, h: ResolvedMonitorOptions['health']): Health {
  if (i.breaker === 'open') return 'unhealthy';
  const judged = i.calls >= h.minCalls;
  const rate = judged ? i.failures / i.calls : 0;
  const p95 = judged ? i.p95LatencyMs : undefined;
  if (judged && (rate >= h.unhealthy.errorRate || (p95 !== undefined && p95 >= h.unhealthy.p95LatencyMs))) return 'unhealthy';
  if (i.breaker === 'half-open') return 'degraded';
  if (judged && (rate >= h.degraded.errorRate || (p95 !== undefined && p95 >= h.degraded.p95LatencyMs))) return 'degraded';
  return 'healthy';
}

/** Why {@link classifyHealth} said what it said, one phrase per rule crossed; `over` names what the figures cover (`over 5m`). */
export function healthReasons(i: HealthInputs, h: ResolvedMonitorOptions['health'], over: string): string[] {
  const reasons: string[] = [];
  if (i.breaker !== 'closed') reasons.push(`breaker ${i.breaker}`);
  if (i.calls < h.minCalls) return reasons;
  const rate = i.failures / i.calls;
  const limit = rate >= h.unhealthy.errorRate ? h.unhealthy.errorRate : rate >= h.degraded.errorRate ? h.degraded.errorRate : undefined;
  if (limit !== undefined) reasons.push(`error rate ${pct(rate)} ≥ ${pct(limit)} ${over}`);
  const p95 = i.p95LatencyMs;
  if (p95 !== undefined) {
    const l = p95 >= h.unhealthy.p95LatencyMs ? h.unhealthy.p95LatencyMs : p95 >= h.degraded.p95LatencyMs ? h.degraded.p95LatencyMs : undefined;
    if (l !== undefined) reasons.push(`p95 latency ${fmtMs(p95)} ≥ ${fmtMs(l)} ${over}`);
  }
  return reasons;
}

export interface RankInput {
  readonly model: string;
  readonly health: Health;
  readonly calls: number;
  readonly errorRate: number;
  readonly p50LatencyMs: number | undefined;
}

export interface RankReason {
  readonly model: string;
  /** Lower is better. */
  readonly score: number;
  readonly why: string;
}

export interface Ranking {
  readonly strategy: RoutingStrategy;
  readonly order: readonly string[];
  readonly reasons: readonly RankReason[];
}

const TIER: Record<Health, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * Orders a fallback chain. `fixed` keeps the given order. `healthiest` sorts by
 * health tier, then error rate. `fastest` sorts by health tier, then p50 latency;
 * a model with fewer than `minCalls` attempts has no latency score and goes after
 * measured models of its tier. Ties keep the configured order, so the result is stable.
 */
export function rankModels(inputs: readonly RankInput[], strategy: RoutingStrategy, minCalls: number, windowLabel: string): Ranking {
  const scored = inputs.map((m, index) => {
    const tier = TIER[m.health];
    const measured = m.calls >= minCalls;
    let score = index;
    let why = 'configured order';
    if (strategy === 'healthiest') {
      const rate = measured ? m.errorRate : 0;
      score = tier * 10 + rate;
      why = measured ? `${m.health}, error rate ${pct(rate)} over ${windowLabel}` : `${m.health}, fewer than ${minCalls} calls over ${windowLabel}`;
    } else if (strategy === 'fastest') {
      const p50 = measured ? m.p50LatencyMs : undefined;
      // Tier dominates: 1e9 ms is far above any latency a call can have.
      score = tier * 1e9 + (p50 ?? 1e8);
      why = p50 !== undefined ? `${m.health}, p50 latency ${fmtMs(p50)} over ${windowLabel}` : `${m.health}, no latency data over ${windowLabel}`;
    }
    return { model: m.model, score: Math.round(score * 1e4) / 1e4, why, index };
  });
  const sorted = [...scored].sort((a, b) => a.score - b.score || a.index - b.index);
  return {
    strategy,
    order: sorted.map((s) => s.model),
    reasons: sorted.map(({ model, score, why }) => ({ model, score, why })),
  };
}
