import type { Clock } from '../clock/clock.js';
import { safeErrorMessage } from '../errors/redact.js';
import type { Usage } from '../usage/extract.js';
import { BudgetExceededError, type BudgetDenialDetails, BudgetStoreError } from './errors.js';
import type { KeyExpiry } from './expiry.js';
import { StoreFault, StoreTimeoutError, type Steps } from './store-call.js';
import type { BudgetOptions } from './options.js';
import { OpenReservations, PipelineReservation, RecentTasks, type ReserveRequest, type ReserveResult, type Reservation } from './reservation.js';
import { type DayTracker, type WindowShape, windowBuckets } from './period.js';
import { Settler, safeStep } from './settle.js';
import type { BudgetSignals } from './signals.js';
import { NANOS_PER_USD, type ScopeHold, add, costNanos, denialOf, overBy, ScopeCache, storeLimit, windowOthers } from './scopes.js';
import { type Amount, type BudgetStore, type MemoryBudgetStore, type StoreReserveResult, ZERO } from './store.js';
import type { RequestEstimate } from '../usage/estimate.js';

/** An estimate in whole, non-negative tokens (a fresh object: the reservation keeps it). */
const wholeTokens = (e: ReserveRequest['estimate']): { inputTokens: number; outputTokens: number } => ({
  inputTokens: Math.max(0, Math.ceil(e.inputTokens) || 0),
  outputTokens: Math.max(0, Math.ceil(e.outputTokens) || 0),
});

/** What the ledger shares with its manager: the periods, the store and its key expiry. */
export interface LedgerParts {
  readonly options: BudgetOptions;
  readonly store: BudgetStore;
  readonly clock: Clock;
  readonly signals: BudgetSignals;
  readonly day: DayTracker;
  readonly window: WindowShape | undefined;
  readonly expiry: KeyExpiry | undefined;
}

/**
 * The accounting steps of a {@link BudgetManager}: reserve, settle and release,
 * each written once as {@link Steps} that the manager's store runner drives
 * (synchronously for the in-memory store). Holds the open reservations; opens
 * them here, and its {@link Settler} closes them.
 */
export class Ledger {
  readonly store: BudgetStore;
  readonly #o: BudgetOptions;
  readonly #clock: Clock;
  readonly #signals: BudgetSignals;
  readonly #day: DayTracker;
  readonly #window: WindowShape | undefined;
  readonly #open = new OpenReservations();
  /** Settles and releases what this ledger opened. */
  readonly #settler: Settler;
  /**
   * The last estimate reserved directly and its model, with its whole tokens and amount: the pipeline's
   * calls without a request share one frozen estimate, so these are worked out once per model, not per call.
   */
  #last: { readonly estimate: RequestEstimate; readonly model: string; readonly est: Reservation['estimate']; readonly amount: Amount } | undefined;
  readonly #recentTasks = new RecentTasks();
  readonly #scopes: ScopeCache;
  readonly #expiry: KeyExpiry | undefined;
  #adopted = false;
  #nextId = 1;

  constructor(p: LedgerParts) {
    this.#o = p.options;
    this.store = p.store;
    this.#clock = p.clock;
    this.#signals = p.signals;
    this.#day = p.day;
    this.#window = p.window;
    this.#expiry = p.expiry;
    this.#scopes = new ScopeCache(p.options);
    this.#settler = new Settler(p, this.#open);
  }

  /** Reservations not yet settled or released. */
  get openReservations(): number {
    return this.#open.size;
  }

  /** The most recent task ids, newest first (for the snapshot). */
  recentTasks(): string[] {
    return this.#recentTasks.list();
  }

  /**
   * `internal`: the reservation stays inside the library (the client's pipeline holds it and hands
   * it back), so it and its result are not frozen: three `Object.freeze` calls were a tenth of a
   * budgeted call's own cost. What `reserve` gives a caller is frozen as before.
   */
  *reserve({ model, taskId, estimate }: ReserveRequest, internal = false, at?: number): Steps<ReserveResult> {
    const now = at ?? this.#clock.now();
    if (this.#expiry && (!this.#adopted || this.#expiry.sweepDue(now))) yield* this.#sweep(now, model, taskId);
    const est = wholeTokens(estimate);
    const amount = this.#amountOf(model, taskId, est);

    const bucket = this.#window ? windowBuckets(now, this.#window).at(-1) : undefined;
    const scopes = this.#scopes.get(model, taskId, this.#day.keyAt(now), bucket);
    const held: ScopeHold[] = [];
    let holds: readonly ScopeHold[];
    let holding = amount;
    try {
      let withOthers = scopes;
      if (this.#window) {
        const list: ScopeHold[] = [];
        for (const s of scopes) list.push(s.scope === 'window' ? { ...s, others: yield* windowOthers(this.#window, now) } : s);
        withOthers = list;
      }
      if (this.#expiry) for (const s of withOthers) this.#expiry.touch(s.key, now);

      // Enforced scopes first, then the warn-only ones.
      for (const s of withOthers) {
        if (s.action === 'warn-only') continue;
        const r: StoreReserveResult = yield { op: 'reserve', key: s.key, amount, limit: storeLimit(s) };
        if (!r.ok) {
          // Undo the scopes already held: a refused call holds nothing.
          yield* this.#undo(held, amount, model, taskId);
          const details = denialOf(s, model, amount, s.others ? add(s.others, r.totals) : r.totals) as BudgetDenialDetails;
          this.#signals.exceeded(details, taskId);
          const error = new BudgetExceededError(details);
          return Object.freeze({ ok: false as const, ...details, error });
        }
        held.push(s);
      }
      for (const s of withOthers) {
        if (s.action !== 'warn-only') continue;
        const r: StoreReserveResult = yield { op: 'reserve', key: s.key, amount };
        held.push(s);
        const totals = s.others ? add(s.others, r.totals) : r.totals;
        const over = overBy(s, totals);
        if (over) this.#signals.exceeded(denialOf(s, model, amount, totals, over, true), taskId);
      }
      holds = held;
    } catch (fault) {
      // All or nothing: a store failure on one scope gives back every scope already held.
      yield* this.#undo(held, amount, model, taskId);
      const f = fault instanceof StoreFault ? fault : new StoreFault('reserve', scopes[0]?.key ?? '', fault);
      this.#signals.usageWarning(model, 'store', taskId, safeErrorMessage(f.error));
      if ((this.#o.onStoreError ?? 'closed') === 'closed') throw new BudgetStoreError(f.operation, f.key, model, f.error, f.error instanceof StoreTimeoutError);
      // Open: the call goes ahead holding nothing; its usage is still added to every scope at settle.
      holds = scopes;
      holding = ZERO;
    }

    return this.#opened(model, taskId, est, amount, holding, holds, internal);
  }

  /**
   * {@link reserve} for the client's pipeline, done now against the in-memory store with no generator, in
   * the common case: a single scope, enforced, no window, no key sweep due. Undefined when that case does
   * not hold or the scope has no room (nothing was held then): run {@link reserve}, which decides and
   * reports as it always did. The cost and task are noted again there, which changes nothing twice.
   */
  reserveNow(model: string, taskId: string | undefined, estimate: RequestEstimate, store: MemoryBudgetStore, now: number): ReserveResult | undefined {
    if (this.#window || (this.#expiry && (!this.#adopted || this.#expiry.sweepDue(now)))) return undefined;
    const scopes = this.#scopes.get(model, taskId, this.#day.keyAt(now), undefined);
    const s = scopes.length === 1 ? scopes[0]! : undefined;
    if (!s || s.action === 'warn-only') return undefined;
    const last = this.#last;
    let est: Reservation['estimate'];
    let amount: Amount;
    if (last !== undefined && last.estimate === estimate && last.model === model) {
      ({ est, amount } = last);
      if (taskId !== undefined) this.#recentTasks.note(taskId);
    } else {
      est = wholeTokens(estimate);
      amount = this.#amountOf(model, taskId, est);
      // Kept only when nothing could differ next time: a frozen estimate, and no unpriced-model warning to give again.
      if (Object.isFrozen(estimate) && (amount.costNanos > 0 || !this.#signals.warnsUnpriced)) this.#last = { estimate, model, est, amount };
    }
    this.#expiry?.touch(s.key, now);
    let ok: boolean;
    try {
      ok = store.tryReserveSync(s.key, amount, storeLimit(s));
    } catch {
      return undefined; // nothing held: the steps meet the same failure and handle it
    }
    return ok ? this.#opened(model, taskId, est, amount, amount, scopes, true) : undefined;
  }

  /** What a reservation of `est` holds in each scope, in tokens and cost (an unpriced model is warned about). */
  #amountOf(model: string, taskId: string | undefined, est: ReserveRequest['estimate']): Amount {
    const usd = this.#signals.costOrWarn(model, est, taskId);
    if (taskId !== undefined) this.#recentTasks.note(taskId);
    return { tokens: est.inputTokens + est.outputTokens, costNanos: costNanos(usd) };
  }

  #opened(model: string, taskId: string | undefined, est: Reservation['estimate'], amount: Amount, holding: Amount, holds: readonly ScopeHold[], internal: boolean): ReserveResult {
    if (internal) {
      const reservation = new PipelineReservation(this.#nextId++, model, taskId, est, amount.tokens, amount.costNanos / NANOS_PER_USD, holding, holds);
      this.#open.addPipeline();
      return reservation; // its own result: `ok` and `reservation` (itself) from its prototype
    }
    const reservation: Reservation = {
      id: this.#nextId++,
      model,
      taskId,
      estimate: Object.freeze(est),
      tokens: amount.tokens,
      costUsd: amount.costNanos / NANOS_PER_USD,
    };
    this.#open.add({ reservation, amount: holding, holds });
    return Object.freeze({ ok: true as const, reservation: Object.freeze(reservation) });
  }

  *#undo(held: readonly ScopeHold[], amount: Amount, model: string, taskId: string | undefined): Steps<void> {
    for (const h of held) yield* safeStep(this.#signals, { op: 'release', key: h.key, reserved: amount }, model, taskId);
  }

  /** Drops store keys whose period is over (at most once a minute of clock time). Never fails a call. */
  *#sweep(now: number, model: string, taskId: string | undefined): Steps<void> {
    const expiry = this.#expiry;
    if (!expiry) return;
    if (!this.#adopted) {
      // Keys left by an earlier run (a file store's log) get a period too, or they would stay forever.
      this.#adopted = true;
      for (const key of this.store.keys?.() ?? []) expiry.touch(key, now);
    }
    for (const key of expiry.due(now)) yield* safeStep(this.#signals, { op: 'delete', key }, model, taskId);
  }

  // Closing a reservation is the settler's: its methods say how.
  settle(reservation: Reservation, usage: Usage | undefined, at?: number): Steps<void> {
    return this.#settler.settle(reservation, usage, at);
  }

  settleNow(reservation: Reservation, usage: Usage | undefined, at: number | undefined, store: MemoryBudgetStore): boolean {
    return this.#settler.settleNow(reservation, usage, at, store);
  }

  release(reservation: Reservation): Steps<void> {
    return this.#settler.release(reservation);
  }
}
