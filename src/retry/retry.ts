import { onDemand } from '../clock/on-demand.js';

/**
 * p-retry is loaded at the first failure, not at import: a cold start whose
 * calls all succeed never pays for it (3–4 ms of CPU measured). The load
 * overlaps the wait before the first retry.
 */
const loadPRetry = onDemand(() =>
  import('p-retry').then((m) => {
    // The CommonJS build bundles p-retry into a chunk of its own; importing that chunk gives its exports under `default`.
    const fn: unknown = m.default;
    return (typeof fn === 'function' ? fn : (fn as { default: typeof m.default }).default) as typeof m.default;
  }),
);

/** Carries a failed attempt through p-retry untouched (p-retry rethrows non-network TypeErrors and wraps non-Errors). */
class AttemptFailed extends Error {
  readonly inner: unknown;
  constructor(inner: unknown) {
    super('attempt failed');
    this.inner = inner;
  }
}

export interface RetryLoop<T> {
  /** Runs attempt `n` (1-based). */
  attempt(n: number): Promise<T>;
  /**
   * Called after attempt `n` failed. Resolve `true` after waiting to try again,
   * `false` to stop; a rejection (e.g. the caller's abort during the wait) stops too.
   */
  onFailure(error: unknown, n: number): Promise<boolean> | boolean;
}

/**
 * The retry loop after a first attempt, which the caller ran itself, failed
 * with `first`: runs attempts 2, 3, … until one succeeds or `onFailure` says
 * stop, and rejects with the last attempt's error, unchanged.
 *
 * The first attempt runs outside p-retry: a call that succeeds at once (nearly
 * all of them) pays nothing for retry machinery, and builds no loop. From the
 * first failure on, p-retry owns the loop; its own delay is zero and the wait
 * happens on our clock inside `shouldRetry`.
 */
export async function retryAfter<T>(loop: RetryLoop<T>, maxRetries: number, first: unknown): Promise<T> {
  if (maxRetries <= 0) throw first;
  const pRetry = loadPRetry();
  // Nothing may reject unobserved if we stop here (the load is awaited only on the retry path).
  pRetry.catch(() => {});
  if (!(await loop.onFailure(first, 1))) throw first;
  try {
    return await (await pRetry)(
      async (n) => {
        try {
          return await loop.attempt(n + 1);
        } catch (error) {
          throw new AttemptFailed(error);
        }
      },
      {
        retries: maxRetries - 1,
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        shouldRetry: ({ error, attemptNumber }) => loop.onFailure((error as AttemptFailed).inner, attemptNumber + 1),
      },
    );
  } catch (error) {
    throw error instanceof AttemptFailed ? error.inner : error;
  }
}
