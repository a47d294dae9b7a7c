import { describe, expect, it } from 'vitest';
import { backoffDelay, decideRetry } from '../../src/retry/backoff.js';
import { RETRY_DEFAULTS } from '../../src/retry/options.js';

const opts = { ...RETRY_DEFAULTS, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1_000 };

describe('backoffDelay', () => {
  it.each([
    ['none', 0.5, [100, 200, 400, 800, 1_000, 1_000]],
    ['full', 0.5, [50, 100, 200, 400, 500, 500]],
    ['equal', 0.5, [75, 150, 300, 600, 750, 750]],
    ['equal', 0, [50, 100, 200, 400, 500, 500]],
  ] as const)('jitter %s with random %s', (jitter, r, expected) => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { ...opts, jitter }, () => r))).toEqual(expected);
  });

  it('survives a huge retry count and an out-of-range random source', () => {
    expect(backoffDelay(10_000, { ...opts, jitter: 'none' }, () => 0)).toBe(1_000);
    expect(backoffDelay(1, { ...opts, jitter: 'full' }, () => 7)).toBe(100);
    expect(backoffDelay(1, { ...opts, jitter: 'full' }, () => Number.NaN)).toBe(0);
  });
});

describe('decideRetry', () => {
  const r = () => 0.5;
  it('honours retry-after exactly, without jitter', () => {
    expect(decideRetry({ retryable: true, retryAfterMs: 2_000 }, 0, opts, r)).toEqual({ retry: true, delayMs: 2_000 });
  });
  it('gives up at once when retry-after exceeds the cap', () => {
    expect(decideRetry({ retryable: true, retryAfterMs: 61_000 }, 0, opts, r)).toEqual({ retry: false, giveUp: 'retry_after_too_long' });
  });
  it('stops after maxRetries and on non-retryable failures', () => {
    expect(decideRetry({ retryable: true }, opts.maxRetries, opts, r)).toEqual({ retry: false, giveUp: 'exhausted' });
    expect(decideRetry({ retryable: false }, 0, opts, r)).toEqual({ retry: false, giveUp: 'not_retryable' });
  });
});
