import type { RandomSource } from '../clock/clock.js';
import type { ResolvedRetry } from './options.js';

/**
 * The backoff delay before retry number `retry` (1 = the first retry), before
 * any server `retry-after` is considered. Pure: randomness comes in as `random`.
 *
 * | jitter | delay                                 |
 * |--------|---------------------------------------|
 * | none   | d                                     |
 * | equal  | d/2 + random × d/2                    |
 * | full   | random × d                            |
 *
 * where d = min(maxDelayMs, initialDelayMs × multiplier^(retry − 1)).
 */
export function backoffDelay(retry: number, options: ResolvedRetry, random: RandomSource): number {
  const exp = options.initialDelayMs * options.multiplier ** Math.max(0, retry - 1);
  const d = Math.min(options.maxDelayMs, Number.isFinite(exp) ? exp : options.maxDelayMs);
  switch (options.jitter) {
    case 'none':
      return d;
    case 'full':
      return Math.round(clamp01(random()) * d);
    default:
      return Math.round(d / 2 + (clamp01(random()) * d) / 2);
  }
}

const clamp01 = (x: number) => (x >= 0 && x < 1 ? x : x >= 1 ? 1 : 0);

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly giveUp: 'not_retryable' | 'retry_after_too_long' | 'exhausted' };

/**
 * Whether to retry after a failure, and how long to wait. A server's
 * retry-after wins over backoff and is honoured exactly; one above the cap is
 * not waited for at all (the chain falls back instead).
 */
export function decideRetry(
  failure: { retryable: boolean; retryAfterMs?: number | undefined },
  retriesDone: number,
  options: ResolvedRetry,
  random: RandomSource,
): RetryDecision {
  if (!failure.retryable) return { retry: false, giveUp: 'not_retryable' };
  if (failure.retryAfterMs !== undefined && failure.retryAfterMs > options.maxRetryAfterMs) {
    return { retry: false, giveUp: 'retry_after_too_long' };
  }
  if (retriesDone >= options.maxRetries) return { retry: false, giveUp: 'exhausted' };
  const delayMs = failure.retryAfterMs ?? backoffDelay(retriesDone + 1, options, random);
  return { retry: true, delayMs };
}
