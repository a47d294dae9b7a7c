import type { BudgetDenialDetails } from './errors.js';
import type { BudgetAction, BudgetScope, BudgetUnit, BudgetWarningEvent } from './events.js';
import type { BudgetOptions } from './options.js';
import { type WindowShape, windowBuckets } from './period.js';
import type { Steps } from './store-call.js';
import { type Amount, type StoreLimit, type Totals, ZERO } from './store.js';

/** Budget arithmetic as pure functions: limits per store key, refusal details, threshold crossings. */

export interface ScopeHold {
  readonly scope: BudgetScope;
  readonly key: string;
  readonly limitTokens: number | undefined;
  readonly limitNanos: number | undefined;
  readonly action: BudgetAction;
  /** Window scope: usage of the other buckets in the window, counted against the limit. */
  readonly others?: Totals;
  /** {@link storeLimit} without `others`, built once with the scope rather than on every reserve. */
  readonly ownLimit?: StoreLimit;
}

export type Denial = Omit<BudgetDenialDetails, 'action'> & { readonly action: BudgetAction };

export const NANOS_PER_USD = 1e9;
export const toNanos = (usd: number): number => Math.round(usd * NANOS_PER_USD);
/** Rounded up so a reservation is never smaller than its cost; the epsilon absorbs float noise in `price × tokens`. */
export const costNanos = (usd: number | undefined): number => (usd === undefined ? 0 : Math.max(0, Math.ceil(usd * NANOS_PER_USD - 1e-6)));
export const add = (a: Totals, b: Totals): Totals => ({
  used: { tokens: a.used.tokens + b.used.tokens, costNanos: a.used.costNanos + b.used.costNanos },
  reserved: { tokens: a.reserved.tokens + b.reserved.tokens, costNanos: a.reserved.costNanos + b.reserved.costNanos },
});
export const EMPTY: Totals = { used: ZERO, reserved: ZERO };

/** The store limit for scope `s`; a window's older buckets are taken off its limit. */
export function storeLimit(s: ScopeHold): StoreLimit {
  const o = s.others;
  if (!o && s.ownLimit) return s.ownLimit;
  const limit: { tokens?: number; costNanos?: number } = {};
  if (s.limitTokens !== undefined) limit.tokens = s.limitTokens - (o ? o.used.tokens + o.reserved.tokens : 0);
  if (s.limitNanos !== undefined) limit.costNanos = s.limitNanos - (o ? o.used.costNanos + o.reserved.costNanos : 0);
  return limit;
}

/** Which unit (if any) is past its limit once holds are counted: for warn-only scopes. */
export function overBy(s: ScopeHold, t: Totals): BudgetUnit | undefined {
  if (s.limitTokens !== undefined && t.used.tokens + t.reserved.tokens > s.limitTokens) return 'tokens';
  if (s.limitNanos !== undefined && t.used.costNanos + t.reserved.costNanos > s.limitNanos) return 'usd';
  return undefined;
}

/**
 * The refusal details of scope `s` for `amount` given totals `t`, in the unit
 * that did not fit (tokens first). With `alreadyHeld` (a warn-only hold is
 * already inside `reserved`) the request is not counted twice.
 */
export function denialOf(s: ScopeHold, model: string, amount: Amount, t: Totals, unit?: BudgetUnit, alreadyHeld = false): Denial {
  const u: BudgetUnit = unit ?? (s.limitTokens !== undefined && t.used.tokens + t.reserved.tokens + amount.tokens > s.limitTokens ? 'tokens' : 'usd');
  const pick = (a: Amount) => (u === 'tokens' ? a.tokens : a.costNanos / NANOS_PER_USD);
  return Object.freeze({
    scope: s.scope,
    key: s.key,
    model,
    action: s.action,
    unit: u,
    limit: u === 'tokens' ? s.limitTokens! : s.limitNanos! / NANOS_PER_USD,
    used: pick(t.used),
    reserved: alreadyHeld ? pick(t.reserved) - pick(amount) : pick(t.reserved),
    requested: pick(amount),
  });
}

export type WarningFields = Omit<BudgetWarningEvent, 'timestamp' | 'taskId'>;

/**
 * Thresholds crossed by a settle that added `delta` and left totals `after`.
 * Settled usage only grows within a period and the store returns totals
 * atomically, so exactly one settle sees each crossing: a warning fires once
 * per threshold per period, and not again after a restart.
 */
export function crossings(h: ScopeHold, after: Totals, delta: Amount, thresholds: readonly number[]): WarningFields[] {
  const out: WarningFields[] = [];
  const units: [BudgetUnit, number | undefined, number, number, number, number][] = [
    ['tokens', h.limitTokens, after.used.tokens, delta.tokens, after.reserved.tokens, 1],
    ['usd', h.limitNanos, after.used.costNanos, delta.costNanos, after.reserved.costNanos, NANOS_PER_USD],
  ];
  for (const [unit, limit, used, added, reserved, scale] of units) {
    if (limit === undefined || added <= 0) continue;
    const before = used - added;
    for (const t of thresholds) {
      const mark = limit * t;
      if (before < mark && used >= mark) {
        out.push({ scope: h.scope, key: h.key, unit, threshold: t, limit: limit / scale, used: used / scale, reserved: reserved / scale });
      }
    }
  }
  return out;
}

/**
 * The scopes a call counts against, most specific first (task, model, window,
 * day), each with the store key of its current period.
 */
export function scopesFor(o: BudgetOptions, model: string, taskId: string | undefined, day: string, windowBucket: number | undefined): ScopeHold[] {
  const dflt = o.action ?? 'reject';
  const out: ScopeHold[] = [];
  const push = (scope: BudgetScope, key: string, l: { maxTokens?: number; maxCostUsd?: number; action?: BudgetAction }) => {
    const hold: ScopeHold = { scope, key, limitTokens: l.maxTokens, limitNanos: l.maxCostUsd === undefined ? undefined : toNanos(l.maxCostUsd), action: l.action ?? dflt };
    out.push({ ...hold, ownLimit: Object.freeze(storeLimit(hold)) });
  };
  if (o.task && taskId !== undefined) push('task', `task:${taskId}`, o.task);
  const perModel = o.models && Object.hasOwn(o.models, model) ? o.models[model] : undefined;
  if (perModel) push('model', `model:${day}:${model}`, perModel);
  if (o.window && windowBucket !== undefined) push('window', `window:${windowBucket}`, o.window);
  if (o.day) push('day', `day:${day}`, o.day);
  return out;
}

interface CachedScopes {
  readonly model: string;
  readonly day: string;
  readonly bucket: number | undefined;
  readonly holds: readonly ScopeHold[];
}

/** How many models' scope lists {@link ScopeCache} keeps before starting over. */
const SCOPE_CACHE_MODELS = 1_000;

/**
 * {@link scopesFor} remembered per model for the current day and window bucket:
 * every call of a model counts against the same scopes, so their store keys are
 * built once a period (and, being the same strings, hash once in every map
 * that holds them). Task scopes are built per call: task ids are unbounded.
 */
export class ScopeCache {
  readonly #o: BudgetOptions;
  readonly #byModel = new Map<string, CachedScopes>();
  #last: CachedScopes | undefined;

  constructor(o: BudgetOptions) {
    this.#o = o;
  }

  get(model: string, taskId: string | undefined, day: string, bucket: number | undefined): readonly ScopeHold[] {
    if (taskId !== undefined && this.#o.task) return scopesFor(this.#o, model, taskId, day, bucket);
    // The model asked for last, at hand: calls come many in a row for one model.
    const last = this.#last;
    if (last !== undefined && last.model === model && last.day === day && last.bucket === bucket) return last.holds;
    const hit = this.#byModel.get(model);
    if (hit && hit.day === day && hit.bucket === bucket) {
      this.#last = hit;
      return hit.holds;
    }
    // Not frozen: iterating a frozen array takes V8's slow path, and these are iterated on every reserve and settle.
    const holds: readonly ScopeHold[] = scopesFor(this.#o, model, undefined, day, bucket);
    if (!hit && this.#byModel.size >= SCOPE_CACHE_MODELS) this.#byModel.clear();
    const entry = { model, day, bucket, holds };
    this.#byModel.set(model, entry);
    this.#last = entry;
    return holds;
  }
}

/**
 * Whether settling `delta` (leaving totals `after`) crossed any threshold of
 * `h`: a check that allocates nothing, so {@link crossings} runs only when one did.
 */
export function crossedAny(h: ScopeHold, after: Totals, delta: Amount, thresholds: readonly number[]): boolean {
  // An index, not `for…of`: the thresholds are frozen, and V8 iterates a frozen array on its slow path.
  for (let i = 0; i < thresholds.length; i++) {
    const t = thresholds[i]!;
    if (h.limitTokens !== undefined && delta.tokens > 0) {
      const mark = h.limitTokens * t;
      if (after.used.tokens - delta.tokens < mark && after.used.tokens >= mark) return true;
    }
    if (h.limitNanos !== undefined && delta.costNanos > 0) {
      const mark = h.limitNanos * t;
      if (after.used.costNanos - delta.costNanos < mark && after.used.costNanos >= mark) return true;
    }
  }
  return false;
}

/** Settled and reserved usage of the window's older buckets (the current one is in the store key). */
export function* windowOthers(w: WindowShape, now: number): Steps<Totals> {
  const buckets = windowBuckets(now, w).slice(0, -1);
  let sum = EMPTY;
  for (const b of buckets) sum = add(sum, yield { op: 'get', key: `window:${b}` });
  return sum;
}

/** The whole window's usage: its older buckets and the current one. */
export function* windowTotals(w: WindowShape, now: number): Steps<Totals> {
  const current = windowBuckets(now, w).at(-1);
  return add(yield* windowOthers(w, now), yield { op: 'get', key: `window:${current}` });
}
