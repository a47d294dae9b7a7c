import type { BudgetAction, BudgetScope } from './events.js';
import type { BudgetLimit } from './options.js';
import type { PricesInfo } from './pricing.js';
import type { Totals } from './store.js';

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
