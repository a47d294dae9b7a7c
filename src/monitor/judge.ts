import type { MonitorEmitter } from './events.js';
import { classifyHealth, healthReasons } from './health.js';
import type { ModelState } from './model-state.js';
import type { Notices } from './notices.js';
import type { ResolvedMonitorOptions } from './options.js';

/**
 * Re-judges a model's health from its windows and reports changes: a notable
 * event, `health:change` for listeners, and the `unhealthy` alert. Runs on every
 * recorded attempt and on every read.
 */
export class HealthJudge {
  readonly #options: ResolvedMonitorOptions;
  readonly #notices: Notices;
  readonly #events: MonitorEmitter;
  readonly #healthLabel: string;

  constructor(options: ResolvedMonitorOptions, notices: Notices, events: MonitorEmitter, healthLabel: string) {
    this.#options = options;
    this.#notices = notices;
    this.#events = events;
    this.#healthLabel = healthLabel;
  }

  /** Re-judges health. `read`: called from a read, not on an event, so a change may have happened earlier. */
  refresh(s: ModelState, model: string, now: number, read: boolean, fullLatency = read): void {
    if (fullLatency || now - s.latencyAt >= this.#options.health.latencyRefreshMs) {
      s.flush();
      const sk = s.healthRing.merged(now, 'latency', this.#options.relativeAccuracy);
      s.p95LatencyMs = sk ? Math.min(sk.max, sk.getValueAtQuantile(0.95)) : undefined;
      s.p50LatencyMs = sk ? Math.min(sk.max, sk.getValueAtQuantile(0.5)) : undefined;
      s.latencyAt = now;
    }
    if (s.recoveredAt !== undefined && now - s.recoveredAt >= this.#options.health.windowMs) s.recoveredAt = undefined;
    const recent = s.recoveredAt !== undefined;
    const p = s.pending;
    if (recent) {
      s.calls = s.sinceRecovery.calls;
      s.failures = s.sinceRecovery.failures;
    } else if (p.fits(s.rings, now)) {
      // Nothing has rotated since the batch began: the window is what it was then, plus the batch.
      s.calls = p.baseCalls + p.count;
      s.failures = p.baseFailures;
    } else {
      s.flush();
      s.calls = s.healthRing.calls(now);
      s.failures = s.healthRing.failures(now);
    }
    const next = classifyHealth(s, this.#options.health);
    if (next === s.health) return;
    const from = s.health;
    s.flush(); // a change is rare: its bookkeeping reads and writes the windows
    if (from === 'unhealthy' && s.unhealthySince !== undefined) {
      // Health is re-judged lazily. Without new attempts, the window's failures had
      // aged out by the last attempt + window length at the latest: end the spell there.
      const end = read ? Math.min(now, Math.max(s.lastAttemptAt, s.unhealthySince) + this.#options.health.windowMs) : now;
      for (const ring of s.rings) ring.addInterval('unhealthyMs', s.unhealthySince, end, now);
      s.unhealthySince = undefined;
    }
    if (next === 'unhealthy') s.unhealthySince = now;
    s.health = next;
    s.healthSince = now;
    const reasons = healthReasons(s, this.#options.health, this.over(s));
    this.#notices.note({ timestamp: now, kind: 'health', level: next === 'unhealthy' ? 'error' : next === 'degraded' ? 'warning' : 'info', model, message: `${model} ${from} → ${next}${reasons.length ? `: ${reasons.join(', ')}` : ''}` });
    if (this.#events.wants('health:change')) {
      this.#events.emit('health:change', {
        timestamp: now, model, from, to: next, reasons, breaker: s.breaker,
        ...(s.calls >= this.#options.health.minCalls ? { errorRate: s.failures / s.calls } : {}),
        ...(s.p95LatencyMs !== undefined ? { p95LatencyMs: Math.round(s.p95LatencyMs) } : {}),
      });
    }
    const rule = this.#options.rules.unhealthy;
    if (next === 'unhealthy' && rule) {
      this.#notices.alert(rule.cooldownMs, { level: rule.level, rule: 'unhealthy', key: `unhealthy:${model}`, model, message: `${model} is unhealthy: ${reasons.join(', ')}` });
    }
  }

  /** What the health figures cover: the window, or the attempts since a recovery. */
  over(s: ModelState): string {
    return s.recoveredAt !== undefined ? 'since recovery' : `over ${this.#healthLabel}`;
  }
}
