/**
 * Figures from one scenario run. Definitions (also in docs/performance.md):
 * - task success: a task succeeds when all three of its calls do;
 * - call latency: from the call's start to its settling, failures included
 *   (a call that hits its deadline counts 120 s), nearest-rank percentiles;
 * - requests per call: every request that reached the provider (connection
 *   resets included) over the logical calls made;
 * - requests while down: requests sent to a model during an outage or after
 *   its quota ran out;
 * - time to fail over: from the start of the primary's fault to the last
 *   request it received before the first stretch of 10 s or more in which
 *   calls started but none of them reached it ("never" when no such stretch
 *   comes before the fault ends);
 * - back to primary: from the fault's end to the end of the primary's first success
 *   sent after it;
 * - tokens billed for failed tasks: prompt + completion tokens of the
 *   successful responses of tasks that failed anyway.
 */
import { PRIMARY_DEPLOYMENT } from './incidents.js';
import type { ScenarioResult } from './scenario.js';

export interface Metrics {
  readonly tasks: number;
  readonly taskSuccess: number;
  readonly calls: number;
  readonly callSuccess: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly requests: number;
  readonly requestsPerCall: number;
  readonly count429: number;
  readonly pct429: number;
  readonly requestsWhileDown: number;
  /** ms; null = never; undefined = no fault in this incident. */
  readonly failoverMs: number | null | undefined;
  readonly comebackMs: number | null | undefined;
  readonly wastedTokens: number;
  readonly unsettled: number;
  /** % of tasks whose every call was answered by the primary model (directly or through its second deployment). */
  readonly primaryServed: number;
}

/** The quiet gap that marks a model as failed over. */
export const FAILOVER_GAP_MS = 10_000;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** First index whose value is ≥ x in an ascending array. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function computeMetrics(r: ScenarioResult): Metrics {
  const tasks = r.tasks.length;
  const tasksOk = [...r.taskOk.values()].filter(Boolean).length;
  const calls = r.calls.length;
  const callsOk = r.calls.filter((c) => c.ok).length;
  const latencies = r.calls.map((c) => c.end - c.start).sort((a, b) => a - b);
  const requests = r.requests.length;
  const count429 = r.requests.filter((q) => q.outcome === 'rate_limited' || q.outcome === 'insufficient_quota').length;
  const requestsWhileDown = r.requests.filter((q) => r.isDown(q.model, q.at)).length;

  const failedTasks = new Set([...r.taskOk].filter(([, ok]) => !ok).map(([id]) => id));
  const taskOfCall = new Map(r.tasks.flatMap((t) => t.calls.map((c) => [c.id, t.id] as const)));
  const wastedTokens = r.requests.reduce((n, q) => (failedTasks.has(taskOfCall.get(q.callId) ?? -1) ? n + q.billed : n), 0);

  let failoverMs: number | null | undefined;
  let comebackMs: number | null | undefined;
  const fault = r.faultWindows[0];
  if (fault) {
    const end = r.minutes * 60_000;
    const until = Math.min(fault.to, end);
    const during = r.requests.filter((q) => q.model === r.primary && q.at >= fault.from && q.at < until).map((q) => q.at);
    const starts = r.calls.map((c) => c.start).sort((a, b) => a - b);
    const startedWithin = (a: number, b: number) => {
      const i = lowerBound(starts, a + 1e-9);
      return i < starts.length && starts[i]! < b;
    };
    failoverMs = null;
    let last = fault.from;
    for (const t of [...during, until]) {
      if (t - last >= FAILOVER_GAP_MS && startedWithin(last, t)) {
        failoverMs = last - fault.from;
        break;
      }
      last = t;
    }
    if (fault.to < end) {
      const back = r.requests.find((q) => q.model === r.primary && q.outcome === 'ok' && q.at >= fault.to);
      comebackMs = back ? back.endedAt - fault.to : null;
    }
  }

  const byPrimary = new Map<number, boolean>();
  for (const c of r.calls) byPrimary.set(c.taskId, (byPrimary.get(c.taskId) ?? true) && c.ok && (c.model === r.primary || c.model === PRIMARY_DEPLOYMENT));
  const primaryTasks = [...byPrimary.values()].filter(Boolean).length;

  return {
    tasks,
    primaryServed: tasks ? (100 * primaryTasks) / tasks : 100,
    taskSuccess: tasks ? (100 * tasksOk) / tasks : 100,
    calls,
    callSuccess: calls ? (100 * callsOk) / calls : 100,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    requests,
    requestsPerCall: calls ? requests / calls : 0,
    count429,
    pct429: requests ? (100 * count429) / requests : 0,
    requestsWhileDown,
    failoverMs,
    comebackMs,
    wastedTokens,
    unsettled: r.unsettled,
  };
}
