import { describe, expect, it } from 'vitest';
import { ResilientClient, isConfigError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

const TOO_LONG = 2 ** 31; // one past the longest timer Node can run

function issuesOf(build: () => unknown): { path: string; message: string }[] {
  try {
    build();
  } catch (e) {
    if (isConfigError(e)) return [...e.issues];
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('durations that become timers are capped at 2^31-1 ms', () => {
  it.each([
    ['timeoutMs', { timeoutMs: TOO_LONG }],
    ['retry.maxDelayMs', { retry: { maxDelayMs: TOO_LONG } }],
    ['retry.maxRetryAfterMs', { retry: { maxRetryAfterMs: 3e9 } }],
    ['breaker.resetTimeoutMs', { breaker: { resetTimeoutMs: TOO_LONG } }],
    ['stream.stallTimeoutMs', { stream: { stallTimeoutMs: TOO_LONG } }],
  ])('%s is refused at construction, naming the option', (path, options) => {
    const issues = issuesOf(() => new ResilientClient({ models: ['m'], clock: createFakeClock(), ...options }));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    expect(issues[0]!.message).toContain('expected at most 2147483647 ms');
  });

  it('accepts exactly 2^31-1, and a budget window longer than that (it is never a timer)', () => {
    expect(() => new ResilientClient({ models: ['m'], clock: createFakeClock(), timeoutMs: 2 ** 31 - 1 })).not.toThrow();
    expect(
      () => new ResilientClient({ models: ['m'], clock: createFakeClock(), budget: { window: { windowMs: 30 * 86_400_000, maxTokens: 1 } } }),
    ).not.toThrow();
  });

  it('refuses run({ timeoutMs }) above the cap', async () => {
    const c = new ResilientClient({ models: ['m'], clock: createFakeClock() });
    const err = await c.run(() => 'x', { timeoutMs: 3e9 }).catch((e: unknown) => e);
    expect(isConfigError(err) && err.issues[0]!.path).toBe('run.timeoutMs');
  });
});
