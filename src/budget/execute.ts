import { type Usage, extractUsage } from '../usage/extract.js';
import type { BudgetManager, ReserveRequest, ReserveResult, Reservation } from './manager.js';

export type BudgetDenied = Extract<ReserveResult, { ok: false }>;

/** A budgeted call's result: the value, or the refusal (nothing was sent). Errors of `call` are rethrown. */
export type BudgetedOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly denied: BudgetDenied };

/**
 * Runs `call` inside a reservation: reserve first (refusals come back as data,
 * `call` is never invoked), settle with the usage read from the value on
 * success, release on any failure or abort, then rethrow it untouched.
 *
 * @param usageOf reads the usage from the value; defaults to {@link extractUsage}.
 * @example
 * const out = await runBudgeted(budget, { model, taskId, estimate }, () => retryLoop());
 * if (!out.ok) return out.denied.action === 'fallback' ? moveOn(out.denied.error) : fail(out.denied.error);
 */
export async function runBudgeted<T>(
  budget: BudgetManager,
  request: ReserveRequest,
  call: (reservation: Reservation) => Promise<T>,
  usageOf: (value: T) => Usage | undefined = extractUsage,
): Promise<BudgetedOutcome<T>> {
  const r = await budget.reserve(request);
  if (!r.ok) return { ok: false, denied: r };
  let value: T;
  try {
    value = await call(r.reservation);
  } catch (error) {
    await budget.release(r.reservation);
    throw error;
  }
  let usage: Usage | undefined;
  try {
    usage = usageOf(value);
  } catch {
    usage = undefined; // a user extractor's bug is a missing usage, not a failed call
  }
  await budget.settle(r.reservation, usage);
  return { ok: true, value };
}
