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

/**
 * A reservation made for the client's pipeline, which holds it and hands it back: it carries its own
 * hold, so opening and closing it touches no map of open reservations (a map entry set, read and
 * deleted per call), it is its own {@link Held} (no second object kept for the length of the
 * call), and its own successful {@link ReserveResult} (no `{ ok, reservation }` object per call).
 * Not frozen, like every reservation that never leaves the library.
 */
export class PipelineReservation implements Reservation, Held {
  readonly id: number;
  readonly model: string;
  readonly taskId: string | undefined;
  readonly estimate: RequestEstimate;
  readonly tokens: number;
  readonly costUsd: number;
  // Private, and read through the prototype's getters: a copy of the reservation (spread, JSON) shows the six fields above and nothing else.
  readonly #amount: Amount;
  readonly #holds: readonly ScopeHold[];
  #open = true;

  constructor(id: number, model: string, taskId: string | undefined, estimate: RequestEstimate, tokens: number, costUsd: number, amount: Amount, holds: readonly ScopeHold[]) {
    this.id = id;
    this.model = model;
    this.taskId = taskId;
    this.estimate = estimate;
    this.tokens = tokens;
    this.costUsd = costUsd;
    this.#amount = amount;
    this.#holds = holds;
  }

  // `ok` and `reservation` are the prototype's: a copy still shows the six fields only.
  get ok(): true {
    return true;
  }

  get reservation(): Reservation {
    return this;
  }

  get amount(): Amount {
    return this.#amount;
  }

  get holds(): readonly ScopeHold[] {
    return this.#holds;
  }

  /** Its hold, once: undefined after it was settled or released. */
  take(): Held | undefined {
    if (!this.#open) return undefined;
    this.#open = false;
    return this;
  }
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

/** The open reservations of a ledger: those given to callers by id, the pipeline's (which carry their own hold) by count. */
export class OpenReservations {
  readonly #byId = new Map<number, Held>();
  #pipeline = 0;

  get size(): number {
    return this.#byId.size + this.#pipeline;
  }

  /** Opens a reservation given to a caller. */
  add(held: Held): void {
    this.#byId.set(held.reservation.id, held);
  }

  /** Counts a pipeline reservation opened: it carries its own hold. */
  addPipeline(): void {
    this.#pipeline++;
  }

  /** The hold of an open reservation, closing it; undefined when it is not open (settled or released already). */
  take(reservation: Reservation): Held | undefined {
    if (reservation instanceof PipelineReservation) {
      const held = reservation.take();
      if (held) this.#pipeline--;
      return held;
    }
    const held = this.#byId.get(reservation.id);
    if (held) this.#byId.delete(reservation.id);
    return held;
  }
}
