/**
 * Where budget totals live. The manager only needs four operations, each
 * atomic for one key; it never reads-then-writes across a network round trip,
 * so a Redis implementation is four small Lua scripts.
 *
 * Amounts are integers: tokens, and cost in nano-USD (1e-9 USD), so sums are
 * exact and a limit comparison can never be fooled by floating-point drift.
 */

export interface Amount {
  readonly tokens: number;
  /** Cost in nano-USD (USD × 1e9), an integer. */
  readonly costNanos: number;
}

export interface Totals {
  /** Settled usage. */
  readonly used: Amount;
  /** Held by reservations not yet settled or released. */
  readonly reserved: Amount;
}

/** A ceiling per unit; an absent unit is unlimited. */
export interface StoreLimit {
  readonly tokens?: number;
  readonly costNanos?: number;
}

export type StoreReserveResult = { readonly ok: boolean; readonly totals: Totals };

/**
 * Storage for budget totals, keyed by scope period (`day:2026-01-01`, `task:<id>`, …).
 * Every method must be atomic per key: two concurrent `reserve` calls on the
 * same key must never both pass when only one fits.
 */
export interface BudgetStore {
  /** Current totals of `key` (zeros when unknown). */
  get(key: string): Promise<Totals>;
  /**
   * Adds `amount` to `reserved` if, for every unit in `limit`,
   * `used + reserved + amount <= limit`; otherwise changes nothing.
   * Resolves with the totals after the operation.
   */
  reserve(key: string, amount: Amount, limit?: StoreLimit): Promise<StoreReserveResult>;
  /** Removes `reserved` from the reservations and adds `used` to the settled usage. */
  settle(key: string, reserved: Amount, used: Amount): Promise<Totals>;
  /** Removes `reserved` from the reservations; nothing is added to the usage. */
  release(key: string, reserved: Amount): Promise<Totals>;
  /**
   * Optional: drops a key whose period is over (a past day, a window bucket
   * out of the window, a task idle for `budget.taskTtlMs`). The manager calls
   * it so a long-running process keeps only live keys. Stores that expire keys
   * themselves (Redis TTLs) need not implement it.
   */
  delete?(key: string): Promise<void> | void;
  /** Optional: the keys held, so keys left by an earlier run (a file store's log) are expired too. */
  keys?(): readonly string[];
}

export const ZERO: Amount = Object.freeze({ tokens: 0, costNanos: 0 });

interface Entry {
  usedTokens: number;
  usedNanos: number;
  resTokens: number;
  resNanos: number;
}

// Fresh objects on every call (never shared with the map), so no freeze: this runs twice per budgeted call.
const totalsOf = (e: Entry | undefined): Totals => ({
  used: { tokens: e?.usedTokens ?? 0, costNanos: e?.usedNanos ?? 0 },
  reserved: { tokens: e?.resTokens ?? 0, costNanos: e?.resNanos ?? 0 },
});

/**
 * Totals in a Map. Atomic per key because each operation runs to completion
 * synchronously before its promise resolves. This is the default store, and
 * the in-memory half of {@link FileBudgetStore}.
 */
export class MemoryBudgetStore implements BudgetStore {
  readonly #entries = new Map<string, Entry>();
  /** The key written last and its entry: a call reserves and settles the same key, and so does the next call. */
  #lastKey: string | undefined;
  #lastEntry: Entry | undefined;

  #entry(key: string): Entry {
    if (key === this.#lastKey) return this.#lastEntry!;
    let e = this.#entries.get(key);
    if (!e) {
      e = { usedTokens: 0, usedNanos: 0, resTokens: 0, resNanos: 0 };
      this.#entries.set(key, e);
    }
    this.#lastKey = key;
    this.#lastEntry = e;
    return e;
  }

  /** Synchronous forms, for stores that wrap this one. */
  getSync(key: string): Totals {
    return totalsOf(this.#entries.get(key));
  }

  reserveSync(key: string, amount: Amount, limit?: StoreLimit): StoreReserveResult {
    const ok = this.tryReserveSync(key, amount, limit);
    return { ok, totals: totalsOf(this.#entries.get(key)) };
  }

  /** {@link reserveSync} without the totals: whether `amount` was reserved. No object is built. */
  tryReserveSync(key: string, amount: Amount, limit?: StoreLimit): boolean {
    const e = this.#entry(key);
    const fitsTokens = limit?.tokens === undefined || e.usedTokens + e.resTokens + amount.tokens <= limit.tokens;
    const fitsCost = limit?.costNanos === undefined || e.usedNanos + e.resNanos + amount.costNanos <= limit.costNanos;
    if (!(fitsTokens && fitsCost)) return false;
    e.resTokens += amount.tokens;
    e.resNanos += amount.costNanos;
    return true;
  }

  settleSync(key: string, reserved: Amount, used: Amount): Totals {
    return totalsOf(this.#settle(key, reserved, used));
  }

  #settle(key: string, reserved: Amount, used: Amount): Entry {
    const e = this.#entry(key);
    // Clamped: a release after a restart (reservations are not persisted) must not go negative.
    e.resTokens = Math.max(0, e.resTokens - reserved.tokens);
    e.resNanos = Math.max(0, e.resNanos - reserved.costNanos);
    e.usedTokens += used.tokens;
    e.usedNanos += used.costNanos;
    return e;
  }

  /**
   * {@link settleSync} for the budget's own settle, which reads the totals at once and keeps nothing of
   * them: they come in one object reused by every call (valid until the next one), not three new ones.
   */
  settleSyncView(key: string, reserved: Amount, used: Amount): Totals {
    const e = this.#settle(key, reserved, used);
    const v = this.#view;
    v.used.tokens = e.usedTokens;
    v.used.costNanos = e.usedNanos;
    v.reserved.tokens = e.resTokens;
    v.reserved.costNanos = e.resNanos;
    return v;
  }

  readonly #view = { used: { tokens: 0, costNanos: 0 }, reserved: { tokens: 0, costNanos: 0 } };

  /** Adds settled usage without touching reservations (used when replaying a log). */
  addUsedSync(key: string, used: Amount): void {
    const e = this.#entry(key);
    e.usedTokens += used.tokens;
    e.usedNanos += used.costNanos;
  }

  /** Keys currently held, for inspection and tests. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  /** Drops a key whose period is over. */
  delete(key: string): void {
    this.#entries.delete(key);
    if (key === this.#lastKey) this.#lastKey = this.#lastEntry = undefined;
  }

  async get(key: string): Promise<Totals> {
    return this.getSync(key);
  }
  async reserve(key: string, amount: Amount, limit?: StoreLimit): Promise<StoreReserveResult> {
    return this.reserveSync(key, amount, limit);
  }
  async settle(key: string, reserved: Amount, used: Amount): Promise<Totals> {
    return this.settleSync(key, reserved, used);
  }
  async release(key: string, reserved: Amount): Promise<Totals> {
    return this.settleSync(key, reserved, ZERO);
  }
}
