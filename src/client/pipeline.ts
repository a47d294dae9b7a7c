import type { SharedProbe } from './model-state.js';
import type { Judgement, ModelBreaker } from '../breaker/breaker.js';
import { type Reservation, budgetNow } from '../budget/manager.js';
import { costOf } from '../budget/pricing.js';
import { type Classification, KIND_TRAITS, classifyError } from '../classify/classify.js';
import { sleepUnlessAborted } from '../clock/signals.js';
import { judgeError, judgeResult } from '../fallback/conditions.js';
import { isHedgeLoss } from '../fallback/hedge.js';
import { outcomeOf } from '../monitor/outcome.js';
import { decideRetry } from '../retry/backoff.js';
import { runWithRetry } from '../retry/retry.js';
import type { PumpOptions, StreamSummary } from '../stream/pump.js';
import { streamEventHooks } from '../stream/events.js';
import { type StreamOptions, firstChunkLimitMs } from '../stream/options.js';
import { type Usage, addUsage, extractUsage } from '../usage/extract.js';
import type { AdmitOptions, CallWeight, Release } from '../limits/limiter.js';
import { type AttemptTarget, type CallState, runAttempt } from './attempt.js';
import { guardAttempt, vetoRetry } from './guards.js';
import { callEstimate } from './support.js';
import type { PipelineDeps } from './deps.js';
import { STOPPED, stoppedBy, throwIfStopped } from './stop.js';
import type { AttemptFn, Outcome } from './types.js';

/** A deployment of the model being tried: where its attempts go, where a full one spills, and whether another can take over now. */
export interface DeploymentTarget extends AttemptTarget {
  readonly spillTo?: readonly string[] | undefined;
  failover?(): boolean;
}

/** One model try's state: the last failure's classification, computed once. */
interface TryState {
  error: unknown;
  cls: Classification | undefined;
  /** Set when an attempt handed a committed stream to the caller: settling moves to the stream's end. */
  streamed: boolean;
  readonly signal: AbortSignal | undefined;
  readonly disposeSignal: AbortSignal;
}

const KEEP_ALIVE = true;

function classifyOnce(state: TryState, error: unknown, now: number): Classification {
  // Once the caller aborted (or the client was disposed), any failure is that stop, whatever its shape.
  if (stoppedBy(state.signal, state.disposeSignal)) return STOPPED;
  if (state.error === error && state.cls) return state.cls;
  const cls = classifyError(error, now);
  state.error = error;
  state.cls = cls;
  return cls;
}

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
  const settle = (final: Usage | undefined) => {
    const usage = rejectedUsage ? addUsage(rejectedUsage, final) : final;
    deps.weights?.record(key, final, clock.now());
    if (budget && reservation) return budgetNow.settleNow(budget, reservation, usage) ? undefined : budget.settle(reservation, usage);
    if (monitor && usage) monitor.recordUsage(model, usage.inputTokens, usage.outputTokens, costOf(model, usage) ?? 0);
    return undefined;
  };

  const attempt = async (n: number): Promise<T> => {
    throwIfStopped(call.signal, deps.disposeSignal);
    // Admission before the attempt (and its timeout) starts: queueing is not the provider's latency.
    let release: Release | undefined;
    if (admit) {
      const admitted = deps.limiter.admit(key, admit);
      release = typeof admitted === 'function' ? admitted : await admitted;
    }
    // Latency counts from admission: time in the limiter's queue is not the provider's.
    const start = clock.now();
    const guard = guardAttempt(deps, key, call, start);
    if (!guard.start) {
      release?.();
      throw guard.error; // not started: the chain moves on with reason `deadline`
    }
    // Without a task id or a deployment the payload is built without them, so the bus has no undefined field to strip.
    if (bus.wants('attempt')) bus.emit('attempt', plain ? { timestamp: start, model, attempt: n } : { timestamp: start, taskId: call.taskId, model, ...dep, attempt: n });
    const token = monitor?.startCall(key, start, guard.limit?.ms);
    let probing: SharedProbe | undefined;
    try {
      const streamHooks = streamHooksFor(deps, model, key, n, call, state, breaker, neutral, settle);
      // The attempt starts now, unless a shared-state check came first.
      let startedAt: number | undefined = start;
      if (deps.sharedCheck) {
        probing = await deps.sharedCheck(key);
        startedAt = undefined;
      }
      const run = () => runAttempt(fn, to, n, call, clock, deps.disposeSignal, deps.onDispose, streamHooks, guard.limit, firstChunkMs, startedAt);
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
      const value = breaker ? await breaker.execute(invoke, neutral, call.signal) : await invoke();
      const now = clock.now();
      deps.retryBudget?.recordSuccess(key, now);
      if (probing) deps.probeEnded(key, probing, true);
      breaker?.noteDuration(now - start, guard.slowMs);
      monitor?.recordAttempt(key, 'success', now - start, now);
      if (bus.wants('success')) {
        const latencyMs = now - start;
        bus.emit('success', plain ? { timestamp: now, model, attempt: n, latencyMs } : { timestamp: now, taskId: call.taskId, model, ...dep, attempt: n, latencyMs });
      }
      return value;
    } catch (error) {
      let cls = classifyOnce(state, error, clock.now());
      // Your `conditions.error` may change what happens next (retry, next model, end); the breaker already counted by the built-in reading.
      if (call.conditions?.error) cls = state.cls = judgeError(call.conditions, error, cls, { model, attempt: n });
      const now = clock.now();
      if (cls.kind === 'rate_limit') deps.limiter.throttled(key, cls.retryAfterMs, admit?.weight);
      if (cls.scope !== undefined) deps.onAccountStop(key, error, cls, call.chain);
      const outcome = cls.kind === 'rejected' && cls.countsAsFailure ? 'error' : outcomeOf(cls.kind);
      if (monitor && outcome) monitor.recordAttempt(key, outcome, now - start, now);
      if (cls.countsAsFailure) breaker?.noteDuration(now - start, guard.slowMs);
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
      throw error;
    } finally {
      if (token !== undefined) monitor!.endCall(token);
      release?.();
    }
  };

  const retry = deps.retryFor ? deps.retryFor(key) : deps.retry;
  try {
    const value = retry
      ? await runWithRetry(
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
        )
      : await attempt(1);
    // A committed stream settles when it ends (see streamHooksFor).
    if (!state.streamed && (reservation || monitor || deps.weights || admit)) {
      const usage = (call.usage ?? extractUsage)(value);
      if (admit && usage) deps.limiter.used?.(key, admit.weight, usage);
      const settling = settle(usage);
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

// Per frozen chain (the client's `models`), the models after each index: built
// once rather than sliced on every model try, since slicing a frozen array takes
// V8's slow path (half a microsecond per call). An array that can change (a
// call's own `models`) is sliced each time.
const tails = new WeakMap<readonly string[], (readonly string[] | undefined)[]>();

/** The models after `index` in `chain`, or undefined when none. */
export function laterOf(chain: readonly string[], index: number): readonly string[] | undefined {
  if (chain.length <= index + 1) return undefined;
  if (!Object.isFrozen(chain)) return chain.slice(index + 1);
  let list = tails.get(chain);
  if (!list) tails.set(chain, (list = []));
  return (list[index] ??= Object.freeze(chain.slice(index + 1)));
}

/**
 * What admission needs from a call, built once per model try: the token
 * estimate (computed on first need: from the call's `request` or `estimate`
 * when it has one, else the model's learned usage, else the default output
 * cap), the later models to spill to, the deadline.
 */
function admitOptions(deps: PipelineDeps, model: string, call: CallState, later: readonly string[] | undefined): AdmitOptions {
  let weight: CallWeight | undefined;
  const given = call.run?.request !== undefined || call.run?.estimate !== undefined;
  const o: { -readonly [K in keyof AdmitOptions]: AdmitOptions[K] } = {
    weight: () => (weight ??= (given ? call.estimate : deps.weights?.weight(model, deps.clock.now())) ?? call.estimate ?? callEstimate(undefined, call.run)),
  };
  if (call.signal) o.signal = call.signal;
  if (call.taskId !== undefined) o.taskId = call.taskId;
  if (later) o.spillTo = later;
  if (call.deadlineAt !== undefined) o.deadline = call.deadlineAt;
  return o;
}

type StreamHooks = Pick<PumpOptions, 'onCommit' | 'onEnd' | 'onError'> & { readonly options: StreamOptions | undefined };

/**
 * Hooks for a stream this attempt may return: events, the monitor's TTFT and
 * duration, settling the budget when the stream ends, and counting a failure
 * after the commit against the breaker (the attempt itself already succeeded).
 * Built lazily by runAttempt only when the result is a stream.
 */
function streamHooksFor(
  deps: PipelineDeps,
  model: string,
  key: string,
  attempt: number,
  call: CallState,
  state: TryState,
  breaker: ModelBreaker | undefined,
  neutral: (e: unknown) => boolean | Judgement,
  settle: (usage: Usage | undefined) => Promise<void> | undefined,
): () => StreamHooks {
  return () => {
    const ev = streamEventHooks(deps.bus, { clock: deps.clock, model, deployment: key !== model ? key : undefined, attempt, ...(call.taskId !== undefined ? { taskId: call.taskId } : {}) });
    const options = call.stream ?? deps.stream;
    return {
      options,
      onCommit(info) {
        state.streamed = true;
        ev.onCommit?.(info);
      },
      onError(error, summary) {
        ev.onError?.(error, summary);
        const cause = error.cause;
        const kind = classifyOnce(state, cause, deps.clock.now()).kind;
        const outcome = outcomeOf(kind);
        if (deps.monitor && outcome) deps.monitor.recordAttempt(key, outcome, summary.durationMs);
        breaker?.execute(() => Promise.reject(cause), neutral).catch(() => {});
      },
      onEnd(summary: StreamSummary) {
        ev.onEnd?.(summary);
        if (!summary.committed) return; // a failure before the commit is the attempt's own failure
        if (deps.monitor && summary.ttftMs !== undefined) deps.monitor.recordStream(key, summary.ttftMs, summary.durationMs);
        void settle(summary.usage);
      },
    };
  };
}
