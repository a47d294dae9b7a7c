import type { Usage } from '../usage/extract.js';
import type { Clock } from '../clock/clock.js';
import { type BudgetEmitter, type BudgetEvents, usagePayload } from './events.js';
import { type PriceTable, costOf } from './pricing.js';
import { type Denial, type ScopeHold, crossedAny, crossings } from './scopes.js';
import type { Amount, Totals } from './store.js';

const MAX_UNPRICED_REMEMBERED = 1_000;

/** What the budget tells its listeners: refusals, warnings, thresholds crossed. Nothing is built for an event nobody listens to. */
export class BudgetSignals {
  readonly #clock: Clock;
  readonly #emitter: BudgetEmitter | undefined;
  readonly #prices: PriceTable;
  readonly #limitsCost: boolean;
  readonly #thresholds: readonly number[];
  readonly #unpricedWarned = new Set<string>();

  constructor(deps: { readonly clock: Clock; readonly emitter?: BudgetEmitter | undefined }, prices: PriceTable, limitsCost: boolean, thresholds: readonly number[] | undefined) {
    this.#clock = deps.clock;
    this.#emitter = deps.emitter;
    this.#prices = prices;
    this.#limitsCost = limitsCost;
    this.#thresholds = Object.freeze([...new Set(thresholds ?? [0.9])].sort((a, b) => a - b));
  }

  /** Whether a model without a price is warned about (USD limits exist). */
  get warnsUnpriced(): boolean {
    return this.#limitsCost;
  }

  wants(name: Parameters<BudgetEmitter['wants']>[0]): boolean {
    return this.#emitter?.wants(name) === true;
  }

  emit<K extends keyof BudgetEvents>(name: K, payload: BudgetEvents[K]): void {
    this.#emitter?.emit(name, payload);
  }

  /** `budget:usage` for a settled call. */
  usage(now: number, model: string, taskId: string | undefined, actual: Usage, costUsd: number | null, estimated: boolean): void {
    const emitter = this.#emitter;
    if (emitter?.usage) emitter.usage(now, model, taskId, actual, costUsd, estimated);
    else if (emitter?.wants('budget:usage')) emitter.emit('budget:usage', usagePayload(now, model, taskId, actual, costUsd, estimated));
  }

  exceeded(d: Denial, taskId: string | undefined): void {
    if (!this.wants('budget:exceeded')) return;
    this.#emitter!.emit('budget:exceeded', { timestamp: this.#clock.now(), ...(taskId !== undefined ? { taskId } : {}), ...d });
  }

  /** Cost of `usage` on `model`; a model without a price is warned about once (when USD limits exist). */
  costOrWarn(model: string, usage: Pick<Usage, 'inputTokens' | 'outputTokens'> & Partial<Usage>, taskId: string | undefined): number | undefined {
    const usd = costOf(model, usage, this.#prices);
    if (usd === undefined && this.#limitsCost && !this.#unpricedWarned.has(model)) {
      // Model names may come from requests: remembered up to a bound, then warned about again.
      if (this.#unpricedWarned.size >= MAX_UNPRICED_REMEMBERED) this.#unpricedWarned.clear();
      this.#unpricedWarned.add(model);
      this.usageWarning(model, 'unpriced', taskId);
    }
    return usd;
  }

  usageWarning(model: string, reason: 'missing' | 'invalid' | 'unpriced' | 'store', taskId: string | undefined, detail?: string): void {
    if (!this.wants('budget:usage-warning')) return;
    this.#emitter!.emit('budget:usage-warning', {
      timestamp: this.#clock.now(),
      ...(taskId !== undefined ? { taskId } : {}),
      model,
      reason,
      ...(detail !== undefined ? { detail } : {}),
    });
  }

  /** `budget:warning` for each threshold the settle of `used` crossed. */
  thresholds(h: ScopeHold, after: Totals, used: Amount, taskId: string | undefined): void {
    if (!crossedAny(h, after, used, this.#thresholds)) return;
    for (const w of crossings(h, after, used, this.#thresholds)) {
      this.#emitter!.emit('budget:warning', { timestamp: this.#clock.now(), ...(taskId !== undefined ? { taskId } : {}), ...w });
    }
  }
}
