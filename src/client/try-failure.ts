import type { ModelBreaker } from '../breaker/breaker.js';
import type { Reservation } from '../budget/manager.js';
import { KIND_TRAITS } from '../classify/classify.js';
import { sleepUnlessAborted } from '../clock/signals.js';
import { judgeError } from '../fallback/conditions.js';
import { isHedgeLoss } from '../fallback/hedge.js';
import { outcomeOf } from '../monitor/outcome.js';
import { decideRetry } from '../retry/backoff.js';
import type { ResolvedRetry } from '../retry/options.js';
import type { Usage } from '../usage/extract.js';
import type { CallState } from './attempt.js';
import type { PipelineDeps } from './deps.js';
import { vetoRetry } from './guards.js';
import type { SharedProbe } from './model-state.js';
import { stoppedBy } from './stop.js';
import { type TryAdmit, type TryState, classifyOnce } from './try-parts.js';
import type { Outcome } from './types.js';

/*
 * A model try's failure side (model-try.ts runs the try): what a failed attempt
 * records, whether the retry loop tries again, and the try's end after a failure.
 */

/** What the failure side reads of a model try. */
export interface FailingTry extends TryState {
  readonly deps: PipelineDeps;
  readonly model: string;
  readonly key: string;
  readonly dep: { readonly deployment: string } | undefined;
  readonly call: CallState;
  readonly target: { failover?(): boolean } | undefined;
  readonly later: readonly string[] | undefined;
  readonly admit: TryAdmit | undefined;
  readonly breaker: ModelBreaker | undefined;
  readonly retry: ResolvedRetry | undefined;
  readonly reservation: Reservation | undefined;
  readonly rejectedUsage: Usage | undefined;
  settle(final: Usage | undefined, now?: number): Promise<void> | undefined;
}

const KEEP_ALIVE = true;

/** What a failed attempt records (the monitor, the breaker's slow calls, a 429's hold, events) before its error goes on. */
export function attemptFailed(t: FailingTry, error: unknown, n: number, start: number, slowMs: number | undefined, probing: SharedProbe | undefined): void {
  const { deps, call, key } = t;
  const { clock, monitor, bus } = deps;
  let cls = classifyOnce(t, error, clock.now());
  // Your `conditions.error` may change what happens next (retry, next model, end); the breaker already counted by the built-in reading.
  if (call.conditions?.error) cls = t.cls = judgeError(call.conditions, error, cls, { model: t.model, attempt: n });
  const now = clock.now();
  if (cls.kind === 'rate_limit') deps.limiter.throttled(key, cls.retryAfterMs, t.admit?.weight);
  if (cls.scope !== undefined) deps.onAccountStop(key, error, cls, call.chain);
  const outcome = cls.kind === 'rejected' && cls.countsAsFailure ? 'error' : outcomeOf(cls.kind);
  if (monitor && outcome) monitor.recordAttempt(key, outcome, now - start, now);
  if (cls.countsAsFailure) t.breaker?.noteDuration(now - start, slowMs);
  // A probe that ends without a verdict (the caller's abort, a 400) leaves the breaker half-open: free the lease.
  else if (probing) deps.probeEnded(key, probing, false);
  if (bus.wants('failure')) {
    bus.emit('failure', {
      timestamp: now,
      taskId: call.taskId,
      model: t.model,
      ...t.dep,
      attempt: n,
      latencyMs: now - start,
      // A hedge's losing request was aborted by us, not by the caller: its own kind.
      kind: call.signal?.aborted && isHedgeLoss(call.signal.reason) ? 'hedge_lost' : cls.kind,
      retryable: cls.retryable,
      ...(cls.status !== undefined ? { status: cls.status } : {}),
      ...(cls.retryAfterMs !== undefined ? { retryAfterMs: cls.retryAfterMs } : {}),
    });
  }
}

/** The retry loop's `onFailure`: true after waiting to try again, false to stop. */
export async function retryFailure(t: FailingTry, retry: ResolvedRetry, error: unknown, n: number): Promise<boolean> {
  const { deps, call, key, admit } = t;
  const { clock, monitor, bus } = deps;
  const cls = classifyOnce(t, error, clock.now());
  // Another deployment of this model can serve now: go there rather than retry here.
  if (cls.retryable && t.target?.failover?.()) return false;
  // A full model with a later one that has room now: spill rather than sleep on Retry-After.
  if (cls.kind === 'rate_limit' && admit && t.later?.some((m) => deps.limiter.available(m, admit.weight))) return false;
  const decision = decideRetry(cls, n - 1, retry, deps.random);
  if (!decision.retry || vetoRetry(deps, retry, t.model, key, call, cls, decision.delayMs, n)) return false;
  monitor?.recordRetry(key);
  if (bus.wants('retry')) {
    bus.emit('retry', {
      timestamp: clock.now(),
      taskId: call.taskId,
      model: t.model,
      ...t.dep,
      attempt: n,
      delayMs: decision.delayMs,
      reason: cls.kind,
      ...(cls.retryAfterMs !== undefined ? { retryAfterMs: cls.retryAfterMs } : {}),
    });
  }
  await sleepUnlessAborted(clock, decision.delayMs, [call.signal, deps.disposeSignal], KEEP_ALIVE);
  return true;
}

/** The try's end after a failure: the reservation released (or what was paid settled), and the outcome. */
export async function triedAndFailed<T>(t: FailingTry, error: unknown): Promise<Outcome<T>> {
  const { deps, call, reservation, rejectedUsage, retry } = t;
  const budget = deps.budget;
  if (budget && reservation) await (rejectedUsage ? budget.settle(reservation, rejectedUsage) : budget.release(reservation));
  else if (rejectedUsage) t.settle(undefined);
  const stopped = stoppedBy(call.signal, deps.disposeSignal);
  if (stopped) return { ok: false, error: stopped.reason, kind: 'abort' };
  const cls = classifyOnce(t, error, deps.clock.now());
  const tooLong = retry && cls.retryable && cls.retryAfterMs !== undefined && cls.retryAfterMs > retry.maxRetryAfterMs;
  const kind = tooLong ? 'retry_after_too_long' : cls.kind;
  // Your error condition can move a failure on (or stop it) against its kind's usual trait.
  return call.conditions?.error && cls.fallback !== KIND_TRAITS[cls.kind].fallback ? { ok: false, error, kind, moveOn: cls.fallback } : { ok: false, error, kind };
}
