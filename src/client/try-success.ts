import { budgetNow } from '../budget/manager.js';
import { costOf } from '../budget/pricing.js';
import { type Usage, addUsage, extractUsage } from '../usage/extract.js';
import type { SharedProbe } from './model-state.js';
import { type FailingTry, triedAndFailed } from './try-failure.js';
import type { Outcome } from './types.js';

/*
 * A model try's success side (model-try.ts runs the try): what a successful
 * attempt records, the answer's usage read, handed to admission's learned
 * weight, and settled with the budget or the monitor.
 */

/** What the success side reads of a model try. */
export interface SucceedingTry extends FailingTry {
  readonly streamed: boolean;
  /** The clock's time when the last attempt ended well: the settle reads no clock of its own. */
  endedAt: number | undefined;
  readonly plain: boolean;
}

/**
 * What successful attempt `n` (started at `start`) records: its end on the clock (the try's `endedAt`), the retry
 * budget, the shared probe, the breaker's slow calls, the monitor and the `success` event. A throw fails the attempt.
 */
export function attemptSucceeded(t: SucceedingTry, n: number, start: number, slowMs: number | undefined, probing: SharedProbe | undefined): void {
  const { deps, key } = t;
  const now = deps.clock.now();
  const latencyMs = now - start;
  t.endedAt = now;
  deps.retryBudget?.recordSuccess(key, now);
  if (probing) deps.probeEnded(key, probing, true);
  t.breaker?.noteDuration(latencyMs, slowMs, now);
  deps.monitor?.recordAttempt(key, 'success', latencyMs, now);
  const bus = deps.bus;
  if (bus.wantsTopic(deps.topics.success)) {
    if (t.plain) bus.emitTopic(deps.topics.success, { timestamp: now, model: t.model, attempt: n, latencyMs });
    else bus.emit('success', { timestamp: now, taskId: t.call.taskId, model: t.model, ...t.dep, attempt: n, latencyMs });
  }
}

/** The try's success: usage read and settled (a committed stream settles when it ends). */
export function finishTry<T>(t: SucceedingTry, value: T): Outcome<T> | Promise<Outcome<T>> {
  try {
    const { deps, admit } = t;
    if (!t.streamed && (t.reservation || deps.monitor || deps.weights || admit)) {
      const usage = (t.call.usage ?? extractUsage)(value);
      if (admit && usage) deps.limiter.used?.(t.key, admit.weight, usage);
      const settling = t.settle(usage, t.endedAt);
      if (settling) return settledLater(t, settling, value);
    }
    return { ok: true, value };
  } catch (error) {
    return triedAndFailed(t, error);
  }
}

/** The try's success once a settle that answers later did (apart from {@link finishTry}: its closures would give every try a context). */
function settledLater<T>(t: SucceedingTry, settling: Promise<void>, value: T): Promise<Outcome<T>> {
  return settling.then(() => ({ ok: true, value }), (error: unknown) => triedAndFailed(t, error));
}

/** Settles what the try used (`final`, plus the answers your conditions rejected) at `now`, the attempt's end when known. */
export function settleTry(t: FailingTry, final: Usage | undefined, now?: number): Promise<void> | undefined {
  const { deps, reservation } = t;
  const { budget, monitor } = deps;
  const usage = t.rejectedUsage ? addUsage(t.rejectedUsage, final) : final;
  deps.weights?.record(t.key, final, now ?? deps.clock.now());
  if (budget && reservation) return budgetNow.settleNow(budget, reservation, usage, now) ? undefined : budget.settle(reservation, usage);
  // At the time the attempt ended when the caller has it (as the budget's settle records it): no clock read of its own.
  if (monitor && usage) monitor.recordUsage(t.model, usage.inputTokens, usage.outputTokens, costOf(t.model, usage) ?? 0, now);
  return undefined;
}

/** What the call makes of its first model's outcome (the content rules, then the value or the rest of the chain). */
export interface TryJudge<T> {
  judge(outcome: Outcome<T>): unknown;
}

/** {@link judgedBy} of an outcome still to come (apart from it: its closure would give every try a context). */
const judgedLater = <T>(judge: TryJudge<T>, outcome: Promise<Outcome<T>>): Promise<Outcome<T>> => outcome.then((o) => judge.judge(o)) as Promise<Outcome<T>>;

/** What `judge` (the call's) makes of a try's outcome, as the try's promise settles with it; a throw rejects. */
export function judgedBy<T>(judge: TryJudge<T>, outcome: Outcome<T> | Promise<Outcome<T>>): Promise<Outcome<T>> {
  if (outcome instanceof Promise) return judgedLater(judge, outcome);
  try {
    return judge.judge(outcome) as Promise<Outcome<T>>;
  } catch (error) {
    return Promise.reject(error);
  }
}
