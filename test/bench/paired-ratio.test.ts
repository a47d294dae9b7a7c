import { describe, expect, it } from 'vitest';
import { type ImportTime, pairedRatio } from '../../bench/lib/import-time.js';
import { stats } from '../../bench/lib/measure.js';

const timed = (rounds: number[]): ImportTime => ({ cpu: stats(rounds), wall: stats(rounds), rounds });

describe("the cold-start row's ratio", () => {
  it('is the median of the rounds’ ratios, each round over the same round of its base', () => {
    // A busy stretch (rounds 3–4) slows both sides of its pairs: the pairs keep the ratio, the medians do not.
    const ours = timed([80, 82, 160, 164, 81]);
    const theirs = timed([40, 41, 80, 82, 60]);
    const r = pairedRatio(ours, theirs);
    expect(r.median).toBe(2);
    expect(r.min).toBeCloseTo(81 / 60);
    expect(r.max).toBe(2);
    expect(ours.cpu.median / theirs.cpu.median).toBeCloseTo(82 / 60);
  });
});
