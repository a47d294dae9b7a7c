import { QuantileSketch } from './sketch.js';

/** A bucket's counters that a model calling quietly never moves: made at the first of them. */
export class BucketExtras {
  retries = 0;
  fallbacksIn = 0;
  fallbacksOut = 0;
  breakerOpenMs = 0;
  unhealthyMs = 0;
  streams = 0;
  ttft: QuantileSketch | undefined;
}

const EXTRA_FIELDS = ['retries', 'fallbacksIn', 'fallbacksOut', 'breakerOpenMs', 'unhealthyMs', 'streams'] as const;
const NO_EXTRAS: Readonly<BucketExtras> = Object.freeze(new BucketExtras());

/**
 * Counters of one time bucket. Buckets are allocated once per ring and reset
 * in place when they rotate, so recording a sample allocates nothing but,
 * at most once per bucket period, the bucket's sketch (and its extras, for
 * retries, fallbacks, streams and open or unhealthy time).
 */
export class Bucket {
  index = Number.NEGATIVE_INFINITY;
  calls = 0;
  successes = 0;
  errors = 0;
  timeouts = 0;
  rateLimited = 0;
  inputTokens = 0;
  outputTokens = 0;
  costUsd = 0;
  latency: QuantileSketch | undefined;
  #extras: BucketExtras | undefined;

  /** The rarer counters, made on first use. */
  more(): BucketExtras {
    return (this.#extras ??= new BucketExtras());
  }

  /** The rarer counters to read: all zero when never used. */
  get extras(): Readonly<BucketExtras> {
    return this.#extras ?? NO_EXTRAS;
  }

  reset(index: number): void {
    this.index = index;
    this.calls = this.successes = this.errors = this.timeouts = this.rateLimited = 0;
    this.inputTokens = this.outputTokens = this.costUsd = 0;
    this.latency = this.#extras = undefined;
  }
}

export type IntervalField = 'breakerOpenMs' | 'unhealthyMs';

/** Numeric fields summed over a window. */
export interface WindowCounts {
  calls: number;
  successes: number;
  errors: number;
  timeouts: number;
  rateLimited: number;
  retries: number;
  fallbacksIn: number;
  fallbacksOut: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  breakerOpenMs: number;
  unhealthyMs: number;
  streams: number;
}

/**
 * A rolling window of `windowMs` split into `buckets` buckets aligned on
 * `origin + k × bucketMs`. Rotation is lazy (on record and on read), so an idle
 * model costs no timer and no work. A read at `now` covers the current bucket
 * and the `buckets − 1` before it: between `windowMs − bucketMs` and `windowMs`
 * of history, never anything older than `windowMs`.
 */
export class Ring {
  readonly windowMs: number;
  readonly bucketMs: number;
  // Allocated on first use: a model seen once holds one bucket per window, not all of them.
  readonly #slots: (Bucket | undefined)[];
  readonly #origin: number;

  constructor(windowMs: number, buckets: number, origin = 0) {
    this.windowMs = windowMs;
    this.bucketMs = windowMs / buckets;
    this.#origin = origin;
    this.#slots = new Array<Bucket | undefined>(buckets).fill(undefined);
  }

  #index(t: number): number {
    return Math.floor((t - this.#origin) / this.bucketMs);
  }

  /** The index of the bucket period that holds time `t` (what {@link at} rotates to). */
  indexOf(t: number): number {
    return this.#index(t);
  }

  /** The bucket for time `t`, rotated if it last held an older period. */
  at(t: number): Bucket {
    const i = this.#index(t);
    const n = this.#slots.length;
    const k = ((i % n) + n) % n;
    const slot = (this.#slots[k] ??= new Bucket());
    if (slot.index !== i) slot.reset(i);
    return slot;
  }

  /** Start of the oldest bucket a read at `now` covers. */
  start(now: number): number {
    return this.#origin + (this.#index(now) - this.#slots.length + 1) * this.bucketMs;
  }

  /** Visits the buckets a read at `now` covers (current period and the ones before it). */
  forEach(now: number, visit: (b: Bucket) => void): void {
    const newest = this.#index(now);
    const oldest = newest - this.#slots.length + 1;
    for (const b of this.#slots) if (b && b.index >= oldest && b.index <= newest) visit(b);
  }

  /** Adds the part of [from, to) that falls in each live bucket to `field` (e.g. breaker open time). */
  addInterval(field: IntervalField, from: number, to: number, now: number): void {
    const start = Math.max(from, this.start(now));
    if (!(to > start)) return;
    for (let i = this.#index(start); i <= this.#index(to - 1); i++) {
      const bStart = this.#origin + i * this.bucketMs;
      const overlap = Math.min(to, bStart + this.bucketMs) - Math.max(start, bStart);
      if (overlap > 0) this.at(bStart).more()[field] += overlap;
    }
  }

  /**
   * Attempts in the window the model answered: rate-limited ones aside (a 429
   * is capacity, not health). With {@link failures}, what health reads; cheap
   * enough to run on every recorded attempt.
   */
  calls(now: number): number {
    const oldest = this.#index(now) - this.#slots.length + 1;
    let n = 0;
    for (const b of this.#slots) if (b && b.index >= oldest) n += b.calls - b.rateLimited;
    return n;
  }

  /** Errors and timeouts in the window: what health reads. Rate limits are capacity, counted apart. */
  failures(now: number): number {
    const oldest = this.#index(now) - this.#slots.length + 1;
    let n = 0;
    for (const b of this.#slots) if (b && b.index >= oldest) n += b.errors + b.timeouts;
    return n;
  }

  counts(now: number): WindowCounts {
    const c: WindowCounts = {
      calls: 0, successes: 0, errors: 0, timeouts: 0, rateLimited: 0, retries: 0, fallbacksIn: 0,
      fallbacksOut: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, breakerOpenMs: 0, unhealthyMs: 0, streams: 0,
    };
    this.forEach(now, (b) => {
      c.calls += b.calls;
      c.successes += b.successes;
      c.errors += b.errors;
      c.timeouts += b.timeouts;
      c.rateLimited += b.rateLimited;
      c.inputTokens += b.inputTokens;
      c.outputTokens += b.outputTokens;
      c.costUsd += b.costUsd;
      const x = b.extras;
      for (const k of EXTRA_FIELDS) c[k] += x[k];
    });
    return c;
  }

  /** Merges the live buckets' sketches into a fresh one; undefined when there is no sample. */
  merged(now: number, which: 'latency' | 'ttft', relativeAccuracy: number): QuantileSketch | undefined {
    let out: QuantileSketch | undefined;
    this.forEach(now, (b) => {
      const s = which === 'latency' ? b.latency : b.extras.ttft;
      if (!s || s.count === 0) return;
      out ??= new QuantileSketch(relativeAccuracy);
      out.merge(s);
    });
    return out;
  }
}

export interface LatencyStats {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Summary of a sketch, every figure rounded to 0.01 ms. min, max and mean are exact before that rounding; percentiles are within the sketch's relative accuracy. */
export function latencyStats(s: QuantileSketch | undefined): LatencyStats | undefined {
  if (!s || s.count === 0) return undefined;
  // Clamp to [min, max]: the sketch returns a bin's representative value, which can sit just outside.
  const q = (p: number) => round(Math.min(s.max, Math.max(s.min, s.getValueAtQuantile(p))));
  return {
    count: s.count,
    min: round(s.min),
    mean: round(s.sum / s.count),
    p50: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
    max: round(s.max),
  };
}
