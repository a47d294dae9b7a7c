import { type Clock, withDeadline } from '../clock/clock.js';
import type { BudgetStoreOperation } from './errors.js';
import { type Amount, type BudgetStore, MemoryBudgetStore, type StoreLimit, type StoreReserveResult, type Totals, ZERO } from './store.js';

/** A store operation that did not answer within `budget.storeTimeoutMs`. */
export class StoreTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the budget store did not answer within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/** A store failure, with which operation on which key it was. */
export class StoreFault {
  constructor(
    readonly operation: BudgetStoreOperation,
    readonly key: string,
    readonly error: unknown,
  ) {}
}

/** One store operation a budget step asks for. */
export type StoreOp =
  | { readonly op: 'get'; readonly key: string }
  | { readonly op: 'reserve'; readonly key: string; readonly amount: Amount; readonly limit?: StoreLimit | undefined }
  | { readonly op: 'settle'; readonly key: string; readonly reserved: Amount; readonly used: Amount }
  | { readonly op: 'release'; readonly key: string; readonly reserved: Amount }
  | { readonly op: 'delete'; readonly key: string };

/**
 * A budget operation written once as a generator: it yields each store
 * operation and receives its answer; a failed one is thrown into it as a
 * {@link StoreFault}. {@link StoreRunner} drives it synchronously for the
 * in-memory store and through the store's promises (bounded by a timeout) for
 * any other.
 */
// The answer's type depends on the operation yielded: the generator reads it as the one it asked for.
// biome-ignore lint/suspicious/noExplicitAny: each answer is the one its operation returns, read as such by the step that asked
export type Steps<T> = Generator<StoreOp, T, any>;

const operationOf = (op: StoreOp): BudgetStoreOperation => (op.op === 'delete' ? 'settle' : op.op);

/** Runs {@link Steps} against a store. */
export class StoreRunner {
  readonly #store: BudgetStore;
  readonly #clock: Clock;
  readonly #timeoutMs: number | undefined;
  /** The store itself when its answers can be read synchronously (the in-memory store, not a subclass). */
  readonly #memory: MemoryBudgetStore | undefined;

  constructor(store: BudgetStore, clock: Clock, timeoutMs: number | undefined) {
    this.#store = store;
    this.#clock = clock;
    this.#memory = Object.getPrototypeOf(store) === MemoryBudgetStore.prototype ? (store as MemoryBudgetStore) : undefined;
    // The in-memory store answers synchronously: no timer per operation for it.
    this.#timeoutMs = this.#memory ? undefined : timeoutMs;
  }

  /** The in-memory store, when it is the store: its operations can be called directly. */
  get memory(): MemoryBudgetStore | undefined {
    return this.#memory;
  }

  /** True when every step runs synchronously: no promise hop per store operation. */
  get sync(): boolean {
    return this.#memory !== undefined;
  }

  /** Runs `steps`; synchronous for the in-memory store. A thrown error (not a handled fault) rejects. */
  run<T>(steps: Steps<T>): Promise<T> {
    if (!this.#memory) return this.#runAsync(steps);
    try {
      return Promise.resolve(this.runSync(steps, this.#memory));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Runs `steps` to the end now; only for a {@link sync} runner (a thrown error throws). */
  runSync<T>(steps: Steps<T>, store: MemoryBudgetStore = this.#memory!): T {
    let r = steps.next();
    while (!r.done) {
      const op = r.value;
      let answer: unknown;
      try {
        answer = syncOp(store, op);
      } catch (error) {
        r = steps.throw(new StoreFault(operationOf(op), op.key, error));
        continue;
      }
      r = steps.next(answer);
    }
    return r.value;
  }

  async #runAsync<T>(steps: Steps<T>): Promise<T> {
    let r = steps.next();
    while (!r.done) {
      const op = r.value;
      let answer: unknown;
      try {
        answer = await this.call(op);
      } catch (error) {
        r = steps.throw(new StoreFault(operationOf(op), op.key, error));
        continue;
      }
      r = steps.next(answer);
    }
    return r.value;
  }

  /** One operation through the store's promise, bounded by the timeout. */
  call(op: StoreOp): Promise<unknown> {
    const s = this.#store;
    switch (op.op) {
      case 'get':
        return storeCall(this.#clock, this.#timeoutMs, () => s.get(op.key));
      case 'reserve': {
        // A reservation that lands after its timeout belongs to a call already refused or let through: give it back.
        const late = (r: StoreReserveResult) => {
          if (r.ok) void s.release(op.key, op.amount).catch(() => {});
        };
        return storeCall(this.#clock, this.#timeoutMs, () => s.reserve(op.key, op.amount, op.limit), late);
      }
      case 'settle':
        return storeCall(this.#clock, this.#timeoutMs, () => s.settle(op.key, op.reserved, op.used));
      case 'release':
        return storeCall(this.#clock, this.#timeoutMs, () => s.release(op.key, op.reserved));
      case 'delete':
        return storeCall(this.#clock, this.#timeoutMs, async () => s.delete!(op.key));
    }
  }
}

function syncOp(store: MemoryBudgetStore, op: StoreOp): StoreReserveResult | Totals | undefined {
  switch (op.op) {
    case 'get':
      return store.getSync(op.key);
    case 'reserve':
      return store.reserveSync(op.key, op.amount, op.limit);
    case 'settle':
      return store.settleSync(op.key, op.reserved, op.used);
    case 'release':
      return store.settleSync(op.key, op.reserved, ZERO);
    case 'delete':
      store.delete(op.key);
      return undefined;
  }
}

/**
 * Runs one store operation, rejecting with {@link StoreTimeoutError} when it
 * has not settled within `timeoutMs` (undefined: no limit, for the in-memory
 * store). A synchronous throw becomes a rejection. When the operation answers
 * after the timeout, `onLate` gets its value, so a reservation the caller
 * already gave up on can be given back.
 */
export function storeCall<T>(clock: Clock, timeoutMs: number | undefined, op: () => Promise<T>, onLate?: (value: T) => void): Promise<T> {
  let p: Promise<T>;
  try {
    p = op();
  } catch (error) {
    return Promise.reject(error);
  }
  if (timeoutMs === undefined) return p;
  // Kept alive: a pending call's promise waits on this answer.
  return withDeadline(clock, timeoutMs, p, () => new StoreTimeoutError(timeoutMs), { keepAlive: true, ...(onLate ? { onLate } : {}) });
}
