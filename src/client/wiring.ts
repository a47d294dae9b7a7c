import { BudgetManager, budgetNow } from '../budget/manager.js';
import { type Clock, systemClock, systemRandom } from '../clock/clock.js';
import { type Callbacks, keepAbortListener } from '../clock/signals.js';
import { Deadlines } from '../clock/deadlines.js';
import { EventBus } from '../events/events.js';
import { type Limiter, createLimiter } from '../limits/limiter.js';
import { WAITS_BY_DEFAULT } from '../limits/options.js';
import { Monitor } from '../monitor/monitor.js';
import { RetryBudget } from '../retry/budget.js';
import type { PipelineDeps } from './deps.js';
import type { ResilienceEvents } from './events-map.js';
import { PATIENCE_SHARES, Patience } from './patience.js';
import { ModelStates } from './model-state.js';
import type { SharedDeps } from './options.js';
import type { ResolvedClientOptions } from './resolve.js';
import { callEstimate, reportListenerError, tee } from './support.js';
import { UsageWeights } from './weights.js';

/** The policies a client composes, built once from its resolved options. */
export interface Wired {
  readonly clock: Clock;
  readonly bus: EventBus<ResilienceEvents>;
  readonly monitor: Monitor | undefined;
  readonly budget: BudgetManager | undefined;
  readonly limiter: Limiter;
  readonly retryBudget: RetryBudget | undefined;
  /** Breakers, headers and kept models, per model and per deployment. */
  readonly states: ModelStates;
  readonly deps: PipelineDeps;
  /**
   * Whether a call can wait outside an attempt (limiter, budget store, shared
   * state). Without any of them dispose reaches a call through its attempt or
   * its backoff wait, and `run` adds nothing of its own.
   */
  readonly waitsOutsideAttempts: boolean;
}

/** Builds the bus, monitor, budget, limiter, retry budget and per-model state, and the pipeline's view of them. */
export function wireClient(o: ResolvedClientOptions, disposeSignal: AbortSignal, onDispose: Callbacks<unknown>): Wired {
  const clock = o.clock ?? systemClock;
  // Attempts with a deadline link to the dispose signal: one listener for the client's life, none added per call.
  keepAbortListener(disposeSignal);
  const bus = new EventBus<ResilienceEvents>(o.onListenerError ?? reportListenerError);
  const monitor = o.monitor === false ? undefined : new Monitor(o.monitor, { clock, events: bus });
  const sharedDeps = { clock, emitter: bus as unknown as SharedDeps['emitter'] };
  const budgetStore = o.shared?.budgetStore?.(sharedDeps);
  // The budget's events also feed the monitor (usage, and the budget alert rule).
  const budget = o.budget ? new BudgetManager(budgetStore ? { ...o.budget, store: budgetStore } : o.budget, { clock, emitter: tee(bus, monitor) }) : undefined;
  const shared = o.shared?.breaker?.(sharedDeps);
  const limiter = o.shared?.limiter?.(sharedDeps) ?? createLimiter(o.limits, { clock, emitter: bus });
  // One ledger per model and deployment, on the client's budget options (or the first override's when retry is off client-wide).
  const budgetOptions = o.retry ? o.retry.budget : [...o.targets.values()].map((t) => t.retry?.budget).find((b) => b);
  const retryBudget = budgetOptions
    ? new RetryBudget(budgetOptions, clock, (t, c) => {
        if (!bus.wants('retry:throttled')) return;
        bus.emit('retry:throttled', { timestamp: clock.now(), ...(c?.taskId !== undefined ? { taskId: c.taskId } : {}), ...t, ...(c?.attempt !== undefined ? { attempt: c.attempt } : {}), kind: c?.kind ?? 'retry', ...(c?.reason !== undefined ? { reason: c.reason } : {}) });
      })
    : undefined;
  // Priced like a call with no request: the default estimate until the model's real usage is known.
  // Buckets shared between processes weigh output at the longest answer (the provider's hold, as near as known).
  const weights = limiter.enabled ? new UsageWeights(callEstimate(undefined, undefined), { longestOutput: o.shared?.limiter !== undefined }) : undefined;
  const { models, providers, deployments, targets } = o;
  const states = new ModelStates({ clock, bus, monitor, limiter, retryBudget, shared, breaker: o.breaker, timeoutMs: o.timeoutMs, models, providers, deployments, targets, weights: () => weights });
  const deps: PipelineDeps = {
    clock,
    random: o.random ?? systemRandom,
    bus,
    topics: { attempt: bus.topic('attempt'), success: bus.topic('success') },
    retry: o.retry,
    retryFor: targets.size === 0 ? undefined : (key) => (targets.has(key) ? targets.get(key)!.retry : o.retry),
    timeoutFor: targets.size === 0 ? undefined : (key) => targets.get(key)?.timeoutMs,
    retryBudget,
    adaptiveTimeout: o.adaptiveTimeout,
    stream: o.stream,
    budget,
    monitor,
    limiter,
    weights,
    // Calls may wait past `maxWaitMs` to learn their callers' patience only when it is our limiter's default (decision 0060);
    // processes sharing our limiter on Redis share the aborts it is learned from (decision 0066).
    patience: o.limits?.learnPatience === false ? undefined : new Patience(WAITS_BY_DEFAULT.has(limiter), PATIENCE_SHARES.get(limiter)),
    disposeSignal,
    onDispose,
    deadlines: new Deadlines(clock),
    breakerFor: (key) => states.breakerFor(key),
    breakerState: (key) => states.breakerState(key),
    onAccountStop: (key, error, cls, chain) => states.accountStop(key, error, cls, chain),
    sharedCheck: shared ? (key) => states.sharedCheck(key) : undefined,
    probeEnded: (key, probe, ok) => states.probeEnded(key, probe, ok),
  };
  // A budget on the in-memory store reserves and settles synchronously: it never holds a call between attempts.
  const budgetWaits = budget !== undefined && !budgetNow.answersNow(budget);
  // The local limiter's waits end on dispose by themselves (its queue is stopped with the client, the caller's
  // signal reaches them): only a limiter of shared state, which waits on a store, needs the call raced.
  const limiterWaits = limiter.enabled && o.shared?.limiter !== undefined;
  return { clock, bus, monitor, budget, limiter, retryBudget, states, deps, waitsOutsideAttempts: budgetWaits || shared !== undefined || limiterWaits };
}
