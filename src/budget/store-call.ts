import { type Clock, withDeadline } from '../clock/clock.js';

/** A store operation that did not answer within `budget.storeTimeoutMs`. */
export class StoreTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the budget store did not answer within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
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
