import type { RequestEstimate } from '../usage/estimate.js';
import type { BudgetDenialDetails, BudgetExceededError } from './errors.js';
import type { ScopeHold } from './scopes.js';
import type { Amount } from './store.js';

/** What `reserve` needs to know about a call. */
export interface ReserveRequest {
  readonly model: string;
  readonly taskId?: string;
  /** Tokens the call may use: from the caller, or `budget.estimate(request)`. */
  readonly estimate: RequestEstimate;
}

/** A budget hold for one call. Settle it with the real usage, or release it. */
export interface Reservation {
  readonly id: number;
  readonly model: string;
  readonly taskId: string | undefined;
  readonly estimate: RequestEstimate;
  /** Tokens held (input + output estimate). */
  readonly tokens: number;
  /** USD held, 0 when the model has no price. */
  readonly costUsd: number;
}

export type ReserveResult =
  | { readonly ok: true; readonly reservation: Reservation }
  | ({ readonly ok: false; readonly action: 'reject' | 'fallback'; readonly error: BudgetExceededError } & BudgetDenialDetails);

export interface Held {
  readonly reservation: Reservation;
  /** What each hold holds in the store: the estimate, or zero for a call let through by `onStoreError: 'open'`. */
  readonly amount: Amount;
  readonly holds: readonly ScopeHold[];
}

/** The most recent 1,000 task ids a manager has seen, for its snapshot: a bounded list, since task ids are unbounded. */
export class RecentTasks {
  readonly #ids = new Map<string, true>();

  note(taskId: string): void {
    this.#ids.delete(taskId);
    this.#ids.set(taskId, true);
    if (this.#ids.size > 1_000) this.#ids.delete(this.#ids.keys().next().value!);
  }

  /** Newest first. */
  list(): string[] {
    return [...this.#ids.keys()].reverse();
  }
}
