import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from '../../src/monitor/events.js';
import { renderReport } from '../../src/monitor/report.js';
import { QuantileSketch } from '../../src/monitor/sketch.js';
import { setup } from './helpers.js';

// Successes are batched per model and written to the windows before anything reads them.
// Whatever the sequence, a batching monitor must say exactly what one recording each
// success at once says: same events, same snapshots, same reports.

const MODELS = ['a', 'b'] as const;
const OUTCOMES: AttemptOutcome[] = ['success', 'success', 'success', 'success', 'error', 'timeout', 'rate_limited'];

const op = fc.oneof(
  { weight: 12, arbitrary: fc.record({ k: fc.constant('attempt' as const), model: fc.constantFrom(...MODELS), outcome: fc.constantFrom(...OUTCOMES), ms: fc.oneof(fc.integer({ min: 0, max: 40_000 }), fc.double({ min: 0, max: 5_000, noNaN: true })) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 5_000, max: 700_000 })) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('usage' as const), model: fc.constantFrom(...MODELS), input: fc.integer({ min: 0, max: 500 }), cost: fc.double({ min: 0, max: 0.01, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('retry' as const), model: fc.constantFrom(...MODELS) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('stream' as const), model: fc.constantFrom(...MODELS), ttft: fc.integer({ min: 0, max: 3_000 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('breaker' as const), model: fc.constantFrom(...MODELS), state: fc.constantFrom('open' as const, 'half-open' as const, 'closed' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('read' as const), model: fc.constantFrom(...MODELS), what: fc.constantFrom('health', 'rank', 'baseline', 'p95', 'snapshot') }) },
);

type Ctx = ReturnType<typeof setup>;
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

async function apply(ctx: Ctx, o: Op): Promise<unknown> {
  const { monitor: m, clock } = ctx;
  switch (o.k) {
    case 'attempt':
      return m.recordAttempt(o.model, o.outcome, o.ms);
    case 'advance':
      return clock.advance(o.ms);
    case 'usage':
      return m.recordUsage(o.model, o.input, o.input * 2, o.cost);
    case 'retry':
      return m.recordRetry(o.model);
    case 'stream':
      return m.recordStream(o.model, o.ttft, o.ttft * 3);
    case 'breaker':
      return m.recordBreaker(o.model, o.state);
    case 'read':
      if (o.what === 'health') return m.health(o.model);
      if (o.what === 'rank') return m.rank([...MODELS], 'healthiest');
      if (o.what === 'baseline') return m.latencyBaseline(o.model);
      if (o.what === 'p95') return m.recentP95(o.model, 'latency');
      return m.snapshot();
  }
}

async function run(options: Parameters<typeof setup>[0], ops: readonly Op[]) {
  const batched = setup(options);
  const single = setup(options, { batch: 1 });
  for (const o of ops) {
    const [x, y] = [await apply(batched, o), await apply(single, o)];
    expect(x).toEqual(y);
  }
  expect(batched.events).toEqual(single.events);
  const [sx, sy] = [batched.monitor.snapshot(), single.monitor.snapshot()];
  expect(sx).toEqual(sy);
  expect(renderReport(sx)).toBe(renderReport(sy));
  batched.monitor.dispose();
  single.monitor.dispose();
}
const ops_ = fc.array(op, { maxLength: 150 });

describe('batched successes', () => {
  it('give the same events, reads, snapshots and reports as recording each success at once', async () => {
    await fc.assert(fc.asyncProperty(ops_, (ops) => run(undefined, ops)), { numRuns: 150 });
  });

  it('the same with short windows, few buckets and a low bar for health (buckets rotate under a batch)', async () => {
    const options = { windows: [1_000, 7_000], buckets: 3, health: { windowMs: 7_000, minCalls: 2, latencyRefreshMs: 500, degraded: { errorRate: 0.2, p95LatencyMs: 2_000 }, unhealthy: { errorRate: 0.5, p95LatencyMs: 10_000 } } };
    await fc.assert(fc.asyncProperty(ops_, (ops) => run(options, ops)), { numRuns: 150 });
  });

  it('a write a whole window later lands in its own bucket, not in the batch that was still pending', async () => {
    const batched = setup();
    const single = setup(undefined, { batch: 1 });
    for (const c of [batched, single]) {
      c.monitor.recordAttempt('m', 'success', 120);
      await c.clock.advance(60_000); // the 1-minute window's slot comes round again
      c.monitor.recordUsage('m', 10, 20, 0.5);
      c.monitor.recordRetry('m');
      c.monitor.recordStream('m', 40, 90);
    }
    const [x, y] = [batched.monitor.snapshot(), single.monitor.snapshot()];
    expect(x).toEqual(y);
    expect(x.models[0]!.windows.find((w) => w.window === '1m')).toMatchObject({ inputTokens: 10, retries: 1, streams: 1, calls: 0 });
  });

  it('a batch longer than the cap is written out as it fills, with the same figures', async () => {
    const batched = setup();
    const single = setup(undefined, { batch: 1 });
    for (let i = 0; i < 1_000; i++) for (const c of [batched, single]) c.monitor.recordAttempt('m', 'success', (i * 37) % 900);
    expect(batched.monitor.snapshot()).toEqual(single.monitor.snapshot());
  });
});

describe('QuantileSketch.absorb', () => {
  it('equals accepting each value of the batch, sum included', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true })), fc.array(fc.double({ min: -1, max: 1e5, noNaN: true }), { minLength: 1 }), (before, batch) => {
        const a = new QuantileSketch();
        const b = new QuantileSketch();
        const part = new QuantileSketch();
        for (const v of before) {
          a.accept(v);
          b.accept(v);
        }
        for (const v of batch) {
          a.accept(v);
          part.accept(v);
        }
        b.absorb(part, batch);
        expect([b.count, b.sum, b.min, b.max]).toEqual([a.count, a.sum, a.min, a.max]);
        for (const q of [0, 0.1, 0.5, 0.9, 0.95, 0.99, 1]) expect(b.getValueAtQuantile(q)).toBe(a.getValueAtQuantile(q));
      }),
      { numRuns: 500 },
    );
  });
});
