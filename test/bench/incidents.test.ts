import { describe, expect, it } from 'vitest';
import { goDuration } from '../../bench/incidents/buckets.js';
import { CONTENDERS } from '../../bench/incidents/contenders.js';
import { INCIDENTS, type Incident, PRIMARY } from '../../bench/incidents/incidents.js';
import { computeMetrics, percentile } from '../../bench/incidents/metrics.js';
import { CALL_HEADER, SimulatedProvider } from '../../bench/incidents/provider.js';
import { type ScenarioResult, runScenario } from '../../bench/incidents/scenario.js';
import { SimTime } from '../../bench/incidents/sim-time.js';

/**
 * The harness of `npm run bench:incidents`, on a tiny scenario: its invariants,
 * never the library's performance targets (those live in the benchmark).
 */

const incident = (id: string): Incident => INCIDENTS.find((i) => i.id === id)!;
const contender = (id: string) => CONTENDERS.find((c) => c.id === id)!;

/** Sends `n` requests to the primary at the same simulated instant and lets them finish. */
async function burst(windowMs: number, n: number) {
  const sim = new SimTime(7);
  sim.install();
  try {
    const provider = new SimulatedProvider(sim, { ...incident('steady'), windowMs }, 30, 1, new Map());
    const body = JSON.stringify({ model: PRIMARY, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const responses: Response[] = [];
    const pending = Array.from({ length: n }, (_, i) =>
      provider.fetch('https://simulated.invalid/v1/chat/completions', { method: 'POST', body, headers: { [CALL_HEADER]: String(i) } }).then((r) => responses.push(r)),
    );
    await sim.runUntil(() => responses.length === n, 600_000);
    await Promise.all(pending);
    return responses;
  } finally {
    sim.uninstall();
  }
}

describe('simulated provider', () => {
  it('answers a request over the RPM with a 429, retry-after and the rate-limit headers', async () => {
    const responses = await burst(60_000, 101); // the primary allows 100 requests a minute
    const ok = responses.filter((r) => r.status === 200);
    const limited = responses.filter((r) => r.status === 429);
    expect(ok).toHaveLength(100);
    expect(limited).toHaveLength(1);
    const h = limited[0]!.headers;
    expect(h.get('x-ratelimit-limit-requests')).toBe('100');
    expect(h.get('x-ratelimit-remaining-requests')).toBe('0');
    // Refill at 100/min: one request back in 600 ms, a full bucket in a minute.
    expect(h.get('retry-after-ms')).toBe('600');
    expect(h.get('retry-after')).toBe('1');
    expect(h.get('x-ratelimit-reset-requests')).toBe('1m0s');
    expect(((await limited[0]!.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
    expect(ok[0]!.headers.get('x-ratelimit-remaining-tokens')).not.toBeNull();
  });

  it('enforces short windows the headers do not show', async () => {
    const responses = await burst(10_000, 20); // 100 RPM over 10 s windows: 16 requests
    const limited = responses.filter((r) => r.status === 429);
    expect(limited).toHaveLength(4);
    expect(Number(limited[0]!.headers.get('x-ratelimit-remaining-requests'))).toBeGreaterThan(50);
  });

  it('formats resets as Go durations', () => {
    expect([12, 1_000, 1_500, 60_000, 61_250, 3_723_500].map(goDuration)).toEqual(['12ms', '1s', '1.5s', '1m0s', '1m1.25s', '1h2m3.5s']);
  });
});

// A few seconds of CPU each; the generous timeouts are for a shared, loaded machine.
describe('scenario harness', () => {
  const run = (id: string) => runScenario({ incident: incident('storm-10s'), contender: contender(id), minutes: 2, seed: 3 });

  it('settles every call, on simulated time, and restores the globals', async () => {
    const realNow = Date.now;
    for (const id of ['sdk', 'ours']) {
      const r = await run(id);
      expect(r.unsettled).toBe(0);
      expect(r.taskOk.size).toBe(r.tasks.length);
      expect(r.tasks.length).toBeGreaterThan(20);
      // A task stops at its first failed call: every call made is accounted for.
      const made = r.tasks.reduce((n, t) => n + (r.taskOk.get(t.id) ? t.calls.length : r.calls.filter((c) => c.taskId === t.id).length), 0);
      expect(r.calls).toHaveLength(made);
      for (const c of r.calls) expect(c.end - c.start).toBeLessThanOrEqual(120_000 + 1);
      // The storm made the SDK retry, and its sleeps ran on simulated time.
      if (id === 'sdk') expect(r.requests.length).toBeGreaterThan(r.calls.length);
    }
    expect(Date.now).toBe(realNow);
  }, 60_000);

  it('replays exactly: two runs give the same requests and figures', async () => {
    const a = await run('ours');
    const b = await run('ours');
    expect(b.requests).toEqual(a.requests);
    expect(computeMetrics(b)).toEqual(computeMetrics(a));
  }, 60_000);
});

describe('several workers on one organisation', () => {
  it('makes one contender instance per worker, deals the tasks round-robin, and replays exactly', async () => {
    const base = incident('storm-10s');
    const four = incident('storm-10s-w4');
    expect(four).toMatchObject({ workers: 4, workload: 'storm-10s' });
    const made: number[] = [];
    const counting = { ...contender('ours'), make: (env: Parameters<ReturnType<typeof contender>['make']>[0]) => (made.push(env.worker), contender('ours').make(env)) };
    const run = (i: Incident) => runScenario({ incident: i, contender: counting, minutes: 2, seed: 3 });
    const a = await run(four);
    expect(made).toEqual([0, 1, 2, 3]);
    expect(a.unsettled).toBe(0);
    // The same tasks as the single-worker incident it is built on.
    const single = await run(base);
    expect(single.tasks).toEqual(a.tasks);
    const b = await run(four);
    expect(b.requests).toEqual(a.requests);
  }, 60_000);
});

describe('metrics', () => {
  // The primary fails at 60 s and recovers at 120 s. It gets requests at 61 and 63 s,
  // then calls keep starting (on the backup) until one reaches it again at 125 s.
  const primary = (at: number, outcome: 'ok' | 'server_error') => ({ at: at * 1000, model: PRIMARY, callId: at, outcome, billed: 0, endedAt: at * 1000 + 2000 });
  const call = (start: number) => ({ id: start, taskId: start, start: start * 1000, end: start * 1000 + 1000, ok: true });
  const result = {
    incident: incident('outage'),
    contender: contender('ours'),
    minutes: 30,
    tasks: [],
    calls: [call(61), call(70), call(80), call(100), call(125)],
    taskOk: new Map(),
    primary: PRIMARY,
    requests: [primary(61, 'server_error'), primary(63, 'server_error'), primary(125, 'ok')],
    unsettled: 0,
    faultWindows: [{ from: 60_000, to: 120_000, kind: 'outage' }],
    isDown: (model: string, t: number) => model === PRIMARY && t >= 60_000 && t < 120_000,
    wallMs: 0,
    timersFired: 0,
    ioCount: 0,
    ioWaitMs: 0,
    diagnostics: {},
  } satisfies ScenarioResult;

  it('times fail-over to the last request before a quiet stretch with calls in it, and come-back to the first success', () => {
    const m = computeMetrics(result);
    expect(m.failoverMs).toBe(3_000);
    expect(m.comebackMs).toBe(7_000);
    expect(m.requestsWhileDown).toBe(2);
  });

  it('never fails over when every call still reaches the primary', () => {
    const m = computeMetrics({ ...result, calls: [call(61), call(63), call(125)] });
    expect(m.failoverMs).toBeNull();
  });

  it('takes nearest-rank percentiles', () => {
    expect([50, 95, 99, 100].map((p) => percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p))).toEqual([5, 10, 10, 10]);
  });
});
