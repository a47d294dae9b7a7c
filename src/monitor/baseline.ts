import type { Ring } from './window.js';

/** What the monitor has seen of a model's successful attempt latency, over its longest window. */
export interface LatencyBaseline {
  /** Successful attempts the percentiles are read from. */
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * A model's latency baseline, recomputed at most once per `refreshMs` (merging
 * the window's sketches is the only cost, so per-call reads are free). The
 * longest window is the default source: a five-minute incident moves it least.
 */
export class BaselineCache {
  #value: LatencyBaseline | undefined;
  #at = Number.NEGATIVE_INFINITY;

  read(ring: Ring, now: number, refreshMs: number, relativeAccuracy: number): LatencyBaseline | undefined {
    if (now - this.#at < refreshMs) return this.#value;
    this.#at = now;
    const sk = ring.merged(now, 'latency', relativeAccuracy);
    // Clamp to [min, max]: a sketch returns a bin's representative value, which can sit just outside.
    const q = (p: number) => Math.min(sk!.max, Math.max(sk!.min, sk!.getValueAtQuantile(p)));
    this.#value = sk && sk.count > 0 ? Object.freeze({ samples: sk.count, p50: q(0.5), p99: q(0.99) }) : undefined;
    return this.#value;
  }
}
