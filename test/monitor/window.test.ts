import { describe, expect, it } from 'vitest';
import { Ring } from '../../src/monitor/window.js';
import { setup } from './helpers.js';

describe('rolling windows', () => {
  it('counts a sample in the 1m window until it is a minute old, never after', async () => {
    const { clock, monitor, win } = setup();
    monitor.recordAttempt('m', 'success', 100);
    expect(win('m', '1m')?.calls).toBe(1);
    // 6 buckets of 10 s: a sample is kept at least 50 s and dropped by 60 s.
    await clock.advance(49_999);
    expect(win('m', '1m')?.calls).toBe(1);
    await clock.advance(10_001);
    expect(win('m', '1m')?.calls).toBe(0);
    expect(win('m', '1m')?.latency).toBeUndefined();
    expect(win('m', '5m')?.calls).toBe(1);
    await clock.advance(300_000);
    expect(win('m', '5m')?.calls).toBe(0);
    expect(win('m', '1h')?.calls).toBe(1);
    await clock.advance(3_600_000);
    expect(win('m', '1h')?.calls).toBe(0);
  });

  it('rotates buckets lazily and reuses them: old counts never leak into a new period', async () => {
    const { clock, monitor, win } = setup({ windows: [60_000] });
    for (let i = 0; i < 5; i++) monitor.recordAttempt('m', 'error', 10);
    await clock.advance(60_000 * 7); // same slot index modulo 6, several periods later
    monitor.recordAttempt('m', 'success', 10);
    const w = win('m', '1m')!;
    expect(w).toMatchObject({ calls: 1, successes: 1, errors: 0, errorRate: 0 });
  });

  it('counts every outcome, retries, fallbacks, usage and throughput', async () => {
    const { clock, monitor, win } = setup();
    monitor.recordAttempt('a', 'success', 100);
    monitor.recordAttempt('a', 'error', 50);
    monitor.recordAttempt('a', 'timeout', 5000);
    monitor.recordAttempt('a', 'rate_limited', 20);
    monitor.recordRetry('a');
    monitor.recordFallback('a', 'b');
    monitor.recordUsage('a', 100, 20, 0.0015);
    monitor.recordUsage('a', 50, 10, 0.001);
    await clock.advance(10_000);
    const w = win('a', '1m')!;
    expect(w).toMatchObject({
      calls: 4, successes: 1, errors: 1, timeouts: 1, rateLimited: 1, errorRate: 0.6667, timeoutRate: 0.25, rateLimitRate: 0.25,
      retries: 1, fallbacksOut: 1, fallbacksIn: 0, inputTokens: 150, outputTokens: 30, costUsd: 0.0025, coveredMs: 10_000, throughput: 0.4,
    });
    expect(w.latency).toMatchObject({ count: 1, min: 100, max: 100 });
    expect(win('b', '1m')).toMatchObject({ fallbacksIn: 1, calls: 0 });
  });

  it('splits breaker open time across buckets and counts a spell still running', async () => {
    const { clock, monitor, win } = setup();
    monitor.recordBreaker('m', 'open');
    await clock.advance(25_000);
    monitor.recordBreaker('m', 'half-open');
    await clock.advance(5_000);
    monitor.recordBreaker('m', 'open');
    await clock.advance(10_000);
    const w = win('m', '1m')!;
    expect(w.breakerOpenMs).toBe(35_000);
    expect(w.uptime).toBeCloseTo(1 - 35_000 / 40_000, 4);
    await clock.advance(60_000);
    // The clock starts on a 10 s boundary, so the 1m window now covers the last 50 s,
    // all of it inside the spell that began 70 s ago.
    expect(new Ring(60_000, 6).start(clock.now())).toBe(clock.now() - 50_000);
    expect(win('m', '1m')!.breakerOpenMs).toBe(50_000);
    expect(win('m', '5m')!.breakerOpenMs).toBe(95_000);
  });
});
