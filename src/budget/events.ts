import type { EventBase } from '../events/events.js';
import type { Usage } from '../usage/extract.js';

/** Which budget a number belongs to. `model` budgets count per model per day. */
export type BudgetScope = 'task' | 'day' | 'model' | 'window';
/** What happens when a call does not fit: fail it, move to the next model, or only emit. */
export type BudgetAction = 'reject' | 'fallback' | 'warn-only';
export type BudgetUnit = 'tokens' | 'usd';

interface ScopeFields {
  readonly scope: BudgetScope;
  /** Store key of the scope's current period (`day:2026-01-01`, `task:<id>`, `model:<day>:<model>`, `window:<bucket>`). */
  readonly key: string;
  readonly unit: BudgetUnit;
  readonly limit: number;
  readonly used: number;
  readonly reserved: number;
}

/** A scope's settled usage reached a threshold, used ≥ threshold × limit (once per threshold per scope period). */
export interface BudgetWarningEvent extends EventBase, ScopeFields {
  /** The threshold reached, in (0, 1]. */
  readonly threshold: number;
}

/** A call did not fit in a scope. With `warn-only` the call still went ahead. */
export interface BudgetExceededEvent extends EventBase, ScopeFields {
  readonly model: string;
  readonly action: BudgetAction;
  /** What the call asked to reserve, in `unit`. */
  readonly requested: number;
}

/** The usage a call was settled with, and its cost. */
export interface BudgetUsageEvent extends EventBase {
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheWriteTokens: number;
  readonly reasoningTokens: number;
  /** `null` when the model has no price. */
  readonly costUsd: number | null;
  /** True when the response reported no valid usage and the reservation's estimate was settled instead. */
  readonly estimated: boolean;
}

/** Something made the accounting less exact; the call itself was not affected. */
export interface BudgetUsageWarningEvent extends EventBase {
  readonly model: string;
  /**
   * `missing`: the response carried no usage (the estimate was settled);
   * `invalid`: it carried negative / NaN / non-numeric counts (ignored, the estimate was settled);
   * `unpriced`: the model has no price, so USD budgets count it as $0 (emitted once per model);
   * `store`: the budget store failed (message in `detail`).
   */
  readonly reason: 'missing' | 'invalid' | 'unpriced' | 'store';
  /** The offending usage field, or the store's error message (redacted). */
  readonly detail?: string;
}

/** The budget events, by name. The client merges this map into its own. */
export interface BudgetEvents {
  'budget:warning': BudgetWarningEvent;
  'budget:exceeded': BudgetExceededEvent;
  'budget:usage': BudgetUsageEvent;
  'budget:usage-warning': BudgetUsageWarningEvent;
}

/** The slice of the client's event bus the budget needs. */
export interface BudgetEmitter {
  wants(name: keyof BudgetEvents): boolean;
  emit<K extends keyof BudgetEvents>(name: K, payload: BudgetEvents[K]): void;
  /**
   * Optional: a settled call's usage as arguments, for an emitter that needs the figures whether
   * or not anyone listens (the client feeding its monitor); it builds the `budget:usage` payload
   * ({@link usagePayload}) only for listeners. Without it, the payload is built when wanted and emitted.
   */
  usage?(now: number, model: string, taskId: string | undefined, actual: Usage, costUsd: number | null, estimated: boolean): void;
}

/** The `budget:usage` payload of a settled call. */
export function usagePayload(now: number, model: string, taskId: string | undefined, actual: Usage, costUsd: number | null, estimated: boolean): BudgetUsageEvent {
  const { inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, reasoningTokens } = actual;
  // Two literals rather than a spread: built on every settle someone listens to.
  return taskId === undefined
    ? { timestamp: now, model, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, reasoningTokens, costUsd, estimated }
    : { timestamp: now, taskId, model, inputTokens, outputTokens, cachedInputTokens, cacheWriteTokens, reasoningTokens, costUsd, estimated };
}
