import type { BudgetAction, BudgetScope } from './events.js';
import type { BudgetLimit } from './options.js';
import type { PricesInfo } from './pricing.js';
import type { BudgetOptions } from './options.js';
import { type DayTracker, type WindowShape, windowBuckets, windowResetsAt } from './period.js';
import { windowTotals } from './scopes.js';
import type { Steps } from './store-call.js';
import type { BudgetStore, Totals } from './store.js';

/** One scope's state, as plain JSON-safe data (no `undefined`: absent limits are `null`). */
export interface ScopeSnapshot {
  readonly scope: BudgetScope;
  /** Store key of the current period. */
  readonly key: string;
  /** For `model` scopes. */
  readonly model?: string;
  /** For `task` scopes. */
  readonly taskId?: string;
  readonly action: BudgetAction;
  readonly limitTokens: number | null;
  readonly usedTokens: number;
  readonly reservedTokens: number;
  /** `limitTokens − used − reserved`, never below 0; `null` without a token limit. */
  readonly remainingTokens: number | null;
  readonly limitUsd: number | null;
  /** Settled cost in USD. */
  readonly costUsd: number;
  readonly reservedUsd: number;
  readonly remainingUsd: number | null;
  /** Epoch ms when the period ends (next local midnight, next window slide); `null` for tasks. */
  readonly resetsAt: number | null;
}

export interface BudgetSnapshot {
  /** Clock time of the snapshot. */
  readonly at: number;
  readonly currency: 'USD';
  readonly timeZone: string;
  /** Where the prices come from: the built-in catalog (with its date) under your overrides, or your table alone. */
  readonly prices: PricesInfo;
  readonly openReservations: number;
  readonly scopes: readonly ScopeSnapshot[];
}

export type { PricesInfo } from './pricing.js';

const usd = (nanos: number) => nanos / 1e9;

export function scopeSnapshot(scope: BudgetScope, key: string, limit: BudgetLimit, defaultAction: BudgetAction, t: Totals, resetsAt: number | null): ScopeSnapshot {
  const lt = limit.maxTokens;
  const lu = limit.maxCostUsd;
  return Object.freeze({
    scope,
    key,
    action: limit.action ?? defaultAction,
    limitTokens: lt ?? null,
    usedTokens: t.used.tokens,
    reservedTokens: t.reserved.tokens,
    remainingTokens: lt === undefined ? null : Math.max(0, lt - t.used.tokens - t.reserved.tokens),
    limitUsd: lu ?? null,
    costUsd: usd(t.used.costNanos),
    reservedUsd: usd(t.reserved.costNanos),
    remainingUsd: lu === undefined ? null : Math.max(0, usd(Math.round(lu * 1e9) - t.used.costNanos - t.reserved.costNanos)),
    resetsAt,
  });
}

/** What a budget snapshot is assembled from, besides the store. */
export interface SnapshotParts {
  readonly day: DayTracker;
  readonly window: WindowShape | undefined;
  readonly prices: PricesInfo;
  readonly openReservations: number;
}

/** Every configured scope's current period as plain data; task scopes for `taskIds`. */
export async function assembleSnapshot(
  o: BudgetOptions,
  parts: SnapshotParts,
  store: BudgetStore,
  now: number,
  taskIds: readonly string[],
  run: (steps: Steps<Totals>) => Promise<Totals>,
): Promise<BudgetSnapshot> {
  const day = parts.day.at(now);
  const dflt = o.action ?? 'reject';
  const scopes: ScopeSnapshot[] = [];
  if (o.day) scopes.push(scopeSnapshot('day', `day:${day.key}`, o.day, dflt, await store.get(`day:${day.key}`), day.resetsAt));
  for (const [model, limit] of Object.entries(o.models ?? {})) {
    const key = `model:${day.key}:${model}`;
    scopes.push({ ...scopeSnapshot('model', key, limit, dflt, await store.get(key), day.resetsAt), model });
  }
  if (o.window && parts.window) {
    const key = `window:${windowBuckets(now, parts.window).at(-1)}`;
    scopes.push(scopeSnapshot('window', key, o.window, dflt, await run(windowTotals(parts.window, now)), windowResetsAt(now, parts.window)));
  }
  if (o.task) {
    for (const taskId of taskIds) {
      const key = `task:${taskId}`;
      scopes.push({ ...scopeSnapshot('task', key, o.task, dflt, await store.get(key), null), taskId });
    }
  }
  return Object.freeze({ at: now, currency: 'USD', timeZone: parts.day.timeZone, prices: parts.prices, openReservations: parts.openReservations, scopes: Object.freeze(scopes) });
}
