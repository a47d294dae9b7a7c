import type { FailureKind } from '../classify/classify.js';
import type { Clock } from '../clock/clock.js';
import type { BreakerState } from '../events/events.js';
import type { AlertLevel, MonitorOptions } from './options.js';
import { Monitor } from './monitor.js';
import { outcomeOf } from './outcome.js';
import { type MonitorSnapshot, type NotableEvent, windowLabel } from './snapshot.js';

/** One parsed line of an event log: `{"event": name, "timestamp": ms, ...payload}`. */
export interface LoggedEvent {
  readonly event: string;
  readonly timestamp: number;
  readonly [field: string]: unknown;
}

/** Parses one JSONL line; undefined when it is not an object with a string `event` and a finite `timestamp`. */
export function parseLogLine(line: string): LoggedEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const e = v as Record<string, unknown>;
  return typeof e.event === 'string' && typeof e.timestamp === 'number' && Number.isFinite(e.timestamp) ? (e as LoggedEvent) : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const LEVELS: readonly AlertLevel[] = ['info', 'warning', 'error', 'critical'];

/** A clock that replays logged time; it never fires timers (the watchdog is off in a replay). */
function replayClock(): Clock & { t: number } {
  return { t: 0, now() { return this.t; }, setTimeout: () => ({}), clearTimeout: () => {} };
}

/** Feeds one logged event into `m`; returns false when the event was not understood. */
function apply(m: Monitor, e: LoggedEvent): boolean {
  const model = str(e.model);
  switch (e.event) {
    case 'success':
      if (!model) return false;
      m.recordAttempt(model, 'success', num(e.latencyMs) ?? 0);
      return true;
    case 'failure': {
      if (!model || typeof e.kind !== 'string') return false;
      const outcome = outcomeOf(e.kind as FailureKind | 'hedge_lost');
      if (outcome) m.recordAttempt(model, outcome, num(e.latencyMs) ?? 0);
      return true;
    }
    case 'retry':
      if (model) m.recordRetry(model);
      return model !== undefined;
    case 'fallback': {
      const from = str(e.from);
      const to = str(e.to);
      if (from && to) m.recordFallback(from, to);
      return from !== undefined && to !== undefined;
    }
    case 'breaker:open':
    case 'breaker:half-open':
    case 'breaker:close':
      if (model) m.recordBreaker(model, e.event === 'breaker:close' ? 'closed' : (e.event.slice(8) as BreakerState));
      return model !== undefined;
    case 'budget:usage':
      if (model) m.recordUsage(model, num(e.inputTokens) ?? 0, num(e.outputTokens) ?? 0, num(e.costUsd) ?? 0);
      return model !== undefined;
    case 'budget:warning':
    case 'budget:exceeded': {
      const limit = num(e.limit);
      // As the live client does: the share committed, and a refusal as a refusal.
      const exceeded = e.event === 'budget:exceeded';
      const used = (num(e.used) ?? 0) + (exceeded ? (num(e.reserved) ?? 0) : 0);
      if (limit && str(e.key)) m.recordBudget(str(e.key)!, used / limit, exceeded && e.action !== 'warn-only' ? (model ?? 'a model') : undefined);
      return true;
    }
    default:
      return true; // other events (attempt, stream, custom) carry nothing the report reads
  }
}

/** Alerts, anomalies, health changes and breaker moves of the log, as the report's notable events. */
function notable(e: LoggedEvent): NotableEvent | undefined {
  const model = str(e.model);
  const base = { timestamp: e.timestamp, ...(model ? { model } : {}) };
  if (e.event === 'alert' && str(e.message)) {
    const level = LEVELS.includes(e.level as AlertLevel) ? (e.level as AlertLevel) : 'warning';
    return { ...base, kind: 'alert', level, message: str(e.message)! };
  }
  if (e.event === 'health:change' && model) {
    const reasons = Array.isArray(e.reasons) ? e.reasons.filter((r) => typeof r === 'string').join(', ') : '';
    const to = str(e.to) ?? '?';
    return { ...base, kind: 'health', level: to === 'unhealthy' ? 'error' : to === 'degraded' ? 'warning' : 'info', message: `${model} ${str(e.from) ?? '?'} → ${to}${reasons ? `: ${reasons}` : ''}` };
  }
  if (e.event === 'anomaly' && model) return { ...base, kind: 'anomaly', level: 'warning', message: `${model} ${str(e.metric) ?? ''} anomaly: ${num(e.value)} vs baseline ${num(e.baseline)}` };
  if (e.event === 'breaker:open' && model) return { ...base, kind: 'breaker', level: 'error', message: `${model} breaker open` };
  return undefined;
}

export interface ReplayOptions {
  /** End of the report period (ms since epoch). */
  readonly now: number;
  /** Length of the period; the previous period of the same length gives the trend. */
  readonly periodMs: number;
  /** Health thresholds and windows, as the live monitor had them. */
  readonly monitor?: MonitorOptions;
  /** Notable events listed. @default 50 */
  readonly maxNotable?: number;
}

/** Replays the events of (end − periodMs, end] into a fresh monitor and snapshots it at `end`. */
function replayPeriod(events: readonly LoggedEvent[], end: number, o: ReplayOptions): { snap: MonitorSnapshot; unknown: number } {
  const clock = replayClock();
  clock.t = end - o.periodMs + 1;
  // Alerts and anomalies are not re-derived: the log already holds the ones that fired.
  const options: MonitorOptions = { ...o.monitor, anomaly: false, alerts: { rules: { budget: false, rateLimits: false, breakerOpen: false, longRunning: false, anomaly: false, unhealthy: false } } };
  const m = new Monitor(options, { clock, period: { ms: o.periodMs, origin: end - o.periodMs + 1 } });
  let unknown = 0;
  for (const e of events) {
    if (e.timestamp <= end - o.periodMs || e.timestamp > end) continue;
    clock.t = e.timestamp;
    if (!apply(m, e)) unknown++;
  }
  clock.t = end;
  const snap = m.snapshot();
  m.dispose();
  return { snap, unknown };
}

/**
 * Builds the report snapshot of an event log: every figure over the period
 * ending at `now`, health as of `now` (re-derived with the live rules), the
 * log's own alerts / health changes / anomalies as notable events, and the
 * previous period's calls, error rate and p95 as the trend.
 */
export function replayLog(events: readonly LoggedEvent[], o: ReplayOptions): MonitorSnapshot & { unknownEvents: number } {
  // Logs from several processes may interleave slightly out of order.
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp);
  const cur = replayPeriod(sorted, o.now, o);
  const prev = replayPeriod(sorted, o.now - o.periodMs, o);
  const label = windowLabel(o.periodMs);
  const recent: NotableEvent[] = [];
  for (let i = sorted.length - 1; i >= 0 && recent.length < (o.maxNotable ?? 50); i--) {
    const e = sorted[i]!;
    if (e.timestamp <= o.now - o.periodMs || e.timestamp > o.now) continue;
    const n = notable(e);
    if (n) recent.push(n);
  }
  return {
    ...cur.snap,
    recent,
    previous: {
      window: label,
      models: prev.snap.models.flatMap((m) => {
        const w = m.windows.find((x) => x.window === label);
        return w ? [{ model: m.model, calls: w.calls, errorRate: w.errorRate, ...(w.latency ? { p95LatencyMs: w.latency.p95 } : {}) }] : [];
      }),
    },
    unknownEvents: cur.unknown,
  };
}
