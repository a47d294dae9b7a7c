import type { Clock } from '../clock/clock.js';
import { safeErrorMessage } from '../errors/redact.js';
import { validateOptions } from '../options/validate.js';
import { type RequestEstimate, estimateRequest } from '../usage/estimate.js';
import type { Usage } from '../usage/extract.js';
import { BudgetExceededError, type BudgetDenialDetails, BudgetStoreError } from './errors.js';
import { KeyExpiry } from './expiry.js';
import { StoreFault, type StoreOp, StoreRunner, StoreTimeoutError, type Steps } from './store-call.js';
import type { BudgetEmitter, BudgetScope } from './events.js';
import { type BudgetOptions, budgetOptionsSchema } from './options.js';
import { type Held, RecentTasks, type ReserveRequest, type ReserveResult, type Reservation } from './reservation.js';
import { DayTracker, type WindowShape, windowBuckets } from './period.js';
import { type PriceTable, costOf, mergePrices, pricesInfo } from './pricing.js';
import { type ScopeSnapshot, type BudgetSnapshot, type PricesInfo, assembleSnapshot } from './snapshot.js';
import { BudgetSignals } from './signals.js';
import { NANOS_PER_USD, type ScopeHold, add, costNanos, denialOf, overBy, ScopeCache, storeLimit, windowOthers, windowTotals } from './scopes.js';
import { type Amount, type BudgetStore, MemoryBudgetStore, type StoreReserveResult, type Totals, ZERO } from './store.js';

export type { ReserveRequest, Reservation, ReserveResult } from './reservation.js';

/**
 * For the client's pipeline (not public API): `reserve`/`settle` done now, with no promise, for a store that
 * answers synchronously (the built-in in-memory one); undefined/false for any other. Same steps and events.
 */
export const budgetNow = {} as {
  reserveNow(budget: BudgetManager, request: ReserveRequest): ReserveResult | undefined;
  settleNow(budget: BudgetManager, reservation: Reservation, usage: Usage | undefined): boolean;
};

const DEFAULT_STORE_TIMEOUT_MS = 5_000;
const DEFAULT_TASK_TTL_MS = 86_400_000;

export interface BudgetDeps {
  readonly clock: Clock;
  /** The client's event bus; optional so the manager can be used alone. */
  readonly emitter?: BudgetEmitter;
}

/**
 * Token and cost budgets at several scopes, enforced by reserving before a
 * call and settling after it. Reservations go through the store's atomic
 * per-key `reserve`, and `reserve` calls of one manager run one at a time, so
 * the sum of reservations and settled usage never passes a hard limit.
 *
 * @example
 * const budget = new BudgetManager({ day: { maxCostUsd: 20 }, timeZone: 'Europe/Paris' }, { clock });
 * const r = await budget.reserve({ model, taskId, estimate: budget.estimate(request) });
 * if (!r.ok) throw r.error;
 * try { const res = await call(); await budget.settle(r.reservation, extractUsage(res)); }
 * catch (e) { await budget.release(r.reservation); throw e; }
 */
export class BudgetManager {
  readonly store: BudgetStore;
  readonly prices: PriceTable;
  readonly #o: BudgetOptions;
  readonly #pricesInfo: PricesInfo;
  readonly #clock: Clock;
  readonly #signals: BudgetSignals;
  readonly #day: DayTracker;
  readonly #window: WindowShape | undefined;
  readonly #open = new Map<number, Held>();
  readonly #recentTasks = new RecentTasks();
  readonly #limitsCost: boolean;
  readonly #runner: StoreRunner;
  readonly #scopes: ScopeCache;
  readonly #expiry: KeyExpiry | undefined;
  #adopted = false;
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();

  static {
    budgetNow.reserveNow = (b, request) => (b.#runner.sync ? b.#runner.runSync(b.#reserve(request)) : undefined);
    budgetNow.settleNow = (b, reservation, usage) => {
      if (!b.#runner.sync) return false;
      b.#runner.runSync(b.#settle(reservation, usage));
      return true;
    };
  }

  constructor(options: BudgetOptions, deps: BudgetDeps) {
    const o = validateOptions(budgetOptionsSchema(), options, 'budget') as BudgetOptions;
    this.#o = o;
    this.#clock = deps.clock;
    this.store = this.#o.store ?? new MemoryBudgetStore();
    this.prices = mergePrices(this.#o.prices, this.#o.replaceDefaultPrices);
    this.#pricesInfo = pricesInfo(this.#o.prices, this.#o.replaceDefaultPrices === true);
    this.#day = new DayTracker(this.#o.timeZone ?? 'UTC');
    const w = this.#o.window;
    this.#window = w ? { windowMs: w.windowMs, buckets: w.buckets ?? 60 } : undefined;
    this.#limitsCost = [o.task, o.day, o.window, ...Object.values(o.models ?? {})].some((l) => l?.maxCostUsd !== undefined);
    this.#scopes = new ScopeCache(o);
    this.#signals = new BudgetSignals(deps, this.prices, this.#limitsCost, o.thresholds);
    // The in-memory store answers synchronously: no promise hop or timer per operation for it.
    this.#runner = new StoreRunner(this.store, this.#clock, o.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS);
    // Keys are only tracked for a store that can drop them (Redis expires its own).
    this.#expiry = typeof this.store.delete === 'function' ? new KeyExpiry(this.#day, this.#window, o.taskTtlMs ?? DEFAULT_TASK_TTL_MS) : undefined;
  }

  /** Estimates a request with the configured tokenizer and default output cap. */
  estimate(request: unknown): RequestEstimate {
    return estimateRequest(request, this.#o.tokenizer, { defaultOutputTokens: this.#o.defaultOutputTokens });
  }

  /** Cost in USD of `usage` on `model`, or `undefined` when the model has no price. */
  cost(model: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens'> & Partial<Usage>): number | undefined {
    return costOf(model, usage, this.prices);
  }

  /** Models in `models` without a price: USD limits count them as $0. The client may refuse them at construction. */
  unpricedModels(models: readonly string[]): string[] {
    return models.filter((m) => costOf(m, { inputTokens: 0, outputTokens: 0 }, this.prices) === undefined);
  }

  /** True when any USD limit is configured. */
  get limitsCost(): boolean {
    return this.#limitsCost;
  }

  /** Runs `fn` after every earlier `reserve` finished: one reservation decision at a time per manager. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /**
   * Holds `estimate` in every scope that applies to the call, or refuses it.
   * A scope whose action is `warn-only` never refuses (it emits `budget:exceeded`
   * and holds anyway). Never sends anything: call before the request.
   */
  reserve(request: ReserveRequest): Promise<ReserveResult> {
    // Synchronous steps cannot interleave: the queue is only for a store that answers later.
    if (this.#runner.sync) return this.#runner.run(this.#reserve(request));
    return this.#serial(() => this.#runner.run(this.#reserve(request)));
  }

  *#reserve({ model, taskId, estimate }: ReserveRequest): Steps<ReserveResult> {
    const now = this.#clock.now();
    if (this.#expiry && (!this.#adopted || this.#expiry.sweepDue(now))) yield* this.#sweep(now, model, taskId);
    const inTokens = Math.max(0, Math.ceil(estimate.inputTokens) || 0);
    const outTokens = Math.max(0, Math.ceil(estimate.outputTokens) || 0);
    const est = Object.freeze({ inputTokens: inTokens, outputTokens: outTokens });
    const usd = this.#signals.costOrWarn(model, { inputTokens: inTokens, outputTokens: outTokens }, taskId);
    const amount: Amount = { tokens: inTokens + outTokens, costNanos: costNanos(usd) };
    if (taskId !== undefined) this.#recentTasks.note(taskId);

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

    const reservation: Reservation = Object.freeze({
      id: this.#nextId++,
      model,
      taskId,
      estimate: est,
      tokens: amount.tokens,
      costUsd: amount.costNanos / NANOS_PER_USD,
    });
    this.#open.set(reservation.id, { reservation, amount: holding, holds });
    return Object.freeze({ ok: true as const, reservation });
  }

  *#undo(held: readonly ScopeHold[], amount: Amount, model: string, taskId: string | undefined): Steps<void> {
    for (const h of held) yield* this.#safe({ op: 'release', key: h.key, reserved: amount }, model, taskId);
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
    for (const key of expiry.due(now)) yield* this.#safe({ op: 'delete', key }, model, taskId);
  }

  /** One store operation whose failure becomes a `budget:usage-warning`, never a failed user call. */
  *#safe<T>(op: StoreOp, model: string, taskId: string | undefined): Steps<T | undefined> {
    try {
      return (yield op) as T;
    } catch (fault) {
      return this.#storeWarning(fault, model, taskId);
    }
  }

  /**
   * Replaces the hold with the real usage. With `usage` undefined (the
   * response had none) or invalid, the estimate is settled instead and a
   * `budget:usage-warning` is emitted. Settling twice, or after a release, does nothing.
   */
  settle(reservation: Reservation, usage: Usage | undefined): Promise<void> {
    return this.#runner.run(this.#settle(reservation, usage));
  }

  *#settle(reservation: Reservation, usage: Usage | undefined): Steps<void> {
    const held = this.#open.get(reservation.id);
    if (!held) return;
    this.#open.delete(reservation.id);
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
    const used: Amount = { tokens: actual.inputTokens + actual.outputTokens, costNanos: costNanos(usd) };
    const now = this.#clock.now();
    this.#signals.usage(now, model, taskId, actual, usd === undefined ? null : used.costNanos / NANOS_PER_USD, estimated);
    for (const h of held.holds) {
      this.#expiry?.touch(h.key, now);
      // #safe inlined: no generator per scope on every settle.
      let after: Totals | undefined;
      try {
        after = yield { op: 'settle', key: h.key, reserved: held.amount, used };
      } catch (fault) {
        after = this.#storeWarning(fault, model, taskId);
      }
      if (!after || !this.#signals.wants('budget:warning')) continue;
      // A window's level is the sum of its buckets at this moment, not the one bucket this call was held in.
      const level = h.scope === 'window' ? yield* this.#safeTotals(model, taskId) : after;
      if (level) this.#signals.thresholds(h, level, used, taskId);
    }
  }

  /** Gives the hold back unused (a failed or aborted call). Releasing twice, or after a settle, does nothing. */
  release(reservation: Reservation): Promise<void> {
    return this.#runner.run(this.#release(reservation));
  }

  *#release(reservation: Reservation): Steps<void> {
    const held = this.#open.get(reservation.id);
    if (!held) return;
    this.#open.delete(reservation.id);
    if (held.amount.tokens === 0 && held.amount.costNanos === 0) return; // nothing was held (onStoreError: 'open')
    const now = this.#clock.now();
    for (const h of held.holds) {
      this.#expiry?.touch(h.key, now);
      yield* this.#safe({ op: 'release', key: h.key, reserved: held.amount }, held.reservation.model, held.reservation.taskId);
    }
  }

  #storeWarning(fault: unknown, model: string, taskId: string | undefined): undefined {
    this.#signals.usageWarning(model, 'store', taskId, safeErrorMessage(fault instanceof StoreFault ? fault.error : fault));
    return undefined;
  }

  /** The window's level now, or undefined (with a warning) when the store fails. */
  *#safeTotals(model: string, taskId: string | undefined): Steps<Totals | undefined> {
    try {
      return yield* windowTotals(this.#window!, this.#clock.now());
    } catch (fault) {
      return this.#storeWarning(fault, model, taskId);
    }
  }

  /** Store keys this manager tracks for expiry (live periods and tasks); 0 for stores that expire keys themselves. */
  get trackedKeys(): number {
    return this.#expiry?.size ?? 0;
  }

  /** Reservations not yet settled or released. */
  get openReservations(): number {
    return this.#open.size;
  }

  /**
   * Every configured scope as plain data: limits, used, reserved, remaining,
   * cost and reset time. Task scopes are listed for `taskIds`, or for the
   * most recent tasks this manager has seen.
   */
  async snapshot(options: { taskIds?: readonly string[] } = {}): Promise<BudgetSnapshot> {
    return this.#snapshot(options.taskIds);
  }

  /**
   * One scope's current period, as in {@link snapshot}, or `undefined` when that
   * scope is not configured. `id` names the model of a `model` scope and the
   * task of a `task` scope.
   * @example
   * const left = (await client.budget?.scope('model', 'claude-sonnet-4-6'))?.remainingUsd;
   */
  async scope(scope: BudgetScope, id?: string): Promise<ScopeSnapshot | undefined> {
    const snap = await this.#snapshot(scope === 'task' && id !== undefined ? [id] : []);
    return snap.scopes.find((s) => s.scope === scope && (scope === 'model' ? s.model === id : scope === 'task' ? s.taskId === id : true));
  }

  #snapshot(taskIds: readonly string[] | undefined): Promise<BudgetSnapshot> {
    const o = this.#o;
    const parts = { day: this.#day, window: this.#window, prices: this.#pricesInfo, openReservations: this.#open.size };
    return assembleSnapshot(o, parts, this.store, this.#clock.now(), taskIds ?? this.#recentTasks.list(), (steps) => this.#runner.run(steps));
  }
}
