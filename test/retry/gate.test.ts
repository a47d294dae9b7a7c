import { describe, expect, it } from 'vitest';
import { type RetryGateInput, gateRetry } from '../../src/retry/gate.js';

const base: RetryGateInput = {
  kind: 'server',
  delayMs: 500,
  breakerOpen: false,
  remainingMs: undefined,
  preferFallback: true,
  nextAvailable: () => false,
  acquire: () => true,
};

describe('gateRetry', () => {
  it.each<[string, Partial<RetryGateInput>, string | undefined]>([
    ['retries when nothing vetoes', {}, undefined],
    ['the failure opened the breaker', { breakerOpen: true, nextAvailable: () => true }, 'breaker_open'],
    ['the wait would end past the deadline', { remainingMs: 500 }, 'deadline'],
    ['the wait ends inside the deadline', { remainingMs: 501 }, undefined],
    ['a transient failure with an available next model', { nextAvailable: () => true }, 'fallback_first'],
    ['overloaded, network and timeout fail over first too', { kind: 'overloaded', nextAvailable: () => true }, 'fallback_first'],
    ['a rate limit keeps its retry-after wait', { kind: 'rate_limit', nextAvailable: () => true }, undefined],
    ['preferFallback off', { preferFallback: false, nextAvailable: () => true }, undefined],
    ['the budget is empty', { acquire: () => false }, 'throttled'],
  ])('%s', (_, over, expected) => {
    expect(gateRetry({ ...base, ...over })).toBe(expected);
  });

  it('never spends a budget token when another rule vetoes', () => {
    let spent = 0;
    const acquire = () => ++spent > 0;
    gateRetry({ ...base, breakerOpen: true, acquire });
    gateRetry({ ...base, nextAvailable: () => true, acquire });
    gateRetry({ ...base, remainingMs: 10, acquire });
    expect(spent).toBe(0);
    gateRetry({ ...base, acquire });
    expect(spent).toBe(1);
  });
});
