import type { BreakerState } from '../events/events.js';
import type { RateLimitTrail } from './alerts.js';
import type { AnomalyDetector } from './anomaly.js';
import type { BaselineCache } from './baseline.js';
import type { Health } from './events.js';
import { PendingSuccesses } from './pending.js';
import type { Bucket, Ring } from './window.js';

const NOT_RECOVERED = Object.freeze({ calls: 0, failures: 0 }) as { calls: number; failures: number };

/** Per-model state, created on the model's first record. Doubles as the health rule's input. */
export class ModelState {
  readonly rings: Ring[];
  readonly healthRing: Ring;
  /** Successes not yet written to `rings`: call {@link flush} before reading them. */
  readonly pending: PendingSuccesses;
  #scratch: Bucket[] | undefined;
  health: Health = 'healthy';
  healthSince: number;
  breaker: BreakerState = 'closed';
  breakerSince: number;
  openSince: number | undefined;
  unhealthySince: number | undefined;
  /** When the breaker last closed after a successful probe; cleared once the health window holds nothing older. */
  recoveredAt: number | undefined;
  /** Attempts and failures since `recoveredAt`: a fresh pair at each recovery, a shared empty one before the first. */
  sinceRecovery: { calls: number; failures: number } = NOT_RECOVERED;
  calls = 0;
  failures = 0;
  p95LatencyMs: number | undefined;
  p50LatencyMs: number | undefined;
  latencyAt = Number.NEGATIVE_INFINITY;
  lastAttemptAt = Number.NEGATIVE_INFINITY;
  readonly createdAt: number;
  // Made on first need, not with the model: a model that only succeeds quietly
  // never reads a baseline, never closes an anomaly interval, never hits a 429.
  anomaly: AnomalyDetector | undefined;
  rateLimits: RateLimitTrail | undefined;
  /** Latency over the longest window, for derived attempt deadlines: made at the first read. */
  baseline: BaselineCache | undefined;
  /** Recent percentiles over the health window, for hedge delays: each made at its first read. */
  recentLatency: BaselineCache | undefined;
  recentTtft: BaselineCache | undefined;

  constructor(rings: Ring[], healthRing: Ring, now: number, relativeAccuracy: number, maxBatch?: number) {
    this.rings = rings;
    this.healthRing = healthRing;
    this.pending = new PendingSuccesses(relativeAccuracy, rings.length, maxBatch);
    this.healthSince = this.breakerSince = this.createdAt = now;
  }

  /** Writes pending successes to the windows: before anything reads them or writes at another time. */
  flush(): void {
    this.pending.flush(this.rings);
  }

  /**
   * Each window's bucket for a write at `now` (token counts, retries, streams): the pending
   * batch's own buckets while `now` falls in them, so the successes stay pending; else the batch
   * is written out first. The array is reused: read it before the next call.
   */
  bucketsAt(now: number): readonly Bucket[] {
    const p = this.pending;
    if (p.fits(this.rings, now)) return p.buckets;
    p.flush(this.rings);
    const out = (this.#scratch ??= new Array<Bucket>(this.rings.length));
    for (let i = 0; i < this.rings.length; i++) out[i] = this.rings[i]!.at(now);
    return out;
  }
}
