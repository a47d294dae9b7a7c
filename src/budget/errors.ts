import { ResilienceError } from '../errors/errors.js';
import { safeErrorMessage } from '../errors/redact.js';
import type { BudgetAction, BudgetScope, BudgetUnit } from './events.js';

// Same brand as src/errors/errors.ts: a global symbol, so the guard works across copies of the package.
const BRAND = Symbol.for('llm-resilience.error');

/** Why a reservation was refused: the first scope that had no room. */
export interface BudgetDenialDetails {
  readonly scope: BudgetScope;
  /** The store key of the scope's current period, e.g. `day:2026-01-01` or `task:abc`. */
  readonly key: string;
  /** The model the call was for. */
  readonly model: string;
  readonly action: Exclude<BudgetAction, 'warn-only'>;
  /** Whether the token or the USD limit was hit. */
  readonly unit: BudgetUnit;
  readonly limit: number;
  /** Settled usage in the scope's period, in `unit`. */
  readonly used: number;
  /** Held by calls in flight, in `unit`. */
  readonly reserved: number;
  /** What this call asked to reserve, in `unit`. */
  readonly requested: number;
}

const fmt = (unit: BudgetUnit, n: number) => (unit === 'usd' ? `$${n.toFixed(6).replace(/0{1,4}$/, '')}` : `${n} tokens`);

/**
 * A budget had no room for the call; no request was sent. With the `fallback`
 * action the client moves on to the next model (a cheaper one may fit); with
 * `reject` the call fails with this error.
 */
export class BudgetExceededError extends ResilienceError implements BudgetDenialDetails {
  readonly scope: BudgetScope;
  readonly key: string;
  readonly model: string;
  readonly action: Exclude<BudgetAction, 'warn-only'>;
  readonly unit: BudgetUnit;
  readonly limit: number;
  readonly used: number;
  readonly reserved: number;
  readonly requested: number;

  constructor(details: BudgetDenialDetails) {
    const d = details;
    super(
      'BUDGET_EXCEEDED',
      `Budget exceeded for model "${d.model}": ${d.scope} limit ${fmt(d.unit, d.limit)} (used ${fmt(d.unit, d.used)}, reserved ${fmt(d.unit, d.reserved)}, requested ${fmt(d.unit, d.requested)})`,
    );
    this.name = 'BudgetExceededError';
    this.scope = d.scope;
    this.key = d.key;
    this.model = d.model;
    this.action = d.action;
    this.unit = d.unit;
    this.limit = d.limit;
    this.used = d.used;
    this.reserved = d.reserved;
    this.requested = d.requested;
  }
}

export const isBudgetExceededError = (value: unknown): value is BudgetExceededError =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<symbol, unknown>)[BRAND] === true &&
  (value as { code?: unknown }).code === 'BUDGET_EXCEEDED';

/** Which store operation failed. */
export type BudgetStoreOperation = 'get' | 'reserve' | 'settle' | 'release';

/**
 * The budget store failed (threw, or did not answer within
 * `budget.storeTimeoutMs`) while a call was being reserved, and
 * `budget.onStoreError` is `'closed'`: the call was refused, nothing was sent,
 * and every scope held before the failure was released. The store's own
 * error is in `cause`; the message carries it redacted.
 */
export class BudgetStoreError extends ResilienceError {
  readonly operation: BudgetStoreOperation;
  /** The store key being worked on, e.g. `day:2026-01-01`. */
  readonly key: string;
  readonly model: string;
  /** True when the store did not answer in time (it may still apply the operation later). */
  readonly timedOut: boolean;

  constructor(operation: BudgetStoreOperation, key: string, model: string, cause: unknown, timedOut: boolean) {
    super('BUDGET_STORE', `Budget store failed during ${operation} of "${key}" for model "${model}": ${safeErrorMessage(cause)}`, { cause });
    this.name = 'BudgetStoreError';
    this.operation = operation;
    this.key = key;
    this.model = model;
    this.timedOut = timedOut;
  }
}

export const isBudgetStoreError = (value: unknown): value is BudgetStoreError =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<symbol, unknown>)[BRAND] === true &&
  (value as { code?: unknown }).code === 'BUDGET_STORE';
