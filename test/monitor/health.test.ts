import { describe, expect, it } from 'vitest';
import { classifyHealth, rankModels } from '../../src/monitor/health.js';
import { resolveMonitorOptions } from '../../src/monitor/options.js';
import { outageThenRecovery, setup } from './helpers.js';

const h = resolveMonitorOptions({}).health;

describe('health rules', () => {
  it.each([
    { calls: 0, failures: 0, p95: undefined, breaker: 'closed', want: 'healthy' },
    { calls: 9, failures: 9, p95: undefined, breaker: 'closed', want: 'healthy' }, // below minCalls
    { calls: 10, failures: 0, p95: 14_999, breaker: 'closed', want: 'healthy' },
    { calls: 10, failures: 1, p95: undefined, breaker: 'closed', want: 'degraded' }, // 10% ≥ 10%
    { calls: 10, failures: 2, p95: undefined, breaker: 'closed', want: 'degraded' },
    { calls: 10, failures: 3, p95: undefined, breaker: 'closed', want: 'unhealthy' }, // 30%
    { calls: 10, failures: 0, p95: 15_000, breaker: 'closed', want: 'degraded' },
    { calls: 10, failures: 0, p95: 30_000, breaker: 'closed', want: 'unhealthy' },
    { calls: 0, failures: 0, p95: undefined, breaker: 'half-open', want: 'degraded' },
    { calls: 0, failures: 0, p95: undefined, breaker: 'open', want: 'unhealthy' },
    { calls: 10, failures: 5, p95: undefined, breaker: 'half-open', want: 'unhealthy' },
  ] as const)('$calls calls, $failures failed, p95 $p95, breaker $breaker → $want', ({ calls, failures, p95, breaker, want }) => {
    expect(classifyHealth({ calls, failures, p95LatencyMs: p95, breaker }, h)).toBe(want);
  });

  it('emits health:change on each transition, with reasons, and recovers as errors age out', async () => {
    const { clock, monitor, of } = setup({ health: { minCalls: 4 } });
    for (let i = 0; i < 4; i++) monitor.recordAttempt('m', 'success', 100);
    expect(of('health:change')).toHaveLength(0);
    monitor.recordAttempt('m', 'error', 100); // 1/5 = 20%
    expect(of('health:change').at(-1)).toMatchObject({ model: 'm', from: 'healthy', to: 'degraded', errorRate: 0.2, breaker: 'closed' });
    monitor.recordAttempt('m', 'timeout', 100); // 2/6 ≈ 33%
    const change = of('health:change').at(-1)!;
    expect(change).toMatchObject({ from: 'degraded', to: 'unhealthy' });
    expect(change.reasons).toEqual(['error rate 33.3% ≥ 30% over 5m']);
    monitor.recordAttempt('m', 'rate_limited', 100); // a 429 is capacity, not health: still 2 of 6, no new event
    expect(of('health:change')).toHaveLength(2);
    await clock.advance(300_000);
    for (let i = 0; i < 4; i++) monitor.recordAttempt('m', 'success', 100);
    expect(of('health:change').at(-1)).toMatchObject({ from: 'unhealthy', to: 'healthy', reasons: [] });
    expect(of('health:change')).toHaveLength(3);
    expect(monitor.snapshot().models[0]!.windows.find((w) => w.window === '5m')!.uptime).toBeLessThan(1);
  });

  it('follows the breaker: open is unhealthy, half-open degraded, closed healthy', () => {
    const { monitor, of } = setup();
    monitor.recordBreaker('m', 'open');
    monitor.recordBreaker('m', 'half-open');
    monitor.recordBreaker('m', 'closed');
    expect(of('health:change').map((e) => `${e.from}>${e.to}`)).toEqual(['healthy>unhealthy', 'unhealthy>degraded', 'degraded>healthy']);
    expect(monitor.health('m')).toBe('healthy');
  });

  it('after a probe closes the breaker, judges only the attempts since: a success never turns a recovered model unhealthy', async () => {
    const ctx = setup({ health: { minCalls: 10 } });
    const { clock, monitor, of } = ctx;
    await outageThenRecovery(ctx, 'm', 4, 5);
    // 10 attempts in the window, half failed: without the recovery rule this success reads 50% → unhealthy.
    monitor.recordAttempt('m', 'success', 100);
    expect(monitor.health('m')).toBe('healthy');
    expect(of('health:change').at(-1)).toMatchObject({ from: 'degraded', to: 'healthy' });
    // Failures after the recovery still count, judged on their own.
    for (let i = 0; i < 7; i++) monitor.recordAttempt('m', 'success', 100);
    for (let i = 0; i < 2; i++) monitor.recordAttempt('m', 'error', 100);
    expect(of('health:change').at(-1)).toMatchObject({ to: 'degraded', reasons: ['error rate 20% ≥ 10% since recovery'] });
    for (let i = 0; i < 2; i++) monitor.recordAttempt('m', 'error', 100);
    expect(monitor.health('m')).toBe('unhealthy');
    // Once the outage has aged out of the window, the window judges again.
    await clock.advance(300_000);
    expect(monitor.health('m')).toBe('healthy');
    expect(monitor.snapshot().models[0]!.recoveredAt).toBeUndefined();
  });

  it('turns degraded on p95 latency, refreshed at most every latencyRefreshMs', async () => {
    const { clock, monitor, of } = setup({ health: { minCalls: 3, degraded: { p95LatencyMs: 1_000 }, latencyRefreshMs: 1_000 } });
    for (let i = 0; i < 3; i++) monitor.recordAttempt('m', 'success', 2_000);
    expect(monitor.health('m')).toBe('degraded');
    expect(of('health:change').at(-1)?.p95LatencyMs).toBeGreaterThanOrEqual(1_980);
    // Percentiles are cached between refreshes: 60 fast calls at the same instant change nothing…
    for (let i = 0; i < 60; i++) monitor.recordAttempt('m', 'success', 100);
    expect(of('health:change')).toHaveLength(1);
    // …until the next refresh, when p95 falls to 100 ms.
    await clock.advance(1_000);
    monitor.recordAttempt('m', 'success', 100);
    expect(of('health:change').at(-1)).toMatchObject({ from: 'degraded', to: 'healthy' });
  });

  it('does not build payloads nobody wants', () => {
    const { monitor, events, wanted } = setup();
    wanted.clear();
    monitor.recordBreaker('m', 'open');
    expect(events).toHaveLength(0);
    expect(monitor.health('m')).toBe('unhealthy');
  });
});

describe('routing rank', () => {
  const inputs = [
    { model: 'a', health: 'degraded', calls: 50, errorRate: 0.15, p50LatencyMs: 300 },
    { model: 'b', health: 'healthy', calls: 50, errorRate: 0.05, p50LatencyMs: 900 },
    { model: 'c', health: 'healthy', calls: 50, errorRate: 0.01, p50LatencyMs: 600 },
    { model: 'd', health: 'healthy', calls: 0, errorRate: 0, p50LatencyMs: undefined },
  ] as const;

  it('keeps the configured order for fixed', () => {
    expect(rankModels(inputs, 'fixed', 10, '5m').order).toEqual(['a', 'b', 'c', 'd']);
  });
  it('orders by health, then error rate, for healthiest', () => {
    const r = rankModels(inputs, 'healthiest', 10, '5m');
    expect(r.order).toEqual(['d', 'c', 'b', 'a']);
    expect(r.reasons.find((x) => x.model === 'c')!.why).toBe('healthy, error rate 1% over 5m');
  });
  it('orders by health, then p50 latency, unmeasured last in their tier, for fastest', () => {
    const r = rankModels(inputs, 'fastest', 10, '5m');
    expect(r.order).toEqual(['c', 'b', 'd', 'a']);
    expect(r.reasons[0]).toEqual({ model: 'c', score: 600, why: 'healthy, p50 latency 600 ms over 5m' });
  });
  it('ranks live models through the monitor', () => {
    const { monitor } = setup({ routing: 'fastest', health: { minCalls: 2 } });
    for (let i = 0; i < 3; i++) {
      monitor.recordAttempt('slow', 'success', 2_000);
      monitor.recordAttempt('fast', 'success', 200);
    }
    expect(monitor.rank(['slow', 'fast']).order).toEqual(['fast', 'slow']);
    monitor.recordBreaker('fast', 'open');
    expect(monitor.rank(['slow', 'fast']).order).toEqual(['slow', 'fast']);
    expect(monitor.rank(['slow', 'fast'], 'fixed').strategy).toBe('fixed');
  });
});

describe('uptime', () => {
  it('ends an unhealthy spell no later than the last attempt + the health window, even when read much later', async () => {
    const { clock, monitor } = setup({ health: { minCalls: 2 } });
    monitor.recordAttempt('m', 'error', 10);
    monitor.recordAttempt('m', 'error', 10); // unhealthy from t0
    await clock.advance(3_600_000 - 1); // read 1 h later: the errors aged out after 5 min
    const w = monitor.snapshot().models[0]!.windows.find((x) => x.window === '1h')!;
    expect(w.uptime).toBeCloseTo(1 - 300_000 / 3_600_000, 3);
  });

  it('counts an open breaker as down until it closes', async () => {
    const { clock, monitor } = setup();
    monitor.recordBreaker('m', 'open');
    await clock.advance(600_000);
    monitor.recordBreaker('m', 'closed');
    await clock.advance(600_000);
    const w = monitor.snapshot().models[0]!.windows.find((x) => x.window === '1h')!;
    expect(w.uptime).toBeCloseTo(0.5, 3);
  });
});
