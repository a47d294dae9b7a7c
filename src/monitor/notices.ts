import type { Clock } from '../clock/clock.js';
import { AlertGate, type AlertInput } from './alerts.js';
import type { Finding } from './anomaly.js';
import type { MonitorEmitter } from './events.js';
import { fmtMs, pct } from './health.js';
import type { ResolvedMonitorOptions } from './options.js';
import type { NotableEvent } from './snapshot.js';

/** The monitor's voice: the recent notable events it keeps, and alerts and anomalies (gated by cooldown) to listeners. */
export class Notices {
  /** The most recent notable events, oldest first (at most `recentEvents`). */
  readonly recent: NotableEvent[] = [];
  readonly #gate = new AlertGate();
  readonly #clock: Clock;
  readonly #events: MonitorEmitter;
  readonly #options: ResolvedMonitorOptions;
  #disposed = false;

  constructor(clock: Clock, events: MonitorEmitter, options: ResolvedMonitorOptions) {
    this.#clock = clock;
    this.#events = events;
    this.#options = options;
  }

  anomaly(model: string, f: Finding, intervalMs: number, now: number): void {
    const what = f.metric === 'latency' ? `mean latency ${fmtMs(f.value)} vs baseline ${fmtMs(f.baseline)}` : `error rate ${pct(f.value)} vs baseline ${pct(f.baseline)}`;
    const message = `${model} ${what}${f.zScore !== undefined ? ` (z = ${f.zScore})` : ` (threshold ${f.metric === 'latency' ? fmtMs(f.threshold) : pct(f.threshold)})`}`;
    this.note({ timestamp: now, kind: 'anomaly', level: 'warning', model, message });
    if (this.#events.wants('anomaly')) this.#events.emit('anomaly', { timestamp: now, model, intervalMs, ...f });
    const rule = this.#options.rules.anomaly;
    if (rule) this.alert(rule.cooldownMs, { level: rule.level, rule: 'anomaly', key: `anomaly:${f.metric}:${model}`, model, value: f.value, threshold: f.threshold, message: `Anomaly: ${message}` });
  }

  alert(cooldownMs: number, a: AlertInput): void {
    const now = this.#clock.now();
    if (this.#disposed || !this.#gate.pass(a.key, now, cooldownMs)) return;
    this.note({ timestamp: now, kind: 'alert', level: a.level, ...(a.model !== undefined ? { model: a.model } : {}), message: a.message });
    if (this.#events.wants('alert')) this.#events.emit('alert', { timestamp: now, ...a });
  }

  note(e: NotableEvent): void {
    this.recent.push(e);
    if (this.recent.length > this.#options.recentEvents) this.recent.shift();
  }

  /** No alert after dispose. */
  dispose(): void {
    this.#disposed = true;
  }
}
