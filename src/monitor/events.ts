import type { BreakerState, EventBase } from '../events/events.js';
import type { AlertLevel } from './options.js';

export type Health = 'healthy' | 'degraded' | 'unhealthy';

/** The outcome of one attempt, as the monitor counts it. */
export type AttemptOutcome = 'success' | 'error' | 'timeout' | 'rate_limited';

export interface HealthChangeEvent extends EventBase {
  readonly model: string;
  readonly from: Health;
  readonly to: Health;
  /** Human-readable causes of `to`, e.g. `error rate 34% ≥ 30% over 5m`. Empty when healthy. */
  readonly reasons: readonly string[];
  /** Failure share over the health window (0..1), when the window has enough calls. */
  readonly errorRate?: number;
  /** p95 latency over the health window, when known. */
  readonly p95LatencyMs?: number;
  readonly breaker: BreakerState;
}

export interface AnomalyEvent extends EventBase {
  readonly model: string;
  readonly metric: 'latency' | 'error_rate';
  /** The interval's value: mean latency in ms, or failure share 0..1. */
  readonly value: number;
  /** The EWMA baseline before this interval. */
  readonly baseline: number;
  /** How many standard deviations above the baseline (EWMA method only). */
  readonly zScore?: number;
  /** `ewma`: z-score against the model's own baseline; `threshold`: a configured fixed limit. */
  readonly method: 'ewma' | 'threshold';
  readonly threshold: number;
  readonly intervalMs: number;
}

export type AlertRule = 'budget' | 'rate_limits' | 'breaker_open' | 'long_running' | 'anomaly' | 'unhealthy';

export interface AlertEvent extends EventBase {
  readonly level: AlertLevel;
  readonly rule: AlertRule;
  /** Dedupe key: an alert with the same key is not raised again within the cooldown. */
  readonly key: string;
  /** One line for a human, with no prompt, completion or credential in it. */
  readonly message: string;
  readonly model?: string;
  /** Budget scope, for `budget` alerts. */
  readonly scope?: string;
  readonly value?: number;
  readonly threshold?: number;
}

/** Every event the monitor emits, by name; merged into `ResilienceEvents` by the client. */
export interface MonitorEvents {
  'health:change': HealthChangeEvent;
  anomaly: AnomalyEvent;
  alert: AlertEvent;
}

export type MonitorEventName = keyof MonitorEvents;

/** The emitter the monitor is given. It checks `wants` before building any payload. */
export interface MonitorEmitter {
  wants(name: MonitorEventName): boolean;
  emit<K extends MonitorEventName>(name: K, payload: MonitorEvents[K]): void;
}
