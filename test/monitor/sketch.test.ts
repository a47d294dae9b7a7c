import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuantileSketch } from '../../src/monitor/sketch.js';

// The exact value at rank ⌊q·(n−1)⌋ of the sorted samples: what a sketch's answer must be within α of.
const exact = (values: readonly number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))]!;

describe('QuantileSketch', () => {
  it('answers every quantile within its relative accuracy, for any latencies', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 600_000, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0, 0.5, 0.9, 0.95, 0.99, 1), (values, q) => {
        const s = new QuantileSketch(0.01);
        for (const v of values) s.accept(v);
        const want = exact(values, q);
        expect(Math.abs(s.getValueAtQuantile(q) - want)).toBeLessThanOrEqual(want * 0.01 * (1 + 1e-9));
      }),
    );
  });

  it('merging equals accepting everything in one sketch; count, min and max are exact, the sum up to float rounding', () => {
    const a = new QuantileSketch(0.02);
    const b = new QuantileSketch(0.02);
    const all = new QuantileSketch(0.02);
    for (let i = 1; i <= 200; i++) {
      const v = (i * 37) % 1000 + 0.5;
      (i % 3 ? a : b).accept(v);
      all.accept(v);
    }
    b.accept(0.001); // smaller than every bin a has: a's bins grow downwards on merge
    all.accept(0.001);
    a.merge(b);
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) expect(a.getValueAtQuantile(q)).toBe(all.getValueAtQuantile(q));
    expect([a.count, a.min, a.max]).toEqual([all.count, all.min, all.max]);
    expect(a.sum).toBeCloseTo(all.sum, 6); // the same values added in another order
  });

  it('zeros (a fake clock) are counted and answered as 0; an empty sketch answers NaN', () => {
    const s = new QuantileSketch();
    expect(s.getValueAtQuantile(0.5)).toBeNaN();
    for (let i = 0; i < 9; i++) s.accept(0);
    s.accept(100);
    expect(s.getValueAtQuantile(0.5)).toBe(0);
    expect(s.getValueAtQuantile(1)).toBeCloseTo(100, 0);
    expect(() => s.merge(new QuantileSketch(0.05))).not.toThrow(); // empty: nothing to merge
    const other = new QuantileSketch(0.05);
    other.accept(1);
    expect(() => s.merge(other)).toThrow(RangeError);
  });

  it('a value binned once and added to several sketches gives each the same answers as accept', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 200 }), (values) => {
        const direct = new QuantileSketch(0.01);
        const shared = [new QuantileSketch(0.01), new QuantileSketch(0.01)];
        for (const v of values) {
          direct.accept(v);
          const bin = shared[0]!.binOf(v);
          for (const s of shared) s.acceptInBin(v, bin);
        }
        for (const s of shared) {
          expect([s.count, s.sum, s.min, s.max]).toEqual([direct.count, direct.sum, direct.min, direct.max]);
          for (const q of [0, 0.5, 0.95, 0.99, 1]) expect(s.getValueAtQuantile(q)).toBe(direct.getValueAtQuantile(q));
        }
      }),
    );
  });
});
