import { describe, expect, it } from 'vitest';
import { fromWindow, giveBack, levelAt, perMinute, take, waitFor } from '../../src/limits/bucket.js';
import { parseRateLimitHeaders } from '../../src/classify/ratelimit-headers.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('bucket arithmetic', () => {
  it.each([
    // limit per minute, level, weight, elapsed ms → wait ms
    [600, 0, 1, 0, 100],
    [600, 0, 1, 40, 60],
    [60, 0.5, 1, 0, 500],
    [60_000, 500, 2_500, 0, 2_000],
    [60_000, 3_000, 2_500, 0, 0],
    [100, 0, 10_000, 0, 60_000], // heavier than the bucket: waits for the whole bucket, not forever
  ])('limit %i/min, level %d, weight %i, after %i ms: waits %i ms', (limit, level, weight, elapsed, wait) => {
    const b = { ...perMinute(limit, T0), level };
    expect(waitFor(b, weight, T0 + elapsed)).toBe(wait);
  });

  it('refills continuously up to the capacity, never above', () => {
    const b = { ...perMinute(60, T0), level: 0 };
    expect(levelAt(b, T0 + 30_000)).toBe(30);
    expect(levelAt(b, T0 + 600_000)).toBe(60);
  });

  it('a taken share may push the level below zero: the next call waits behind it', () => {
    const b = { ...perMinute(60, T0), level: 0 };
    take(b, 1, T0);
    expect(waitFor(b, 1, T0)).toBe(2_000);
    giveBack(b, 1, T0);
    expect(waitFor(b, 1, T0)).toBe(1_000);
  });
});

describe('buckets from both providers’ headers', () => {
  it('OpenAI: reset is the time until full; one request’s refill is limit/60 000 per ms', () => {
    const info = parseRateLimitHeaders(
      { 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2m0s', 'x-ratelimit-limit-tokens': '30000', 'x-ratelimit-remaining-tokens': '1000', 'x-ratelimit-reset-tokens': '58s' },
      T0,
    )!;
    const requests = fromWindow(info.requests, 0, T0)!;
    expect(waitFor(requests, 1, T0)).toBe(120); // not 120 000
    const tokens = fromWindow(info.tokens, 0, T0)!;
    expect(waitFor(tokens, 2_000, T0)).toBe(2_000); // 1,000 missing at 0.5 per ms
  });

  it('Anthropic: RFC 3339 resets; input and output buckets refill at their own limits', () => {
    const info = parseRateLimitHeaders(
      {
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:59Z',
        'anthropic-ratelimit-output-tokens-limit': '8000',
        'anthropic-ratelimit-output-tokens-remaining': '0',
        'anthropic-ratelimit-output-tokens-reset': '2026-01-01T00:01:00Z',
      },
      T0,
    )!;
    expect(waitFor(fromWindow(info.requests, 0, T0)!, 1, T0)).toBe(1_200);
    expect(waitFor(fromWindow(info.outputTokens, 0, T0)!, 1_024, T0)).toBe(7_680);
  });

  it('calls still waiting to be sent are subtracted from what the headers report', () => {
    const b = fromWindow({ limit: 60, remaining: 2 }, 3, T0)!;
    expect(levelAt(b, T0)).toBe(-1);
    expect(b.pending).toBe(3);
  });

  it('without a limit, waits until the reset; with neither limit nor reset, nothing to model', () => {
    const b = fromWindow({ remaining: 0, resetAt: T0 + 4_000 }, 0, T0)!;
    expect(waitFor(b, 1, T0)).toBe(4_000);
    expect(levelAt(b, T0 + 4_000)).toBe(Infinity);
    expect(fromWindow({ remaining: 0 }, 0, T0)).toBeUndefined();
  });
});
