import type { Clock } from '../clock/clock.js';

const KEEP_ALIVE = Object.freeze({ keepAlive: true });

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
  return new Promise<T>((resolve, reject) => {
    let done = false;
    // Kept alive: a pending call's promise waits on this answer.
    const timer = clock.setTimeout(
      () => {
        done = true;
        reject(new StoreTimeoutError(timeoutMs));
      },
      timeoutMs,
      KEEP_ALIVE,
    );
    p.then(
      (value) => {
        if (done) {
          try {
            onLate?.(value);
          } catch {
            /* giving back a late answer is best effort */
          }
          return;
        }
        done = true;
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (done) return;
        done = true;
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}
