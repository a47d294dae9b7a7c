import { describe, expect, it } from 'vitest';
import { ResilientClient, isAllModelsFailedError, type ResilienceEvents } from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

function setup(scripts: Parameters<typeof createFakeProvider>[1], options: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, scripts);
  const client = new ResilientClient({ models: ['primary', 'secondary'], clock, random: () => 0.5, ...options });
  const events: { name: string; payload: unknown }[] = [];
  for (const name of ['retry', 'retry:throttled', 'fallback', 'breaker:open'] as const) client.on(name, (payload) => events.push({ name, payload }));
  return { clock, provider, client, events, names: () => events.map((e) => e.name) };
}

describe('retry budget', () => {
  it('refuses a retry beyond the budget: the call fails fast with a retry:throttled event', async () => {
    const { clock, provider, client, events } = setup(
      { primary: [step.serverError(500)] },
      { models: ['primary'], breaker: false, retry: { maxRetries: 3, initialDelayMs: 100, jitter: 'none', budget: { ratio: 0, minPerSecond: 0.1, windowMs: 10_000 } } },
    );
    const p = client.run(provider.call, { taskId: 't1' }).catch((e: unknown) => e);
    await clock.advance(100);
    const err = await p;
    expect(isAllModelsFailedError(err)).toBe(true);
    expect(provider.calls).toHaveLength(2); // the first attempt and the one retry the floor allows
    const throttled = events.find((e) => e.name === 'retry:throttled')!.payload as ResilienceEvents['retry:throttled'];
    expect(throttled).toMatchObject({ taskId: 't1', model: 'primary', attempt: 2, kind: 'retry', reason: 'server', retries: 1, successes: 0, allowed: 1 });
    expect(Object.isFrozen(throttled)).toBe(true);
    expect(client.snapshot().retryBudget?.primary).toMatchObject({ retries: 1, throttled: 1, available: 0 });
  });

  it('a throttled model falls back to the next one at once, without sleeping', async () => {
    const { provider, client, names } = setup(
      { primary: [step.serverError(500)] },
      { breaker: false, retry: { preferFallback: false, budget: { ratio: 0, minPerSecond: 0, windowMs: 10_000 } } },
    );
    const res = await client.run(provider.call); // no clock advance needed: nothing sleeps
    expect(res.model).toBe('secondary');
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(names()).toEqual(['retry:throttled', 'fallback']);
  });

  it('successes earn retries (ratio), and budget: false retries up to maxRetries', async () => {
    const earn = setup({ primary: [...Array.from({ length: 20 }, () => step.success()), step.serverError(500), step.serverError(500), step.serverError(500), step.success()] }, {
      models: ['primary'],
      breaker: false,
      retry: { initialDelayMs: 0, budget: { ratio: 0.1, minPerSecond: 0, windowMs: 10_000 } },
    });
    for (let i = 0; i < 20; i++) await earn.client.run(earn.provider.call);
    await earn.client.run(earn.provider.call).catch(() => {});
    expect(earn.names().filter((n) => n === 'retry')).toHaveLength(2); // 0.1 × 20 successes
    expect(earn.names()).toContain('retry:throttled');

    const off = setup({ primary: [step.serverError(500)] }, { models: ['primary'], breaker: false, retry: { initialDelayMs: 0, budget: false } });
    await off.client.run(off.provider.call).catch(() => {});
    expect(off.provider.calls).toHaveLength(4);
    expect(off.client.snapshot().retryBudget).toBeUndefined();
    expect(off.client.retryBudget).toBeUndefined();
  });

  it('exposes tryAcquire for other re-sends (e.g. a spill), with kind spill on the event', () => {
    const { client, events } = setup({}, { retry: { budget: { ratio: 0, minPerSecond: 0, windowMs: 10_000 } } });
    expect(client.retryBudget!.tryAcquire('primary', { kind: 'spill', reason: 'rate_limit', taskId: 'x' })).toBe(false);
    expect(events[0]).toEqual({ name: 'retry:throttled', payload: expect.objectContaining({ model: 'primary', kind: 'spill', reason: 'rate_limit', taskId: 'x' }) });
  });
});

describe('failing over instead of sleeping', () => {
  it('a transient failure goes to an available next model at once (preferFallback, the default)', async () => {
    const { clock, provider, client, events, names } = setup({ primary: [step.serverError(503), step.success()] });
    const start = clock.now();
    const res = await client.run(provider.call);
    expect(res.model).toBe('secondary');
    expect(clock.now() - start).toBe(0);
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(names()).toEqual(['fallback']);
    expect(events[0]!.payload).toMatchObject({ from: 'primary', to: 'secondary', reason: 'server' });
  });

  it('retries with backoff when the next model is not available (its breaker open)', async () => {
    const { clock, provider, client } = setup(
      { primary: [step.serverError(503), step.success()], secondary: [step.serverError(500)] },
      { retry: { initialDelayMs: 100, jitter: 'none' }, breaker: { volumeThreshold: 2 } },
    );
    const opening = client.run(provider.call, { models: ['secondary'] }).catch(() => {}); // fails, retries once, opens
    await clock.advance(100);
    await opening;
    expect(client.breakerState('secondary')).toBe('open');
    const p = client.run(provider.call);
    await clock.advance(100);
    const res = await p;
    expect(res.model).toBe('primary');
    expect(provider.callsTo('primary').map((c) => c.attempt)).toEqual([1, 2]);
  });

  it('does not sleep when the failure opened the breaker: the retry would be refused anyway', async () => {
    const { clock, provider, client, names } = setup(
      { primary: [step.serverError(500)] },
      { retry: { preferFallback: false }, breaker: { volumeThreshold: 1 } },
    );
    const start = clock.now();
    const res = await client.run(provider.call);
    expect(res.model).toBe('secondary');
    expect(clock.now() - start).toBe(0);
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(names()).toEqual(['breaker:open', 'fallback']);
  });
});

describe('a retry refused by the retry budget is visible in the final error', () => {
  it('names the refusal in the message, in the failure and in toJSON', async () => {
    const { provider, client } = setup(
      { 'claude-sonnet-4-5': [step.serverError(500)], 'gpt-4.1': [step.serverError(503)] },
      { models: ['claude-sonnet-4-5', 'gpt-4.1'], breaker: false, retry: { preferFallback: false, budget: { ratio: 0, minPerSecond: 0, windowMs: 10_000 } } },
    );
    const err = await client.run(provider.call).catch((e: unknown) => e);
    expect(isAllModelsFailedError(err)).toBe(true);
    const e = err as import('../../src/index.js').AllModelsFailedError;
    expect(e.message).toBe('All models failed: claude-sonnet-4-5 (server; retry refused by the retry budget), gpt-4.1 (server; retry refused by the retry budget)');
    expect(e.failures.map((f) => f.retryThrottled)).toEqual([true, true]);
    expect(JSON.parse(JSON.stringify(e)).failures[0]).toMatchObject({ model: 'claude-sonnet-4-5', reason: 'server', retryThrottled: true });
  });

  it('a 429 whose retry the budget refused, on a chain of one', async () => {
    const { provider, client } = setup({ 'gpt-4.1': [step.rateLimit({ retryAfter: 1 })] }, { models: ['gpt-4.1'], breaker: false, retry: { budget: { ratio: 0, minPerSecond: 0, windowMs: 10_000 } } });
    const err = (await client.run(provider.call).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('All models failed: gpt-4.1 (rate_limit; retry refused by the retry budget)');
    expect(provider.calls).toHaveLength(1);
  });

  it('says nothing of the budget when no retry was refused', async () => {
    const { clock, provider, client } = setup({ primary: [step.serverError(500)] }, { models: ['primary'], breaker: false, retry: { maxRetries: 1, initialDelayMs: 100, jitter: 'none', budget: false } });
    const p = client.run(provider.call).catch((e: unknown) => e);
    await clock.advance(100);
    expect(((await p) as Error).message).toBe('All models failed: primary (server)');
  });
});
