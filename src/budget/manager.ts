import type { Clock } from '../clock/clock.js';
import { validateOptions } from '../options/validate.js';
import { type RequestEstimate, estimateRequest } from '../usage/estimate.js';
import type { Usage } from '../usage/extract.js';
import { KeyExpiry } from './expiry.js';
import { StoreRunner } from './store-call.js';
import type { BudgetEmitter, BudgetScope } from './events.js';
import { Ledger } from './ledger.js';
import { type BudgetOptions, budgetOptionsSchema } from './options.js';
import type { ReserveRequest, ReserveResult, Reservation } from './reservation.js';
import { DayTracker, type WindowShape } from './period.js';
import { type PriceTable, costOf, mergePrices, pricesInfo } from './pricing.js';
import { type ScopeSnapshot, type BudgetSnapshot, type PricesInfo, assembleSnapshot } from './snapshot.js';
import { BudgetSignals } from './signals.js';
import { type BudgetStore, MemoryBudgetStore } from './store.js';

export type { ReserveRequest, Reservation, ReserveResult } from './reservation.js';

/**
 * For the client's pipeline (not public API): `reserve`/`settle` done now, with no promise, for a store that
 * answers synchronously (the built-in in-memory one); undefined/false for any other. Same steps and events.
 */
export const budgetNow = {} as {
  /** True when the budget's store answers synchronously: a budgeted call then never waits outside its attempts. */
  answersNow(budget: BudgetManager): boolean;
  /**
   * `now`: the clock's time the caller has just read (the reserve then reads none). The request's fields as
   * arguments: its object is built only when the direct path declines (decision 0063).
   */
  reserveNow(budget: BudgetManager, model: string, taskId: string | undefined, estimate: RequestEstimate, now?: number): ReserveResult | undefined;
  /** `now`: the clock's time the caller already read when the call ended (the settle then reads none). */
  settleNow(budget: BudgetManager, reservation: Reservation, usage: Usage | undefined, now?: number): boolean;
};

/** A reserve request with no `taskId` field when there is none. */
export const reserveRequest = (model: string, taskId: string | undefined, estimate: RequestEstimate): ReserveRequest =>
  taskId === undefined ? { model, estimate } : { model, taskId, estimate };

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
  readonly #limitsCost: boolean;
  readonly #runner: StoreRunner;
  readonly #ledger: Ledger;
  readonly #expiry: KeyExpiry | undefined;
  /** The estimate of no request (the default output cap): the same on every call, so made once. */
  #noRequest: RequestEstimate | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  static {
    budgetNow.answersNow = (b) => b.#runner.sync;
    budgetNow.reserveNow = (b, model, taskId, estimate, at) => {
      const memory = b.#runner.memory;
      if (!memory) return undefined;
      const now = at ?? b.#clock.now();
      return b.#ledger.reserveNow(model, taskId, estimate, memory, now) ?? b.#runner.runSync(b.#ledger.reserve(reserveRequest(model, taskId, estimate), true, now), memory);
    };
    budgetNow.settleNow = (b, reservation, usage, now) => {
      if (!b.#runner.sync) return false;
      const memory = b.#runner.memory!;
      if (!b.#ledger.settleNow(reservation, usage, now, memory)) b.#runner.runSync(b.#ledger.settle(reservation, usage, now), memory);
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
    this.#signals = new BudgetSignals(deps, this.prices, this.#limitsCost, o.thresholds);
    // The in-memory store answers synchronously: no promise hop or timer per operation for it.
    this.#runner = new StoreRunner(this.store, this.#clock, o.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS);
    // Keys are only tracked for a store that can drop them (Redis expires its own).
    this.#expiry = typeof this.store.delete === 'function' ? new KeyExpiry(this.#day, this.#window, o.taskTtlMs ?? DEFAULT_TASK_TTL_MS) : undefined;
    this.#ledger = new Ledger({ options: o, store: this.store, clock: this.#clock, signals: this.#signals, day: this.#day, window: this.#window, expiry: this.#expiry });
  }

  /** Estimates a request with the configured tokenizer and default output cap. */
  estimate(request: unknown): RequestEstimate {
    // Frozen, and a function of the options alone: a call without a request (most pipeline calls) reuses it.
    if (request === undefined) return (this.#noRequest ??= estimateRequest(undefined, this.#o.tokenizer, { defaultOutputTokens: this.#o.defaultOutputTokens }));
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
    if (this.#runner.sync) return this.#runner.run(this.#ledger.reserve(request));
    return this.#serial(() => this.#runner.run(this.#ledger.reserve(request)));
  }

  /**
   * Replaces the hold with the real usage. With `usage` undefined (the
   * response had none) or invalid, the estimate is settled instead and a
   * `budget:usage-warning` is emitted. Settling twice, or after a release, does nothing.
   */
  settle(reservation: Reservation, usage: Usage | undefined): Promise<void> {
    return this.#runner.run(this.#ledger.settle(reservation, usage));
  }

  /** Gives the hold back unused (a failed or aborted call). Releasing twice, or after a settle, does nothing. */
  release(reservation: Reservation): Promise<void> {
    return this.#runner.run(this.#ledger.release(reservation));
  }

  /** Store keys this manager tracks for expiry (live periods and tasks); 0 for stores that expire keys themselves. */
  get trackedKeys(): number {
    return this.#expiry?.size ?? 0;
  }

  /** Reservations not yet settled or released. */
  get openReservations(): number {
    return this.#ledger.openReservations;
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
    const parts = { day: this.#day, window: this.#window, prices: this.#pricesInfo, openReservations: this.#ledger.openReservations };
    return assembleSnapshot(o, parts, this.store, this.#clock.now(), taskIds ?? this.#ledger.recentTasks(), (steps) => this.#runner.run(steps));
  }
}
