import type { BreakerState } from '../events/events.js';
import type { RateLimitTrail } from './alerts.js';
import type { AnomalyDetector } from './anomaly.js';
import { BaselineCache } from './baseline.js';
import type { Health } from './events.js';
import type { Ring } from './window.js';

/** Per-model state, created on the model's first record. Doubles as the health rule's input. */
export class ModelState {
  readonly rings: Ring[];
  readonly healthRing: Ring;
  health: Health = 'healthy';
  healthSince: number;
  breaker: BreakerState = 'closed';
  breakerSince: number;
  openSince: number | undefined;
  unhealthySince: number | undefined;
  /** When the breaker last closed after a successful probe; cleared once the health window holds nothing older. */
  recoveredAt: number | undefined;
  /** Attempts and failures since `recoveredAt`. */
  sinceRecovery = { calls: 0, failures: 0 };
  calls = 0;
  failures = 0;
  p95LatencyMs: number | undefined;
  p50LatencyMs: number | undefined;
  latencyAt = Number.NEGATIVE_INFINITY;
  lastAttemptAt = Number.NEGATIVE_INFINITY;
  readonly createdAt: number;
  anomaly: AnomalyDetector | undefined;
  rateLimits: RateLimitTrail | undefined;
  readonly baseline = new BaselineCache();
  /** Recent percentiles over the health window, for hedge delays. */
  readonly recent = { latency: new BaselineCache('latency'), ttft: new BaselineCache('ttft') };

  constructor(rings: Ring[], healthRing: Ring, now: number) {
    this.rings = rings;
    this.healthRing = healthRing;
    this.healthSince = this.breakerSince = this.createdAt = now;
  }
}
