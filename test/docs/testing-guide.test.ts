// The two scenarios of docs/testing.md, exactly as the guide shows them
// (test/docs/code-blocks.test.ts checks the guide's blocks against this file;
// the guide imports from 'llm-resilience' where this file imports from src).
import { describe, expect, it } from 'vitest';
import { ResilientClient, isAllModelsFailedError, isCircuitOpenError, type RetryEvent } from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

describe('docs/testing.md', () => {
  it('retries a 429 with retry-after: 2 exactly 2 s later', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, {
      'claude-sonnet-4-6': [step.rateLimit({ retryAfter: 2 }), step.success()],
    });
    const client = new ResilientClient({ models: ['claude-sonnet-4-6'], clock });
    const retries: RetryEvent[] = [];
    client.on('retry', (e) => retries.push(e));

    const result = client.run(provider.call);
    await clock.advance(1_999);
    expect(provider.calls).toHaveLength(1); // still waiting out the Retry-After
    await clock.advance(1);
    await expect(result).resolves.toMatchObject({ model: 'claude-sonnet-4-6' });

    const [first, second] = provider.calls;
    expect(second!.at - first!.at).toBe(2_000);
    expect(retries).toMatchObject([{ attempt: 1, delayMs: 2_000, retryAfterMs: 2_000, reason: 'rate_limit' }]);
    client.dispose();
  });

  it('opens the breaker, and after 30 s a half-open probe closes it', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, {
      'claude-sonnet-4-6': [step.overloaded(), step.overloaded(), step.overloaded(), step.success()],
    });
    const client = new ResilientClient({
      models: ['claude-sonnet-4-6'],
      retry: false,
      breaker: { volumeThreshold: 3, resetTimeoutMs: 30_000 },
      clock,
    });

    for (let i = 0; i < 3; i++) await client.run(provider.call).catch(() => {});
    expect(client.breakerState('claude-sonnet-4-6')).toBe('open');

    // While open, calls fail fast: the provider is not called.
    const refused = await client.run(provider.call).catch((e: unknown) => e);
    expect(isAllModelsFailedError(refused) && isCircuitOpenError(refused.failures[0]?.error)).toBe(true);
    expect(provider.calls).toHaveLength(3);

    await clock.advance(30_000);
    expect(client.breakerState('claude-sonnet-4-6')).toBe('half-open');
    await client.run(provider.call); // the one probe: it succeeds
    expect(client.breakerState('claude-sonnet-4-6')).toBe('closed');
    expect(provider.calls).toHaveLength(4);
    client.dispose();
  });
});
