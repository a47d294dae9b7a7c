import type { SharedProbe } from './model-state.js';
import { type Reservation, budgetNow } from '../budget/manager.js';
import { costOf } from '../budget/pricing.js';
import { KIND_TRAITS } from '../classify/classify.js';
import { sleepUnlessAborted } from '../clock/signals.js';
import { judgeError, judgeResult } from '../fallback/conditions.js';
import { isHedgeLoss } from '../fallback/hedge.js';
import { outcomeOf } from '../monitor/outcome.js';
import { decideRetry } from '../retry/backoff.js';
import { retryAfter } from '../retry/retry.js';
import { firstChunkLimitMs } from '../stream/options.js';
import { type Usage, addUsage, extractUsage } from '../usage/extract.js';
import type { Release } from '../limits/limiter.js';
import { type AttemptTarget, type CallState, runAttempt } from './attempt.js';
import { guardAttempt, vetoRetry } from './guards.js';
import type { PipelineDeps } from './deps.js';
import { stoppedBy } from './stop.js';
import { type TryState, admitOptions, classifyOnce, laterOf, streamHooksFor } from './try-parts.js';
import type { AttemptFn, Outcome } from './types.js';

export { laterOf } from './try-parts.js';

/** A deployment of the model being tried: where its attempts go, where a full one spills, and whether another can take over now. */
export interface DeploymentTarget extends AttemptTarget {
  readonly spillTo?: readonly string[] | undefined;
  failover?(): boolean;
}

const KEEP_ALIVE = true;

/**
 * One model of the chain: budget reservation → retry loop → (per attempt)
 * breaker → timeout → your call → stream priming. Resolves with data, never
 * rejects for a provider failure; only a budget `reject` throws, to end the chain.
 */
export async function tryModel<T>(
  deps: PipelineDeps,
  fn: AttemptFn<T>,
  model: string,
  given: CallState,
  index = 0,
  chain: readonly string[] = [],
  target?: DeploymentTarget,
): Promise<Outcome<T>> {
  const { clock, bus, monitor, budget } = deps;
  // Breaker, admission, health, retry budget and headers are the deployment's; budget and fallbacks the model's.
  const key = target?.key ?? model;
  const to: AttemptTarget = target ?? { key, model };
  const dep = target ? { deployment: target.key } : undefined;
  const plain = !dep && given.taskId === undefined;
  // A model's or deployment's own timeout, unless the call gave one.
  const ownMs = given.timeoutGiven ? undefined : deps.timeoutFor?.(key);
  const call = ownMs !== undefined && ownMs !== given.timeoutMs ? { ...given, timeoutMs: ownMs } : given;
  // Models after this one in the chain being run: where a call spills when this one has no capacity.
  const later = target?.spillTo ?? laterOf(chain, index);
  const admit = deps.limiter.enabled ? admitOptions(deps, key, call, later) : undefined;
  const state: TryState = { error: undefined, cls: undefined, streamed: false, signal: call.signal, disposeSignal: deps.disposeSignal };
  const breaker = deps.breakerFor(key);
  const neutral = (error: unknown) => classifyOnce(state, error, clock.now());
  const firstChunkMs = firstChunkLimitMs(call.stream ?? deps.stream, call.run?.request);

  let reservation: Reservation | undefined;
  if (budget) {
    const estimate = call.estimate ?? budget.estimate(undefined);
    const request = call.taskId === undefined ? { model, estimate } : { model, taskId: call.taskId, estimate };
    // The in-memory store answers now: no promise hop for it.
    const r = budgetNow.reserveNow(budget, request) ?? (await budget.reserve(request));
    if (!r.ok) {
      if (r.action === 'reject') throw r.error;
      return { ok: false, error: r.error, kind: 'budget' };
    }
    reservation = r.reservation;
  }

  // Answers your `conditions.result` rejected were still paid for: their usage is settled with the call's.
  let rejectedUsage: Usage | undefined;
  const settle = (final: Usage | undefined, now?: number) => {
    const usage = rejectedUsage ? addUsage(rejectedUsage, final) : final;
    deps.weights?.record(key, final, now ?? clock.now());
    if (budget && reservation) return budgetNow.settleNow(budget, reservation, usage, now) ? undefined : budget.settle(reservation, usage);
    // At the time the attempt ended when the caller has it (as the budget's settle records it): no clock read of its own.
    if (monitor && usage) monitor.recordUsage(model, usage.inputTokens, usage.outputTokens, costOf(model, usage) ?? 0, now);
    return undefined;
  };

  // The clock's time when the last attempt ended well: the success path's settle reads no clock of its own.
  let endedAt: number | undefined;
  // An attempt is no `async` function: a success goes from `fn`'s promise through the breaker to one continuation.
  const attempt = (n: number): Promise<T> => {
    const stopped = stoppedBy(call.signal, deps.disposeSignal);
    if (stopped) return Promise.reject(stopped.reason);
    // A failure came before the breaker's engine had loaded: the attempt starts once it is judged, so it reaches the provider or is refused.
    const deferred = breaker?.deferred;
    if (deferred) return deferred.then(undefined, () => undefined).then(() => attempt(n));
    // Admission before the attempt (and its timeout) starts: queueing is not the provider's latency.
    if (!admit) return admitted(n, undefined, undefined);
    // The clock's time, read once for admission's weight and, when it answers at once, the attempt's start.
    const at = (admit.at = clock.now());
    let answer: Release | Promise<Release>;
    try {
      answer = deps.limiter.admit(key, admit);
    } catch (error) {
      return Promise.reject(error);
    } finally {
      admit.at = undefined;
    }
    return typeof answer === 'function' ? admitted(n, answer, at) : waited(n, answer);
  };
  const waited = async (n: number, answer: Promise<Release>): Promise<T> => admitted(n, await answer, undefined);

  /** An admitted attempt: its guard, its events and the monitor's count, `fn` through the breaker, then what it records as it ends. */
  const admitted = (n: number, release: Release | undefined, admittedAt: number | undefined): Promise<T> => {
    // Latency counts from admission: time in the limiter's queue is not the provider's.
    const start = admittedAt ?? clock.now();
    const guard = guardAttempt(deps, key, call, start);
    if (!guard.start) {
      release?.();
      return Promise.reject(guard.error); // not started: the chain moves on with reason `deadline`
    }
    // Without a task id or a deployment the payload is built without them, so the bus has no undefined field to strip.
    if (bus.wants('attempt')) bus.emit('attempt', plain ? { timestamp: start, model, attempt: n } : { timestamp: start, taskId: call.taskId, model, ...dep, attempt: n });
    const token = monitor?.startCall(key, start, guard.limit?.ms);
    let probing: SharedProbe | undefined;
    const ended = () => {
      if (token !== undefined) monitor!.endCall(token);
      release?.();
    };
    const failed = (error: unknown): never => {
      try {
        attemptFailed(error, n, start, guard.slowMs, probing);
      } finally {
        ended();
      }
      throw error;
    };
    const succeeded = (value: T): T => {
      try {
        const now = clock.now();
        endedAt = now;
        deps.retryBudget?.recordSuccess(key, now);
        if (probing) deps.probeEnded(key, probing, true);
        breaker?.noteDuration(now - start, guard.slowMs);
        monitor?.recordAttempt(key, 'success', now - start, now);
        if (bus.wants('success')) {
          const latencyMs = now - start;
          bus.emit('success', plain ? { timestamp: now, model, attempt: n, latencyMs } : { timestamp: now, taskId: call.taskId, model, ...dep, attempt: n, latencyMs });
        }
      } catch (error) {
        return failed(error);
      }
      ended();
      return value;
    };
    try {
      const streamHooks = streamHooksFor(deps, model, key, n, call, state, breaker, neutral, settle);
      const limit = guard.limit;
      // The attempt starts now, unless a shared-state check came first.
      let startedAt: number | undefined = start;
      const run = () => runAttempt(fn, to, n, call, clock, deps.disposeSignal, deps.onDispose, deps.deadlines, streamHooks, limit, firstChunkMs, startedAt);
      const conditions = call.conditions;
      // Judged inside the breaker's execute, so a rejected answer counts against the model only when you ask (its classification says).
      const invoke = conditions?.result
        ? () =>
            run().then((v) =>
              judgeResult(conditions, v, { model, attempt: n }, (rejected) => {
                const usage = (call.usage ?? extractUsage)(rejected);
                if (usage) rejectedUsage = rejectedUsage ? addUsage(rejectedUsage, usage) : usage;
              }),
            )
        : run;
      const sharedCheck = deps.sharedCheck;
      const value = sharedCheck
        ? sharedCheck(key).then((p) => {
            probing = p;
            startedAt = undefined;
            return breaker ? breaker.execute(invoke, neutral, call.signal) : invoke();
          })
        : breaker
          ? breaker.execute(invoke, neutral, call.signal, start)
          : invoke();
      return value.then(succeeded, failed);
    } catch (error) {
      try {
        return failed(error);
      } catch (thrown) {
        return Promise.reject(thrown);
      }
    }
  };

  /** What a failed attempt records (the monitor, the breaker's slow calls, a 429's hold, events) before its error goes on. */
  const attemptFailed = (error: unknown, n: number, start: number, slowMs: number | undefined, probing: SharedProbe | undefined): void => {
    let cls = classifyOnce(state, error, clock.now());
    // Your `conditions.error` may change what happens next (retry, next model, end); the breaker already counted by the built-in reading.
    if (call.conditions?.error) cls = state.cls = judgeError(call.conditions, error, cls, { model, attempt: n });
    const now = clock.now();
    if (cls.kind === 'rate_limit') deps.limiter.throttled(key, cls.retryAfterMs, admit?.weight);
    if (cls.scope !== undefined) deps.onAccountStop(key, error, cls, call.chain);
    const outcome = cls.kind === 'rejected' && cls.countsAsFailure ? 'error' : outcomeOf(cls.kind);
    if (monitor && outcome) monitor.recordAttempt(key, outcome, now - start, now);
    if (cls.countsAsFailure) breaker?.noteDuration(now - start, slowMs);
    // A probe that ends without a verdict (the caller's abort, a 400) leaves the breaker half-open: free the lease.
    else if (probing) deps.probeEnded(key, probing, false);
    if (bus.wants('failure')) {
      bus.emit('failure', {
        timestamp: now,
        taskId: call.taskId,
        model,
        ...dep,
        attempt: n,
        latencyMs: now - start,
        // A hedge's losing request was aborted by us, not by the caller: its own kind.
        kind: call.signal?.aborted && isHedgeLoss(call.signal.reason) ? 'hedge_lost' : cls.kind,
        retryable: cls.retryable,
        ...(cls.status !== undefined ? { status: cls.status } : {}),
        ...(cls.retryAfterMs !== undefined ? { retryAfterMs: cls.retryAfterMs } : {}),
      });
    }
  };

  const retry = deps.retryFor ? deps.retryFor(key) : deps.retry;
  try {
    let value: T;
    try {
      // The first attempt awaited here: the retry loop is built only after it failed.
      value = await attempt(1);
    } catch (first) {
      if (!retry) throw first;
      value = await retryAfter(
        {
          attempt,
          onFailure: async (error, n) => {
            const cls = classifyOnce(state, error, clock.now());
            // Another deployment of this model can serve now: go there rather than retry here.
            if (cls.retryable && target?.failover?.()) return false;
            // A full model with a later one that has room now: spill rather than sleep on Retry-After.
            if (cls.kind === 'rate_limit' && admit && later?.some((m) => deps.limiter.available(m, admit.weight))) return false;
            const decision = decideRetry(cls, n - 1, retry, deps.random);
            if (!decision.retry || vetoRetry(deps, retry, model, key, call, cls, decision.delayMs, n)) return false;
            monitor?.recordRetry(key);
            if (bus.wants('retry')) {
              bus.emit('retry', {
                timestamp: clock.now(),
                taskId: call.taskId,
                model,
                ...dep,
                attempt: n,
                delayMs: decision.delayMs,
                reason: cls.kind,
                ...(cls.retryAfterMs !== undefined ? { retryAfterMs: cls.retryAfterMs } : {}),
              });
            }
            await sleepUnlessAborted(clock, decision.delayMs, [call.signal, deps.disposeSignal], KEEP_ALIVE);
            return true;
          },
        },
        retry.maxRetries,
        first,
      );
    }
    // A committed stream settles when it ends (see streamHooksFor).
    if (!state.streamed && (reservation || monitor || deps.weights || admit)) {
      const usage = (call.usage ?? extractUsage)(value);
      if (admit && usage) deps.limiter.used?.(key, admit.weight, usage);
      const settling = settle(usage, endedAt);
      if (settling) await settling;
    }
    return { ok: true, value };
  } catch (error) {
    if (budget && reservation) await (rejectedUsage ? budget.settle(reservation, rejectedUsage) : budget.release(reservation));
    else if (rejectedUsage) settle(undefined);
    const stopped = stoppedBy(call.signal, deps.disposeSignal);
    if (stopped) return { ok: false, error: stopped.reason, kind: 'abort' };
    const cls = classifyOnce(state, error, clock.now());
    const tooLong = retry && cls.retryable && cls.retryAfterMs !== undefined && cls.retryAfterMs > retry.maxRetryAfterMs;
    const kind = tooLong ? 'retry_after_too_long' : cls.kind;
    // Your error condition can move a failure on (or stop it) against its kind's usual trait.
    return call.conditions?.error && cls.fallback !== KIND_TRAITS[cls.kind].fallback ? { ok: false, error, kind, moveOn: cls.fallback } : { ok: false, error, kind };
  }
}
