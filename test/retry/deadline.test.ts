import { describe, expect, it } from 'vitest';
import { ADAPTIVE_TIMEOUT_DEFAULTS } from '../../src/retry/options.js';
import { derivedTimeoutMs, planAttempt } from '../../src/retry/deadline.js';

const o = ADAPTIVE_TIMEOUT_DEFAULTS; // 3 × p99 within [10 s, 600 s], 100 samples

describe('derivedTimeoutMs', () => {
  it.each<[string, { samples: number; p50: number; p99: number } | undefined, number | undefined]>([
    ['no baseline yet', undefined, undefined],
    ['too few samples', { samples: 99, p50: 1_000, p99: 5_000 }, undefined],
    ['3 × p99', { samples: 100, p50: 1_000, p99: 5_000 }, 15_000],
    ['floored at 10 s', { samples: 500, p50: 200, p99: 900 }, 10_000],
    ['capped at 10 min', { samples: 500, p50: 90_000, p99: 400_000 }, 600_000],
  ])('%s', (_, baseline, expected) => {
    expect(derivedTimeoutMs(baseline, o)).toBe(expected);
  });

  it('is off without options', () => {
    expect(derivedTimeoutMs({ samples: 100, p50: 1, p99: 1 }, undefined)).toBeUndefined();
  });
});

describe('planAttempt', () => {
  it.each<[string, [number | undefined, number | undefined, number | undefined], object]>([
    ['no deadline, no own limit', [undefined, undefined, undefined], { start: true, timeoutMs: undefined, callDeadline: false }],
    ['no deadline: the own limit', [undefined, 15_000, undefined], { start: true, timeoutMs: 15_000, callDeadline: false }],
    ['the own limit fits in the remaining time', [1_100_000, 15_000, 2_000], { start: true, timeoutMs: 15_000, callDeadline: false }],
    ['the remaining time is shorter: it becomes the limit', [1_010_000, 15_000, 2_000], { start: true, timeoutMs: 10_000, callDeadline: true }],
    ['no own limit: the remaining time', [1_010_000, undefined, undefined], { start: true, timeoutMs: 10_000, callDeadline: true }],
    ['less time left than the median latency: not started', [1_001_000, 15_000, 2_000], { start: false, remainingMs: 1_000 }],
    ['deadline passed: not started', [999_000, 15_000, undefined], { start: false, remainingMs: 0 }],
  ])('%s', (_, [deadlineAt, own, median], expected) => {
    expect(planAttempt(1_000_000, deadlineAt, own, median)).toEqual(expected);
  });
});
