import type { Clock } from '../clock/clock.js';

/**
 * How many re-sends a model may take, relative to its recent successes. The
 * mechanism of Finagle's `RetryBudget` (and, in spirit, gRPC's retryThrottling,
 * the AWS SDKs' retry quota and Envoy's retry budgets): a retry is allowed while
 *
 *     retries in the window + 1 ≤ ratio × successes in the window + minPerSecond × window seconds
 *
 * so a model that fails for everyone cannot multiply the traffic it receives,
 * while a quiet client still gets its occasional retry from the floor.
 */
export interface ResolvedRetryBudget {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly windowMs: number;
}

/** What a refusal reports (the `retry:throttled` event carries these). */
export interface RetryThrottle {
  readonly model: string;
  /** Re-sends already taken in the window. */
  readonly retries: number;
  /** Successful attempts in the window. */
  readonly successes: number;
  /** Re-sends the window allows (ratio × successes + floor), rounded down. */
  readonly allowed: number;
}

/** A model's budget as plain data (the client's snapshot carries one per model). */
export interface RetryBudgetState {
  readonly successes: number;
  readonly retries: number;
  /** Re-sends still available now. */
  readonly available: number;
  /** Re-sends refused since the client started. */
  readonly throttled: number;
}

const BUCKETS = 10;

/** One model's counts in a ring of {@link BUCKETS} buckets, rotated lazily from the clock. */
class Ledger {
  readonly successes = new Float64Array(BUCKETS);
  readonly retries = new Float64Array(BUCKETS);
  /** Index of the newest bucket (time / bucketMs). */
  head = Number.NEGATIVE_INFINITY;
  throttled = 0;

  /** The slot of `head`. */
  slot = 0;

  /** Rotates to the bucket of `index`, zeroing the buckets skipped over. */
  roll(index: number): number {
    if (index === this.head) return this.slot;
    if (this.head === Number.NEGATIVE_INFINITY) this.head = index;
    if (index > this.head) {
      const steps = Math.min(BUCKETS, index - this.head);
      for (let i = 1; i <= steps; i++) {
        const k = (((this.head + i) % BUCKETS) + BUCKETS) % BUCKETS;
        this.successes[k] = 0;
        this.retries[k] = 0;
      }
      this.head = index;
    }
    const slot = ((index % BUCKETS) + BUCKETS) % BUCKETS;
    if (index === this.head) this.slot = slot;
    return slot;
  }

  sum(of: Float64Array): number {
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) n += of[i]!;
    return n;
  }
}

/**
 * Per-model retry budget on the injected clock. Memory: two small arrays per
 * model that has been called; no timer.
 *
 * `tryAcquire` is the one entry point for every re-send a policy wants to make
 * (a retry on the same model, a re-send after a rate-limit spill): it takes one
 * token, or refuses and reports the throttle.
 */
export class RetryBudget {
  readonly options: ResolvedRetryBudget;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #ledgers = new Map<string, Ledger>();
  readonly #onThrottle: ((t: RetryThrottle, context: ThrottleContext | undefined) => void) | undefined;
  /** The model whose ledger was asked for last, and that ledger: a model's successes come in runs. */
  #lastModel: string | undefined;
  #lastLedger: Ledger | undefined;

  constructor(options: ResolvedRetryBudget, clock: Clock, onThrottle?: (t: RetryThrottle, context: ThrottleContext | undefined) => void) {
    this.options = options;
    this.#clock = clock;
    this.#bucketMs = options.windowMs / BUCKETS;
    this.#onThrottle = onThrottle;
  }

  #ledger(model: string): Ledger {
    if (model === this.#lastModel) return this.#lastLedger!;
    let l = this.#ledgers.get(model);
    if (!l) {
      l = new Ledger();
      this.#ledgers.set(model, l);
    }
    this.#lastModel = model;
    this.#lastLedger = l;
    return l;
  }

  /** A successful attempt on `model`: it earns `ratio` re-sends for the window. */
  recordSuccess(model: string, now = this.#clock.now()): void {
    const l = this.#ledger(model);
    l.successes[l.roll(Math.floor(now / this.#bucketMs))]!++;
  }

  /**
   * Takes one re-send from `model`'s budget. Returns false, takes nothing and
   * reports the throttle (the client emits `retry:throttled`) when the budget is
   * empty: the caller should move on to the next model or fail, not wait.
   */
  tryAcquire(model: string, context?: ThrottleContext): boolean {
    const now = this.#clock.now();
    const l = this.#ledger(model);
    const slot = l.roll(Math.floor(now / this.#bucketMs));
    const successes = l.sum(l.successes);
    const retries = l.sum(l.retries);
    const allowed = this.#allowed(successes);
    if (retries + 1 <= allowed) {
      l.retries[slot]!++;
      return true;
    }
    l.throttled++;
    this.#onThrottle?.(Object.freeze({ model, retries, successes, allowed: Math.floor(allowed) }), context);
    return false;
  }

  #allowed(successes: number): number {
    const o = this.options;
    return o.ratio * successes + (o.minPerSecond * o.windowMs) / 1000;
  }

  /** Drops `model`'s ledger (the client forgets idle models beyond its bound). */
  forget(model: string): void {
    if (model === this.#lastModel) this.#lastModel = this.#lastLedger = undefined;
    this.#ledgers.delete(model);
  }

  /** Every model's budget as of now, as plain data. */
  snapshot(now = this.#clock.now()): Record<string, RetryBudgetState> {
    const out: Record<string, RetryBudgetState> = {};
    for (const [model, l] of this.#ledgers) {
      l.roll(Math.floor(now / this.#bucketMs));
      const successes = l.sum(l.successes);
      const retries = l.sum(l.retries);
      out[model] = Object.freeze({ successes, retries, available: Math.max(0, Math.floor(this.#allowed(successes) - retries)), throttled: l.throttled });
    }
    return out;
  }
}

/** Who asked for the re-send, for the event: the call's task, the attempt and why it wanted to re-send. */
export interface ThrottleContext {
  readonly taskId?: string | undefined;
  readonly attempt?: number;
  /** `retry` for a retry on the same model, `spill` for a re-send on another model after a rate limit. */
  readonly kind?: 'retry' | 'spill';
  /** The failure kind that prompted the re-send (e.g. `server`, `rate_limit`). */
  readonly reason?: string;
}
