import type { ResolvedBreaker } from './options.js';

/** The shortest open period a failure's Retry-After can set (a `retry-after: 0` must not turn the breaker into a retry loop). */
const MIN_HINTED_OPEN_MS = 1_000;

/**
 * The share of slow attempts in a rolling window (resilience4j's
 * `slowCallRateThreshold`). opossum only sees success and failure, so slow
 * calls are counted here, in buckets aligned with the breaker's own window and
 * rotated lazily from the clock. Two small arrays, no timer.
 */
export class SlowCallRate {
  readonly #calls: Float64Array;
  readonly #slow: Float64Array;
  readonly #bucketMs: number;
  #head = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number, buckets: number) {
    this.#calls = new Float64Array(buckets);
    this.#slow = new Float64Array(buckets);
    this.#bucketMs = windowMs / buckets;
  }

  #slot(now: number): number {
    const n = this.#calls.length;
    const index = Math.floor(now / this.#bucketMs);
    if (this.#head === Number.NEGATIVE_INFINITY) this.#head = index;
    if (index > this.#head) {
      for (let i = 1; i <= Math.min(n, index - this.#head); i++) {
        const k = (this.#head + i) % n;
        this.#calls[k] = 0;
        this.#slow[k] = 0;
      }
      this.#head = index;
    }
    return index % n;
  }

  /**
   * Counts one attempt that ended at `now`. True when it was slow and the
   * window, at `o.volumeThreshold` calls or more, is now at least
   * `o.slowCallRateThreshold` percent slow (only a slow call can take it there).
   */
  record(now: number, slow: boolean, o: Pick<ResolvedBreaker, 'volumeThreshold' | 'slowCallRateThreshold'>): boolean {
    const k = this.#slot(now);
    this.#calls[k]!++;
    if (!slow) return false;
    this.#slow[k]!++;
    const w = this.totals(now);
    return w.calls >= o.volumeThreshold && (w.slow / w.calls) * 100 >= o.slowCallRateThreshold;
  }

  totals(now: number): { readonly calls: number; readonly slow: number } {
    this.#slot(now);
    let calls = 0;
    let slow = 0;
    for (let i = 0; i < this.#calls.length; i++) {
      calls += this.#calls[i]!;
      slow += this.#slow[i]!;
    }
    return { calls, slow };
  }

  /** Forgets the window (the breaker opened: its next closed period starts afresh). */
  reset(): void {
    this.#calls.fill(0);
    this.#slow.fill(0);
  }
}

/**
 * The open period after the `trips`-th consecutive trip: `resetMs × 2^(trips − 1)`,
 * capped at `maxMs` (never below `resetMs`). Pure.
 */
export function learnedOpenMs(trips: number, resetMs: number, maxMs: number): number {
  const ms = resetMs * 2 ** Math.max(0, trips - 1);
  return Math.min(Math.max(resetMs, maxMs), Number.isFinite(ms) ? ms : maxMs);
}

/**
 * The open period of the `trips`-th consecutive trip: a quota's own, or the
 * learned one. The provider's own Retry-After (`hintMs`) on the failure that
 * opened it says when to look again: sooner than learned, never later. Pure.
 */
export function openPeriodMs(quota: boolean, trips: number, hintMs: number | undefined, o: ResolvedBreaker): number {
  const hinted = hintMs !== undefined && hintMs > 0 ? hintMs : undefined;
  return quota
    ? Math.min(o.quotaResetTimeoutMs, hinted ?? o.quotaResetTimeoutMs)
    : Math.min(learnedOpenMs(trips, o.resetTimeoutMs, o.maxResetTimeoutMs), Math.max(MIN_HINTED_OPEN_MS, hinted ?? Infinity));
}
