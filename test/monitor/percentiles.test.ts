import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

/** The exact value the sketch approximates: the sample at rank floor(q × (n − 1)). */
const exact = (sorted: number[], q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;

describe('latency percentiles', () => {
  it('stay within the sketch relative accuracy of an exact computation, merged across buckets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 1, max: 120_000, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 5_000 }),
        async (latencies, stepMs) => {
          const { clock, monitor, win } = setup({ windows: [3_600_000], relativeAccuracy: 0.01 });
          for (const l of latencies) {
            monitor.recordAttempt('m', 'success', l);
            clock.set(clock.now() + stepMs); // spreads samples over several buckets
          }
          const stats = win('m', '1h')!.latency!;
          const sorted = [...latencies].sort((a, b) => a - b);
          expect(stats.count).toBe(latencies.length);
          // min, max, mean are exact (to the 2 decimals reported).
          expect(stats.min).toBeCloseTo(sorted[0]!, 1);
          expect(stats.max).toBeCloseTo(sorted.at(-1)!, 1);
          expect(stats.mean).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 1);
          for (const [key, q] of [['p50', 0.5], ['p90', 0.9], ['p95', 0.95], ['p99', 0.99]] as const) {
            const want = exact(sorted, q);
            // 1% relative accuracy, plus the 0.005 ms rounding of the report.
            expect(Math.abs(stats[key] - want)).toBeLessThanOrEqual(want * 0.01 + 0.005);
          }
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('reads successful attempts only', () => {
    const { monitor, win } = setup();
    monitor.recordAttempt('m', 'success', 200);
    monitor.recordAttempt('m', 'timeout', 60_000);
    monitor.recordAttempt('m', 'error', 3);
    expect(win('m', '1m')!.latency).toMatchObject({ count: 1, min: 200, max: 200 });
  });

  it('ignores a latency that is not a finite non-negative number instead of corrupting the sketch', () => {
    const { monitor, win } = setup();
    monitor.recordAttempt('m', 'success', Number.NaN);
    monitor.recordAttempt('m', 'success', 40);
    const l = win('m', '1m')!.latency!;
    expect(Number.isFinite(l.mean)).toBe(true);
    expect(l.max).toBe(40);
  });
});
