import type { BreakerState } from '../events/events.js';
import type { AlertLevel, RoutingStrategy } from './options.js';
import type { Health } from './events.js';
import type { LatencyStats } from './window.js';

export type { LatencyStats } from './window.js';

/** Everything counted for one model over one rolling window. */
export interface WindowSnapshot {
  /** Window label, e.g. `1m`, `5m`, `1h`, `24h`. */
  readonly window: string;
  readonly windowMs: number;
  /** Time actually covered (shorter than the window right after start-up). */
  readonly coveredMs: number;
  readonly calls: number;
  /** Attempts per second over `coveredMs`. */
  readonly throughput: number;
  readonly successes: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly rateLimited: number;
  /**
   * (errors + timeouts) / the attempts the model answered (`calls − rateLimited`), 0 when there was none.
   * A 429 is capacity, not health: rate-limited attempts have their own `rateLimitRate` (of `calls`).
   */
  readonly errorRate: number;
  readonly timeoutRate: number;
  readonly rateLimitRate: number;
  readonly retries: number;
  readonly fallbacksIn: number;
  readonly fallbacksOut: number;
  readonly breakerOpenMs: number;
  /** Share of `coveredMs` the model was not unhealthy (an open breaker makes it unhealthy). */
  readonly uptime: number;
  /** Successful attempts only. */
  readonly latency?: LatencyStats;
  /** Time to first token of streamed calls. */
  readonly ttft?: LatencyStats;
  readonly streams: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
}

export interface ModelSnapshot {
  readonly model: string;
  readonly health: Health;
  readonly healthReasons: readonly string[];
  readonly healthSince: number;
  readonly breaker: BreakerState;
  readonly breakerSince: number;
  /**
   * When the breaker last closed after a successful probe, while the health
   * window still holds attempts from before it: until those age out, `health`
   * judges only the attempts since this time.
   */
  readonly recoveredAt?: number;
  readonly inFlight: number;
  /** Age of the oldest call still running, in ms. */
  readonly oldestInFlightMs?: number;
  readonly windows: readonly WindowSnapshot[];
  /** EWMA baselines the anomaly detector compares against, once warmed up. */
  readonly baseline?: { readonly latencyMs?: number; readonly errorRate?: number };
}

export interface NotableEvent {
  readonly timestamp: number;
  readonly kind: 'alert' | 'health' | 'anomaly' | 'breaker';
  readonly level: AlertLevel;
  readonly model?: string;
  readonly message: string;
}

export interface ProcessSnapshot {
  /** Event-loop delay in ms, when `process.eventLoopDelay` is on. */
  readonly eventLoopDelayMs?: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly rssBytes?: number;
  readonly heapUsedBytes?: number;
  /** CPU time used since the previous sample, as a share of one core (0..n). */
  readonly cpu?: number;
}

export interface TrendEntry {
  readonly model: string;
  readonly calls: number;
  readonly errorRate: number;
  readonly p95LatencyMs?: number;
}

/** Plain, JSON-serializable state of the monitor. */
export interface MonitorSnapshot {
  readonly takenAt: number;
  /** Label of the window the report's table reads (the health window). */
  readonly primaryWindow: string;
  readonly routing: RoutingStrategy;
  readonly thresholds: {
    readonly minCalls: number;
    readonly degraded: { readonly errorRate: number; readonly p95LatencyMs: number };
    readonly unhealthy: { readonly errorRate: number; readonly p95LatencyMs: number };
    readonly budget: number;
  };
  readonly models: readonly ModelSnapshot[];
  /** Budget scopes seen by the alert rule: `fraction` of the limit used (may pass 1 with `warn-only`), `refused` calls it had no room for. */
  readonly budgets: readonly { readonly scope: string; readonly fraction: number; readonly refused: number; readonly updatedAt: number }[];
  /** Most recent first. */
  readonly recent: readonly NotableEvent[];
  readonly process?: ProcessSnapshot;
  /** The same figures for the period before, when the report covers a log (CLI). */
  readonly previous?: { readonly window: string; readonly models: readonly TrendEntry[] };
  /** Lines of the log that could not be read (CLI). */
  readonly malformedLines?: number;
}

/** `60000` → `1m`, `5400000` → `90m`, `86400000` → `24h`. */
export function windowLabel(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
