import type { Clock } from '../clock/clock.js';
import { safeErrorMessage } from '../errors/redact.js';
import type { Usage } from '../usage/extract.js';
import type { KeyExpiry } from './expiry.js';
import type { WindowShape } from './period.js';
import type { Held, OpenReservations, Reservation } from './reservation.js';
import { NANOS_PER_USD, costNanos, windowTotals } from './scopes.js';
import type { BudgetSignals } from './signals.js';
import { StoreFault, type StoreOp, type Steps } from './store-call.js';
import type { Amount, MemoryBudgetStore, Totals } from './store.js';

/** A store failure as a `budget:usage-warning`; undefined, the answer a failed step goes on with. */
const storeWarning = (signals: BudgetSignals, fault: unknown, model: string, taskId: string | undefined): undefined => {
  signals.usageWarning(model, 'store', taskId, safeErrorMessage(fault instanceof StoreFault ? fault.error : fault));
  return undefined;
};

/** One store operation whose failure becomes a `budget:usage-warning`, never a failed user call. */
export function* safeStep<T>(signals: BudgetSignals, op: StoreOp, model: string, taskId: string | undefined): Steps<T | undefined> {
  try {
    return (yield op) as T;
  } catch (fault) {
    return storeWarning(signals, fault, model, taskId);
  }
}

/** What settling needs of its ledger's parts. */
interface SettleParts {
  readonly clock: Clock;
  readonly signals: BudgetSignals;
  readonly window: WindowShape | undefined;
  readonly expiry: KeyExpiry | undefined;
}

/**
 * The closing half of a {@link Ledger}: settle (the hold replaced by the usage,
 * its cost and warnings reported) and release (the hold given back), written as
 * {@link Steps} like the ledger's reserve, with a synchronous settle for the
 * in-memory store. Closes the reservations the ledger opened, in the ledger's
 * {@link OpenReservations}.
 */
export class Settler {
  readonly #clock: Clock;
  readonly #signals: BudgetSignals;
  readonly #window: WindowShape | undefined;
  readonly #expiry: KeyExpiry | undefined;
  readonly #open: OpenReservations;

  constructor(p: SettleParts, open: OpenReservations) {
    this.#clock = p.clock;
    this.#signals = p.signals;
    this.#window = p.window;
    this.#expiry = p.expiry;
    this.#open = open;
  }

  /** `at`: the clock's time, when the caller has just read it (the client's pipeline, at the end of the call). */
  *settle(reservation: Reservation, usage: Usage | undefined, at?: number): Steps<void> {
    const held = this.#open.take(reservation);
    if (!held) return;
    const now = at ?? this.#clock.now();
    const used = this.#settling(held, usage, now);
    const { model, taskId } = held.reservation;
    for (const h of held.holds) {
      this.#expiry?.touch(h.key, now);
      // safeStep inlined: no generator per scope on every settle.
      let after: Totals | undefined;
      try {
        after = yield { op: 'settle', key: h.key, reserved: held.amount, used };
      } catch (fault) {
        after = storeWarning(this.#signals, fault, model, taskId);
      }
      if (!after || !this.#signals.wants('budget:warning')) continue;
      // A window's level is the sum of its buckets at this moment, not the one bucket this call was held in.
      const level = h.scope === 'window' ? yield* this.#safeTotals(model, taskId) : after;
      if (level) this.#signals.thresholds(h, level, used, taskId);
    }
  }

  /**
   * {@link settle} done now against the in-memory store, with no generator and no operation objects:
   * the same store writes, events and warnings, in the same order. False (nothing done) with a window
   * scope, whose warning level needs more reads: run {@link settle} instead.
   */
  settleNow(reservation: Reservation, usage: Usage | undefined, at: number | undefined, store: MemoryBudgetStore): boolean {
    if (this.#window) return false;
    const held = this.#open.take(reservation);
    if (!held) return true;
    const now = at ?? this.#clock.now();
    const used = this.#settling(held, usage, now, this.#used);
    for (const h of held.holds) {
      this.#expiry?.touch(h.key, now);
      let after: Totals | undefined;
      try {
        after = store.settleSyncView(h.key, held.amount, used);
      } catch (fault) {
        after = storeWarning(this.#signals, fault, held.reservation.model, held.reservation.taskId);
      }
      if (after && this.#signals.wants('budget:warning')) this.#signals.thresholds(h, after, used, held.reservation.taskId);
    }
    return true;
  }

  /**
   * What {@link settleNow} used, in one object reused by every settle: the store and the thresholds read
   * its two numbers during the settle and keep nothing of it, and nothing runs another `settleNow` before
   * the settle is over (a pipeline's settle follows its call's answer, never a listener's call).
   */
  readonly #used: { tokens: number; costNanos: number } = { tokens: 0, costNanos: 0 };

  /** A settle's first part, whichever way it runs, once the reservation is closed: reports its usage, returns what it used (in `into` when given). */
  #settling(held: Held, usage: Usage | undefined, now: number, into?: { tokens: number; costNanos: number }): Amount {
    const { model, taskId } = held.reservation;
    let actual: Usage;
    let estimated = false;
    if (usage === undefined || usage.invalid !== undefined) {
      this.#signals.usageWarning(model, usage === undefined ? 'missing' : 'invalid', taskId, usage?.invalid);
      const e = held.reservation.estimate;
      actual = { inputTokens: e.inputTokens, outputTokens: e.outputTokens, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
      estimated = true;
    } else {
      actual = usage;
    }
    const usd = this.#signals.costOrWarn(model, actual, taskId);
    const tokens = actual.inputTokens + actual.outputTokens;
    const nanos = costNanos(usd);
    let used: Amount;
    if (into) {
      into.tokens = tokens;
      into.costNanos = nanos;
      used = into;
    } else used = { tokens, costNanos: nanos };
    this.#signals.usage(now, model, taskId, actual, usd === undefined ? null : used.costNanos / NANOS_PER_USD, estimated);
    return used;
  }

  *release(reservation: Reservation): Steps<void> {
    const held = this.#open.take(reservation);
    if (!held) return;
    if (held.amount.tokens === 0 && held.amount.costNanos === 0) return; // nothing was held (onStoreError: 'open')
    const now = this.#clock.now();
    for (const h of held.holds) {
      this.#expiry?.touch(h.key, now);
      yield* safeStep(this.#signals, { op: 'release', key: h.key, reserved: held.amount }, held.reservation.model, held.reservation.taskId);
    }
  }

  /** The window's level now, or undefined (with a warning) when the store fails. */
  *#safeTotals(model: string, taskId: string | undefined): Steps<Totals | undefined> {
    try {
      return yield* windowTotals(this.#window!, this.#clock.now());
    } catch (fault) {
      return storeWarning(this.#signals, fault, model, taskId);
    }
  }
}
