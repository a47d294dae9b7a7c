import type { Ring } from './window.js';

/** What the monitor has seen of a model's successful attempt latency (or time to first token) over one window. */
export interface LatencyBaseline {
  /** Successful attempts the percentiles are read from. */
  readonly samples: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * Percentiles of one ring's latency (or TTFT) sketches, recomputed at most once
 * per `refreshMs` (merging the window's sketches is the only cost, so per-call
 * reads are free). Derived attempt deadlines read the longest window (a
 * five-minute incident moves it least); hedge delays read the health window.
 */
export class BaselineCache {
  #value: LatencyBaseline | undefined;
  #at = Number.NEGATIVE_INFINITY;
  readonly #which: 'latency' | 'ttft';

  constructor(which: 'latency' | 'ttft' = 'latency') {
    this.#which = which;
  }

  /** `pending`: the model's successes not yet in `ring`, written out only when the cache is recomputed. */
  read(ring: Ring, now: number, refreshMs: number, relativeAccuracy: number, pending?: { flush(): void }): LatencyBaseline | undefined {
    if (now - this.#at < refreshMs) return this.#value;
    return this.#refresh(ring, now, relativeAccuracy, pending);
  }

  // Apart from `read`: its closure over the sketch would give `read` a context to allocate on every call.
  #refresh(ring: Ring, now: number, relativeAccuracy: number, pending: { flush(): void } | undefined): LatencyBaseline | undefined {
    this.#at = now;
    pending?.flush();
    const sk = ring.merged(now, this.#which, relativeAccuracy);
    // Clamp to [min, max]: a sketch returns a bin's representative value, which can sit just outside.
    const q = (p: number) => Math.min(sk!.max, Math.max(sk!.min, sk!.getValueAtQuantile(p)));
    this.#value = sk && sk.count > 0 ? Object.freeze({ samples: sk.count, p50: q(0.5), p95: q(0.95), p99: q(0.99) }) : undefined;
    return this.#value;
  }
}
