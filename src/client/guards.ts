import type { ModelBreaker } from '../breaker/breaker.js';
import type { Classification } from '../classify/classify.js';
import { TimeoutError } from '../errors/errors.js';
import { derivedTimeoutMs, planAttempt } from '../retry/deadline.js';
import { type RetryVeto, gateRetry } from '../retry/gate.js';
import type { AttemptLimit, CallState } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import type { ResolvedRetry } from '../retry/options.js';

/** What the pipeline needs before an attempt: start it or not, its limit, and what counts as slow. */
export type AttemptGuard =
  | { readonly start: false; readonly error: TimeoutError }
  | { readonly start: true; readonly limit: AttemptLimit | undefined; readonly slowMs: number | undefined };

const NO_GUARD: AttemptGuard = Object.freeze({ start: true, limit: undefined, slowMs: undefined });

/**
 * The attempt's deadline: the caller's `timeoutMs`, else one derived from the
 * monitor's view of the model, never past the call's `deadlineMs`. Slow means
 * longer than half the derived deadline (1.5 × p99 with the defaults).
 * `breaker`: the model try's, the one the attempt runs through.
 */
export function guardAttempt(deps: PipelineDeps, model: string, call: CallState, now: number, breaker: ModelBreaker | undefined): AttemptGuard {
  const adaptive = deps.adaptiveTimeout;
  const deadlineAt = call.deadlineAt;
  const ownMs = call.timeoutMs;
  if (deadlineAt === undefined && ownMs === undefined && (!adaptive || !deps.monitor)) return NO_GUARD;
  const baseline = adaptive ? deps.monitor?.latencyBaseline(model, now) : undefined;
  const derived = derivedTimeoutMs(baseline, adaptive);
  const slowMs = derived !== undefined ? derived / 2 : undefined;
  // Without a call deadline or a probe to cut, the guard depends on the two limits only (the derived one changes
  // at most once per latency refresh): the last one built is reused rather than built per attempt.
  let probeMs: number | undefined;
  if (deadlineAt === undefined) {
    probeMs = probeLimit(breaker, model, call, now, slowMs);
    if (probeMs === undefined) return steadyGuard(ownMs ?? derived, slowMs);
  }
  const median = derived !== undefined ? baseline!.p50 : undefined;
  const plan = planAttempt(now, deadlineAt, ownMs ?? derived, median);
  if (!plan.start) return { start: false, error: new TimeoutError(model, plan.remainingMs, 'Call deadline (too little time left to start)', 'call') };
  let limit: AttemptLimit | undefined = plan.timeoutMs === undefined ? undefined : { ms: plan.timeoutMs, scope: plan.callDeadline ? 'call' : 'attempt' };
  // With a call deadline the breaker is asked only once the attempt may start.
  if (deadlineAt !== undefined) probeMs = probeLimit(breaker, model, call, now, slowMs);
  if (probeMs !== undefined && (limit === undefined || probeMs < limit.ms)) limit = { ms: probeMs, scope: 'attempt' };
  return { start: true, limit, slowMs };
}

/**
 * A half-open probe that runs past "slow" has already failed (a slow probe re-opens the
 * breaker): when the call has a next model, cut it there, so the call moves on and the
 * next probe comes sooner. With no next model the caller's answer is worth the wait.
 */
function probeLimit(breaker: ModelBreaker | undefined, model: string, call: CallState, now: number, slowMs: number | undefined): number | undefined {
  const chain = call.chain;
  if (chain === undefined || chain.indexOf(model) >= chain.length - 1) return undefined;
  return breaker?.state(now) === 'half-open' ? breaker.slowThreshold(slowMs) : undefined;
}

// The guard last built by steadyGuard, and what it was built from: guards are frozen, so any attempt may share one.
let lastMs: number | undefined;
let lastSlowMs: number | undefined;
let lastGuard: AttemptGuard = NO_GUARD;

/** The guard of an attempt limited by `ms` alone (scope `attempt`; none when undefined), slow past `slowMs`. */
function steadyGuard(ms: number | undefined, slowMs: number | undefined): AttemptGuard {
  if (ms === lastMs && slowMs === lastSlowMs) return lastGuard;
  lastMs = ms;
  lastSlowMs = slowMs;
  const limit: AttemptLimit | undefined = ms === undefined ? undefined : Object.freeze({ ms, scope: 'attempt' });
  return (lastGuard = Object.freeze({ start: true, limit, slowMs }));
}

// The models on which a call's retry was refused by the retry budget: its final error says so.
const throttled = new WeakMap<CallState, Set<string>>();

/** True when a retry of `call` on `model` was refused by the retry budget. */
export const retryThrottledOn = (call: CallState, model: string): boolean => throttled.get(call)?.has(model) === true;

/** Whether a retry that backoff allows is made after all (see {@link gateRetry}); undefined: retry. */
export function vetoRetry(
  deps: PipelineDeps,
  retry: ResolvedRetry,
  model: string,
  key: string,
  call: CallState,
  cls: Classification,
  delayMs: number,
  attempt: number,
): RetryVeto | undefined {
  const now = deps.clock.now();
  return gateRetry({
    kind: cls.kind,
    delayMs,
    breakerOpen: (deps.breakerFor(key)?.state(now) ?? 'closed') !== 'closed',
    remainingMs: call.deadlineAt === undefined ? undefined : call.deadlineAt - now,
    preferFallback: retry.preferFallback,
    nextAvailable: () => {
      const chain = call.chain;
      const next = chain ? chain[chain.indexOf(model) + 1] : undefined;
      if (next === undefined) return false;
      return deps.breakerState(next) === 'closed' && deps.monitor?.health(next) !== 'unhealthy';
    },
    acquire: () => {
      const ok = deps.retryBudget?.tryAcquire(key, { taskId: call.taskId, attempt, kind: 'retry', reason: cls.kind }) ?? true;
      if (!ok) {
        let models = throttled.get(call);
        if (!models) throttled.set(call, (models = new Set()));
        models.add(model);
      }
      return ok;
    },
  });
}
