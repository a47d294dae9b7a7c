import type { FailureKind } from '../classify/classify.js';

/**
 * Why a retry that backoff would allow is not made after all. Each one sends
 * the call on to the next model (or ends it when there is none) instead of
 * sleeping:
 * - `breaker_open`: this failure opened the model's breaker; the retry would be refused.
 * - `deadline`: the wait would end past the call's deadline.
 * - `fallback_first`: a transient failure, and the next model is available now.
 * - `throttled`: the model's retry budget is empty.
 */
export type RetryVeto = 'breaker_open' | 'deadline' | 'fallback_first' | 'throttled';

/** Failures a healthy next model is preferred over a backoff sleep for. A rate limit is capacity, handled by its retry-after. */
const FAIL_OVER_FIRST: ReadonlySet<FailureKind> = new Set<FailureKind>(['server', 'overloaded', 'network', 'timeout']);

export interface RetryGateInput {
  readonly kind: FailureKind;
  /** The wait before the retry, in ms. */
  readonly delayMs: number;
  /** The model's breaker is no longer closed after this failure. */
  readonly breakerOpen: boolean;
  /** Time left before the call's deadline, when it has one. */
  readonly remainingMs: number | undefined;
  readonly preferFallback: boolean;
  /** Whether the next model of the chain could take the call now (asked only when it matters). */
  readonly nextAvailable: () => boolean;
  /** Takes one token from the retry budget (asked last, so a veto never spends one). */
  readonly acquire: () => boolean;
}

/** Decides whether an allowed retry is really made. Pure apart from the two callbacks; first veto wins. */
export function gateRetry(i: RetryGateInput): RetryVeto | undefined {
  if (i.breakerOpen) return 'breaker_open';
  if (i.remainingMs !== undefined && i.delayMs >= i.remainingMs) return 'deadline';
  if (i.preferFallback && FAIL_OVER_FIRST.has(i.kind) && i.nextAvailable()) return 'fallback_first';
  if (!i.acquire()) return 'throttled';
  return undefined;
}
