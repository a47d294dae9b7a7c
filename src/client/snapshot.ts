import type { BreakerInfo } from '../breaker/breaker.js';
import type { RateLimitInfo } from '../classify/ratelimit-headers.js';
import type { ResolvedDeployment } from '../deployments/resolve.js';
import type { BreakerState } from '../events/events.js';
import type { Health } from '../monitor/events.js';
import type { Limiter, ModelLimitSnapshot } from '../limits/limiter.js';
import type { Monitor } from '../monitor/monitor.js';
import type { MonitorSnapshot } from '../monitor/snapshot.js';
import { derivedTimeoutMs } from '../retry/deadline.js';
import type { RetryBudget, RetryBudgetState } from '../retry/budget.js';
import type { ResolvedAdaptiveTimeout } from '../retry/options.js';
import type { ModelStates } from './model-state.js';

/** One deployment of a model, as `client.snapshot()` shows it: no client, key or URL. */
export interface DeploymentInfo {
  readonly id: string;
  /** The model name its requests carry. */
  readonly model: string;
  readonly weight: number;
  readonly priority: number;
  readonly breaker: BreakerState;
  readonly health: Health;
}

/** Everything `client.snapshot()` returns: plain, JSON-serializable data. */
export interface ClientSnapshot {
  readonly timestamp: number;
  readonly models: readonly string[];
  /** Breakers by model, and by deployment id for models with deployments. */
  readonly breakers: Readonly<Record<string, BreakerInfo>>;
  /** The attempt deadline derived for each model (or deployment) with enough samples (absent without `adaptiveTimeout` or the monitor). */
  readonly attemptDeadlines?: Readonly<Record<string, number>>;
  /** Each called model's (or deployment's) retry budget (absent when retry or its budget is off). */
  readonly retryBudget?: Readonly<Record<string, RetryBudgetState>>;
  readonly monitor?: MonitorSnapshot;
  /** The latest rate-limit headers per model (or deployment). */
  readonly rateLimits: Readonly<Record<string, RateLimitInfo>>;
  /** Admission per model or deployment (buckets, calls in flight and waiting, a 429 hold), for those with limits or headers. */
  readonly limits: Readonly<Record<string, ModelLimitSnapshot>>;
  /** The deployments of each model that has some (absent when none has). */
  readonly deployments?: Readonly<Record<string, readonly DeploymentInfo[]>>;
}

export interface SnapshotParts {
  readonly models: readonly string[];
  readonly states: ModelStates;
  readonly deployments: ReadonlyMap<string, readonly ResolvedDeployment[]>;
  readonly limiter: Limiter;
  readonly monitor: Monitor | undefined;
  readonly retryBudget: RetryBudget | undefined;
  readonly adaptiveTimeout: ResolvedAdaptiveTimeout | undefined;
}

/** Assembles the client's snapshot at `now`. */
export function buildSnapshot(p: SnapshotParts, now: number, options: { process?: boolean }): ClientSnapshot {
  const breakers: Record<string, BreakerInfo> = {};
  for (const [key, b] of p.states.breakers) breakers[key] = b.info(now);
  return {
    timestamp: now,
    models: p.models,
    breakers,
    ...(p.retryBudget ? { retryBudget: p.retryBudget.snapshot(now) } : {}),
    ...(p.adaptiveTimeout && p.monitor ? { attemptDeadlines: attemptDeadlines(p.states.configuredKeys, p.monitor, p.adaptiveTimeout) } : {}),
    rateLimits: Object.fromEntries(p.states.rateLimits),
    limits: p.limiter.snapshot(),
    ...(p.monitor ? { monitor: p.monitor.snapshot(options) } : {}),
    ...(p.deployments.size > 0 ? { deployments: deploymentInfos(p) } : {}),
  };
}

function attemptDeadlines(keys: readonly string[], monitor: Monitor, adaptive: ResolvedAdaptiveTimeout): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) {
    const ms = derivedTimeoutMs(monitor.latencyBaseline(key), adaptive);
    if (ms !== undefined) out[key] = ms;
  }
  return out;
}

function deploymentInfos(p: SnapshotParts): Record<string, readonly DeploymentInfo[]> {
  const out: Record<string, readonly DeploymentInfo[]> = {};
  for (const [model, list] of p.deployments) {
    out[model] = list.map((d) => ({ id: d.id, model: d.wire, weight: d.weight, priority: d.priority, breaker: p.states.breakerState(d.id), health: p.monitor?.health(d.id) ?? 'healthy' }));
  }
  return out;
}
