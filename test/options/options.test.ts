import { describe, expect, it } from 'vitest';
import { ResilientClient, isConfigError } from '../../src/index.js';

const attempt = (options: unknown): string => {
  try {
    new ResilientClient(options as never);
  } catch (e) {
    if (isConfigError(e)) return e.message;
    throw e;
  }
  return 'ok';
};

describe('option validation', () => {
  it('names the path, the expectation and the value', () => {
    expect(attempt({ models: ['a'], retry: { maxRetries: -1 } })).toContain('retry.maxRetries: expected a non-negative integer, received -1');
    expect(attempt({ models: ['a'], breaker: { resetTimeoutMs: 'soon' } })).toContain('breaker.resetTimeoutMs: expected a positive number of milliseconds, received "soon"');
    expect(attempt({ models: [] })).toContain('models: expected a non-empty array of model names');
    expect(attempt({ models: ['a', 'a'] })).toContain('models: expected model names without duplicates');
    expect(attempt({ models: ['a'], timeoutMs: 0 })).toContain('timeoutMs: expected a positive number of milliseconds, received 0');
    expect(attempt({ models: ['a'], clock: {} })).toContain('clock: expected a clock with now(), setTimeout() and clearTimeout()');
    expect(attempt(undefined)).toContain('(options)');
  });

  it('rejects unknown keys by name without echoing their values', () => {
    const msg = attempt({ models: ['a'], apiKey: 'sk-proj-abcdefghijklmnopqrstuvwxyz', retry: { maxRetrys: 3 } });
    expect(msg).toContain('apiKey: unknown option');
    expect(msg).toContain('retry.maxRetrys: unknown option, did you mean `maxRetries`?');
    expect(msg).not.toContain('sk-proj');
  });

  it('reports every problem at once and accepts false to disable a policy', () => {
    const msg = attempt({ models: ['a'], retry: { maxRetries: 1.5, jitter: 'lots' }, breaker: { errorThresholdPercentage: 101 } });
    expect(msg).toContain('retry.maxRetries');
    expect(msg).toContain("retry.jitter: expected 'none', 'full' or 'equal', received \"lots\"");
    expect(msg).toContain('breaker.errorThresholdPercentage: expected a percentage between 0 and 100, received 101');
    expect(attempt({ models: ['a'], retry: false, breaker: false })).toBe('ok');
  });

  it('holds a given adaptiveTimeout.minTimeoutMs to at most maxTimeoutMs, given or at its default', () => {
    const refused = 'adaptiveTimeout: expected minTimeoutMs <= maxTimeoutMs';
    expect(attempt({ models: ['a'], adaptiveTimeout: { minTimeoutMs: 20_000, maxTimeoutMs: 10_000 } })).toContain(refused);
    // Alone above the default cap (600 s) it would never apply: every derived deadline is the cap.
    expect(attempt({ models: ['a'], adaptiveTimeout: { minTimeoutMs: 700_000 } })).toContain(refused);
    expect(attempt({ models: ['a'], adaptiveTimeout: { maxTimeoutMs: 5_000, minTimeoutMs: 1_000 } })).toBe('ok');
    // A cap alone below the default floor (10 s) is the cap: the user's value wins over a default.
    expect(attempt({ models: ['a'], adaptiveTimeout: { maxTimeoutMs: 5_000 } })).toBe('ok');
    expect(attempt({ models: ['a'], adaptiveTimeout: { minTimeoutMs: 600_000 } })).toBe('ok');
    expect(attempt({ models: ['a'], adaptiveTimeout: { maxTimeoutMs: 10_000 } })).toBe('ok');
  });

  it('holds a given hedge.minDelayMs to at most maxDelayMs, given or at its default', () => {
    const refused = 'hedge: expected minDelayMs <= maxDelayMs (by default 10000)';
    expect(attempt({ models: ['a', 'b'], hedge: { minDelayMs: 5_000, maxDelayMs: 1_000 } })).toContain(refused);
    // Alone above the default cap (10 s) it would never apply: every 'auto' delay is the cap.
    expect(attempt({ models: ['a', 'b'], hedge: { minDelayMs: 20_000 } })).toContain(refused);
    expect(attempt({ models: ['a', 'b'], hedge: { minDelayMs: 20_000, maxDelayMs: 30_000 } })).toBe('ok');
    // A cap alone below the default floor (250 ms) is the cap.
    expect(attempt({ models: ['a', 'b'], hedge: { maxDelayMs: 100 } })).toBe('ok');
    expect(attempt({ models: ['a', 'b'], hedge: { minDelayMs: 10_000 } })).toBe('ok');
  });
});
