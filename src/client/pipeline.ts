import { type ReserveResult, budgetNow, reserveRequest } from '../budget/manager.js';
import type { PipelineDeps } from './deps.js';
import type { CallState } from './attempt.js';
import { type DeploymentTarget, ModelTry } from './model-try.js';
import type { TryJudge } from './try-success.js';
import type { AttemptFn, Outcome } from './types.js';

export { laterOf } from './try-parts.js';
export type { DeploymentTarget } from './model-try.js';

/**
 * One model of the chain: budget reservation → retry loop → (per attempt)
 * breaker → timeout → your call → stream priming. Resolves with data, never
 * rejects for a provider failure; only a budget `reject` rejects, to end the chain.
 */
export function tryModel<T>(
  deps: PipelineDeps,
  fn: AttemptFn<T>,
  model: string,
  given: CallState,
  index = 0,
  chain: readonly string[] = [],
  target?: DeploymentTarget,
  judge?: TryJudge<T>,
): Promise<Outcome<T>> {
  try {
    const t = new ModelTry(deps, fn, model, given, index, chain, target);
    t.judge = judge;
    const budget = deps.budget;
    if (!budget) return t.first();
    const call = t.call;
    const estimate = call.estimate ?? budget.estimate(undefined);
    // The in-memory store answers now: no promise hop for it, no request object (decision 0063), and one clock reading serves the reservation and the first attempt's start.
    const at = budgetNow.answersNow(budget) ? deps.clock.now() : undefined;
    const now = budgetNow.reserveNow(budget, model, call.taskId, estimate, at);
    return now ? reserved(t, now, at) : reserveLater(t, budget.reserve(reserveRequest(model, call.taskId, estimate)));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The try once a budget that answers later did (apart from {@link tryModel}: its closure would give every try a context). */
const reserveLater = <T>(t: ModelTry<T>, r: Promise<ReserveResult>): Promise<Outcome<T>> => r.then((result) => reserved(t, result));

/** The try once the budget answered: its first attempt, or the budget's refusal (a `reject` throws, to end the chain). */
function reserved<T>(t: ModelTry<T>, r: ReserveResult, at?: number): Promise<Outcome<T>> {
  if (!r.ok) {
    if (r.action === 'reject') throw r.error;
    return t.judged(Promise.resolve({ ok: false, error: r.error, kind: 'budget' }));
  }
  t.reservation = r.reservation;
  return t.first(at);
}
