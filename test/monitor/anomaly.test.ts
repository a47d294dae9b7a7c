import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

const anomalyOptions = { anomaly: { intervalMs: 10_000, warmupIntervals: 5, zThreshold: 3, minCalls: 3 } } as const;

/** Feeds `n` intervals of `calls` attempts each at `latency` ms, `failEvery`-th one failing. */
async function feed(ctx: ReturnType<typeof setup>, n: number, latency: (i: number) => number, fail = 0) {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 5; k++) ctx.monitor.recordAttempt('m', k < fail ? 'error' : 'success', latency(i));
    await ctx.clock.advance(10_000);
  }
}

describe('anomalies', () => {
  it('flags a latency jump against the EWMA baseline, after warm-up only', async () => {
    const ctx = setup(anomalyOptions);
    await feed(ctx, 8, (i) => 1_000 + (i % 2) * 50);
    expect(ctx.of('anomaly')).toHaveLength(0);
    await feed(ctx, 1, () => 4_000);
    ctx.monitor.recordAttempt('m', 'success', 1_000); // closes the slow interval
    const [a] = ctx.of('anomaly');
    expect(a).toMatchObject({ model: 'm', metric: 'latency', value: 4_000, method: 'ewma', threshold: 3, intervalMs: 10_000 });
    expect(a!.baseline).toBeGreaterThan(1_000);
    expect(a!.baseline).toBeLessThan(1_050);
    expect(a!.zScore).toBeGreaterThan(3);
    expect(ctx.of('alert').filter((x) => x.rule === 'anomaly')).toHaveLength(1);
  });

  it('does not flag a model getting faster, nor a spike during warm-up', async () => {
    const ctx = setup(anomalyOptions);
    await feed(ctx, 2, () => 1_000);
    await feed(ctx, 1, () => 9_000);
    await feed(ctx, 6, () => 1_000);
    await feed(ctx, 1, () => 100);
    ctx.monitor.recordAttempt('m', 'success', 1_000);
    expect(ctx.of('anomaly')).toHaveLength(0);
  });

  it('flags an error-rate jump from a clean baseline', async () => {
    const ctx = setup(anomalyOptions);
    await feed(ctx, 6, () => 500);
    await feed(ctx, 1, () => 500, 3); // 60% failures
    ctx.monitor.recordAttempt('m', 'success', 500);
    expect(ctx.of('anomaly').map((a) => [a.metric, a.value])).toEqual([['error_rate', 0.6]]);
  });

  it('fires on a fixed threshold whatever the baseline', async () => {
    const ctx = setup({ anomaly: { intervalMs: 10_000, fixed: { latencyMs: 2_000 } } });
    await feed(ctx, 1, () => 2_500);
    ctx.monitor.recordAttempt('m', 'success', 10);
    expect(ctx.of('anomaly')[0]).toMatchObject({ metric: 'latency', method: 'threshold', threshold: 2_000, value: 2_500 });
  });

  it('is off with anomaly: false', async () => {
    const ctx = setup({ anomaly: false });
    await feed(ctx, 8, () => 1_000);
    await feed(ctx, 1, () => 40_000);
    ctx.monitor.recordAttempt('m', 'success', 10);
    expect(ctx.of('anomaly')).toHaveLength(0);
  });
});
