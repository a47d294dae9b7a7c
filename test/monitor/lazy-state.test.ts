import { describe, expect, it } from 'vitest';
import { QuantileSketch } from '../../src/monitor/sketch.js';
import { setup } from './helpers.js';

// A model's baselines, anomaly state and sketch bins are made when first needed,
// not with the model. These pin what a first need sees, however late it comes.

const anomalyOptions = { anomaly: { intervalMs: 10_000, warmupIntervals: 5, zThreshold: 3, minCalls: 3 } } as const;
const HOUR = 3_600_000;

async function interval(ctx: ReturnType<typeof setup>, latency: number, calls = 5, model = 'm') {
  for (let k = 0; k < calls; k++) ctx.monitor.recordAttempt(model, 'success', latency);
  await ctx.clock.advance(10_000);
}

const baselineOf = (ctx: ReturnType<typeof setup>, model = 'm') => ctx.monitor.snapshot().models.find((x) => x.model === model)?.baseline;

describe('state made on first need', () => {
  it('a model seen hours before its first attempt warms its anomaly baseline from its attempts only', async () => {
    const ctx = setup(anomalyOptions);
    ctx.monitor.endCall(ctx.monitor.startCall('m'));
    ctx.monitor.recordUsage('m', 10, 10);
    await ctx.clock.advance(6 * HOUR);
    expect(baselineOf(ctx)).toBeUndefined();
    for (let i = 0; i < 4; i++) await interval(ctx, 1_000);
    ctx.monitor.recordAttempt('m', 'success', 1_000); // closes the 4th interval
    expect(baselineOf(ctx)).toBeUndefined();
    await interval(ctx, 1_000, 2);
    ctx.monitor.recordAttempt('m', 'success', 1_000); // closes the 5th (3 attempts)
    expect(baselineOf(ctx)).toEqual({ latencyMs: 1_000, errorRate: 0 });
    expect(ctx.of('anomaly')).toHaveLength(0);
  });

  it("a model's first anomaly check after a long quiet period compares with the baseline from before it", async () => {
    const ctx = setup(anomalyOptions);
    for (let i = 0; i < 6; i++) await interval(ctx, 1_000);
    await ctx.clock.advance(24 * HOUR);
    await interval(ctx, 4_000);
    expect(ctx.of('anomaly')).toHaveLength(0); // the quiet day closed nothing
    ctx.monitor.recordAttempt('m', 'success', 1_000); // closes the slow interval
    const [a] = ctx.of('anomaly');
    expect(a).toMatchObject({ model: 'm', metric: 'latency', value: 4_000, baseline: 1_000, method: 'ewma' });
    expect(ctx.of('anomaly')).toHaveLength(1);
  });

  it('intervals with fewer than minCalls attempts fold nothing: the baseline starts at the first one with enough', async () => {
    const ctx = setup(anomalyOptions);
    for (let i = 0; i < 3; i++) await interval(ctx, 9_000, 2);
    for (let i = 0; i < 5; i++) await interval(ctx, 1_000);
    ctx.monitor.recordAttempt('m', 'success', 1_000);
    expect(baselineOf(ctx)).toEqual({ latencyMs: 1_000, errorRate: 0 });
    expect(ctx.of('anomaly')).toHaveLength(0);
  });

  it("a failure-only interval starts the error-rate baseline without the latency one's", async () => {
    const ctx = setup({ anomaly: { ...anomalyOptions.anomaly, warmupIntervals: 1 } });
    for (let k = 0; k < 3; k++) ctx.monitor.recordAttempt('m', 'error', 50);
    await ctx.clock.advance(10_000);
    ctx.monitor.recordAttempt('m', 'success', 700);
    expect(baselineOf(ctx)).toEqual({ errorRate: 1 });
  });

  it('the first latency baseline read, long after the successes, sees what the longest window still holds; reads are throttled from then on', async () => {
    const ctx = setup();
    ctx.monitor.recordAttempt('m', 'success', 200);
    await ctx.clock.advance(10 * 60_000);
    ctx.monitor.recordAttempt('old', 'success', 200);
    await ctx.clock.advance(2 * HOUR);
    expect(ctx.monitor.latencyBaseline('old')).toBeUndefined(); // aged out of the hour
    ctx.monitor.recordAttempt('old', 'success', 300);
    expect(ctx.monitor.latencyBaseline('old')).toBeUndefined(); // within the refresh period of the first read
    await ctx.clock.advance(1_000);
    expect(ctx.monitor.latencyBaseline('old')).toMatchObject({ samples: 1 });
    expect(ctx.monitor.latencyBaseline('old')!.p50).toBeCloseTo(300, 0);
    expect(ctx.monitor.latencyBaseline('never')).toBeUndefined();
  });

  it("recent p95 of latency and of time to first token are kept apart, each from its first read", () => {
    const ctx = setup();
    for (let i = 0; i < 10; i++) {
      ctx.monitor.recordAttempt('m', 'success', 1_000);
      ctx.monitor.recordStream('m', 40, 1_000);
    }
    expect(ctx.monitor.recentP95('m', 'ttft')).toBeCloseTo(40, 0);
    expect(ctx.monitor.recentP95('m', 'latency')).toBeCloseTo(1_000, -1);
    expect(ctx.monitor.recentP95('other', 'latency')).toBeUndefined();
  });
});

describe("a bucket's rarer counters (retries, fallbacks, streams, open time)", () => {
  it('count from their first use and leave with their bucket when it rotates', async () => {
    const ctx = setup({ windows: [60_000, 300_000], buckets: 6, health: { windowMs: 300_000 } });
    ctx.monitor.recordAttempt('m', 'success', 100);
    ctx.monitor.recordRetry('m');
    ctx.monitor.recordFallback('m', 'n');
    ctx.monitor.recordStream('m', 30, 100);
    ctx.monitor.recordBreaker('m', 'open');
    await ctx.clock.advance(5_000);
    ctx.monitor.recordBreaker('m', 'half-open');
    const pick = (label: string) => {
      const w = ctx.win('m', label)!;
      return { retries: w.retries, fallbacksOut: w.fallbacksOut, streams: w.streams, ttft: w.ttft?.count, breakerOpenMs: w.breakerOpenMs };
    };
    expect(pick('1m')).toEqual({ retries: 1, fallbacksOut: 1, streams: 1, ttft: 1, breakerOpenMs: 5_000 });
    expect(ctx.win('n', '1m')!.fallbacksIn).toBe(1);
    await ctx.clock.advance(60_000); // the 1-minute window's slot of t=0 is reused now
    ctx.monitor.recordAttempt('m', 'success', 100);
    expect(pick('1m')).toEqual({ retries: 0, fallbacksOut: 0, streams: 0, ttft: undefined, breakerOpenMs: 0 });
    expect(pick('5m')).toEqual({ retries: 1, fallbacksOut: 1, streams: 1, ttft: 1, breakerOpenMs: 5_000 });
  });
});

describe('QuantileSketch bins made on first value', () => {
  it('a first value, then a smaller one, then zero, answer as one sketch fed in order', () => {
    const s = new QuantileSketch(0.01);
    for (const v of [500, 20, 0, 500, 7_000]) s.accept(v);
    expect(s.count).toBe(5);
    expect(s.getValueAtQuantile(0)).toBe(0);
    expect(s.getValueAtQuantile(0.25)).toBeCloseTo(20, -1);
    expect(Math.abs(s.getValueAtQuantile(0.5) - 500) / 500).toBeLessThanOrEqual(0.01);
    expect(Math.abs(s.getValueAtQuantile(1) - 7_000) / 7_000).toBeLessThanOrEqual(0.01);
    const merged = new QuantileSketch(0.01);
    merged.merge(s);
    for (const q of [0, 0.25, 0.5, 0.75, 1]) expect(merged.getValueAtQuantile(q)).toBe(s.getValueAtQuantile(q));
  });

  it('sketches of different accuracies keep their own: each answers within its own, and they do not merge', () => {
    const fine = new QuantileSketch(0.001);
    const coarse = new QuantileSketch(0.1);
    for (const s of [fine, coarse, new QuantileSketch(0.001)]) s.accept(1_234);
    expect([fine.relativeAccuracy, coarse.relativeAccuracy]).toEqual([0.001, 0.1]);
    expect(Math.abs(fine.getValueAtQuantile(0.5) - 1_234) / 1_234).toBeLessThanOrEqual(0.001);
    expect(fine.getValueAtQuantile(0.5)).not.toBe(coarse.getValueAtQuantile(0.5));
    expect(() => fine.merge(coarse)).toThrow(RangeError);
  });
});

describe('the model recorded last', () => {
  it('a model forgotten and called again starts afresh, and is in the snapshot again', () => {
    const ctx = setup();
    for (let i = 0; i < 3; i++) ctx.monitor.recordAttempt('m', 'success', 100);
    ctx.monitor.recordUsage('m', 10, 5);
    ctx.monitor.forget('m');
    expect(ctx.monitor.snapshot().models.map((x) => x.model)).toEqual([]);
    ctx.monitor.recordAttempt('m', 'success', 100);
    ctx.monitor.recordUsage('m', 1, 2);
    expect(ctx.win('m', '1m')).toMatchObject({ calls: 1, successes: 1, inputTokens: 1, outputTokens: 2 });
  });

  it('records each model in its own state when calls alternate between models', () => {
    const ctx = setup();
    for (let i = 0; i < 4; i++) {
      ctx.monitor.recordAttempt('a', 'success', 100);
      ctx.monitor.recordAttempt('b', 'error', 100);
      ctx.monitor.recordUsage('a', 10, 0);
    }
    expect(ctx.win('a', '1m')).toMatchObject({ calls: 4, errors: 0, inputTokens: 40 });
    expect(ctx.win('b', '1m')).toMatchObject({ calls: 4, errors: 4, inputTokens: 0 });
  });
});
