import type { ResolvedMonitorOptions } from './options.js';

type AnomalyConfig = NonNullable<ResolvedMonitorOptions['anomaly']>;

/** Exponentially weighted mean and variance: O(1) memory, no sample kept. */
export class Ewma {
  mean = 0;
  variance = 0;
  n = 0;

  /** Folds `x` in (West's incremental EWMVar). */
  update(x: number, alpha: number): void {
    if (this.n === 0) {
      this.mean = x;
      this.variance = 0;
    } else {
      const diff = x - this.mean;
      const incr = alpha * diff;
      this.mean += incr;
      this.variance = (1 - alpha) * (this.variance + diff * incr);
    }
    this.n++;
  }
}

export interface Finding {
  readonly metric: 'latency' | 'error_rate';
  readonly value: number;
  readonly baseline: number;
  readonly zScore?: number;
  readonly method: 'ewma' | 'threshold';
  readonly threshold: number;
}

// A baseline with almost no variance (every interval at 0% errors, or latency
// steady to the millisecond) would make any blip a huge z-score; these floors
// on the standard deviation keep small absolute changes from counting.
const LATENCY_STD_FLOOR_RATIO = 0.1;
const ERROR_RATE_STD_FLOOR = 0.05;

/**
 * Per-model anomaly detector. Attempts are summed into the current interval;
 * when an attempt arrives in a later interval, the closed one (if it had at least
 * `minCalls` attempts) is compared with the EWMA baseline and then folded into it.
 * Only upward moves count: a model getting faster or more reliable is not news.
 */
export class AnomalyDetector {
  /** Baselines, each made when the first interval with enough attempts closes (until then nothing has been folded in). */
  latency: Ewma | undefined;
  errorRate: Ewma | undefined;
  #index = Number.NEGATIVE_INFINITY;
  #calls = 0;
  #failures = 0;
  #latencySum = 0;
  #latencyN = 0;

  /** Records one attempt; returns findings for the interval it closed, if any. */
  observe(now: number, failed: boolean, latencyMs: number, c: AnomalyConfig): Finding[] | undefined {
    const index = Math.floor(now / c.intervalMs);
    let findings: Finding[] | undefined;
    if (index !== this.#index) {
      if (this.#calls > 0) findings = this.#close(c);
      this.#index = index;
      this.#calls = this.#failures = this.#latencySum = this.#latencyN = 0;
    }
    this.#calls++;
    if (failed) this.#failures++;
    else {
      this.#latencySum += latencyMs;
      this.#latencyN++;
    }
    return findings;
  }

  #close(c: AnomalyConfig): Finding[] | undefined {
    if (this.#calls < c.minCalls) return undefined;
    const out: Finding[] = [];
    const rate = this.#failures / this.#calls;
    this.#check(out, 'error_rate', rate, (this.errorRate ??= new Ewma()), ERROR_RATE_STD_FLOOR, c.fixed.errorRate, c);
    if (this.#latencyN > 0) {
      const mean = this.#latencySum / this.#latencyN;
      const e = (this.latency ??= new Ewma());
      this.#check(out, 'latency', mean, e, Math.max(1, e.mean * LATENCY_STD_FLOOR_RATIO), c.fixed.latencyMs, c);
    }
    return out.length > 0 ? out : undefined;
  }

  #check(out: Finding[], metric: Finding['metric'], x: number, e: Ewma, floor: number, fixed: number | undefined, c: AnomalyConfig): void {
    const warm = e.n >= c.warmupIntervals;
    const baseline = e.mean;
    if (fixed !== undefined && x >= fixed) {
      out.push({ metric, value: x, baseline, method: 'threshold', threshold: fixed });
    } else if (warm) {
      const z = (x - baseline) / Math.max(Math.sqrt(e.variance), metric === 'latency' ? floor : ERROR_RATE_STD_FLOOR);
      if (z >= c.zThreshold) out.push({ metric, value: x, baseline, zScore: Math.round(z * 100) / 100, method: 'ewma', threshold: c.zThreshold });
    }
    e.update(x, c.alpha);
  }
}
