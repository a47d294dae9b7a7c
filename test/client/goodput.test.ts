import { describe, expect, it } from 'vitest';
import { type AttemptContext, ResilientClient, type ResilienceEvents, isAllModelsFailedError, isNoCapacityError } from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

/** OpenAI-style headers: `remaining` requests left of `limit` per minute. */
const openaiHeaders = (limit: number, remaining: number) => ({
  'x-ratelimit-limit-requests': String(limit),
  'x-ratelimit-remaining-requests': String(remaining),
  'x-ratelimit-reset-requests': '1m0s',
});

function setup(scripts: Parameters<typeof createFakeProvider>[1] = {}, options: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, scripts);
  const client = new ResilientClient({ models: ['primary', 'secondary'], clock, random: () => 0.5, ...options });
  const fallbacks: ResilienceEvents['fallback'][] = [];
  client.on('fallback', (e) => fallbacks.push(e));
  /** Calls the fake provider and reports `headers[model]` as the response's headers. */
  const withHeaders = (headers: Record<string, Record<string, string>>) => async (ctx: AttemptContext) => {
    const res = await provider.call(ctx);
    if (headers[ctx.model]) ctx.reportHeaders(headers[ctx.model]);
    return res;
  };
  return { clock, provider, client, fallbacks, withHeaders };
}

describe('admission that models the provider, on by default', () => {
  it('spills to the next model at once when the primary has no capacity now', async () => {
    const { provider, client, fallbacks, withHeaders } = setup();
    const fn = withHeaders({ primary: openaiHeaders(60, 0) });
    await client.run(fn); // the response says: nothing left for a second
    const res = await client.run(fn);
    expect(res.model).toBe('secondary');
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(fallbacks).toEqual([expect.objectContaining({ from: 'primary', to: 'secondary', reason: 'rate_limit' })]);
  });

  it('waits only for one request’s refill when no model can serve, then sends', async () => {
    const { clock, provider, client } = setup({}, { models: ['primary'] });
    const fn = async (ctx: AttemptContext) => {
      const res = await provider.call(ctx);
      ctx.reportHeaders(openaiHeaders(600, 0));
      return res;
    };
    await client.run(fn);
    const second = client.run(fn);
    await clock.advance(100); // 60 000 / 600, not the minute the reset header announces
    await second;
    expect(provider.callsTo('primary').map((c) => c.at - provider.calls[0]!.at)).toEqual([0, 100]);
  });

  it('fails at once with NoCapacityError when the wait would pass maxWaitMs or the deadline', async () => {
    const { provider, client } = setup({}, { models: ['primary'], limits: { maxWaitMs: 5_000 } });
    const fn = async (ctx: AttemptContext) => {
      const res = await provider.call(ctx);
      ctx.reportHeaders(openaiHeaders(6, 0)); // 10 s per request
      return res;
    };
    await client.run(fn);
    const err = await client.run(fn).catch((e: unknown) => e);
    expect(isAllModelsFailedError(err)).toBe(true);
    const cause = (err as { failures: { error: unknown }[] }).failures[0]!.error;
    expect(isNoCapacityError(cause)).toBe(true);
    expect(cause).toMatchObject({ reason: 'wait_limit', waitMs: 10_000 });
    expect((err as { retryAfterMs: number }).retryAfterMs).toBe(10_000);
    const late = await client.run(fn, { deadlineMs: 1_000 }).catch((e: unknown) => e);
    expect((late as { failures: { error: unknown }[] }).failures[0]!.error).toMatchObject({ reason: 'deadline' });
    expect(provider.calls).toHaveLength(1);
  });

  it('weighs a call by its token estimate without a budget', async () => {
    const { clock, provider, client } = setup({}, { models: ['primary'] });
    const fn = async (ctx: AttemptContext) => {
      const res = await provider.call(ctx);
      ctx.reportHeaders({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '1000', 'x-ratelimit-reset-tokens': '59s' });
      return res;
    };
    await client.run(fn);
    // 2,000 output + a few input tokens against 1,000 left at 1 token per ms: about a second's wait.
    const p = client.run(fn, { request: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 2_000 } });
    await clock.advance(1_000);
    expect(provider.calls).toHaveLength(1);
    await clock.advance(10);
    await p;
    expect(provider.calls).toHaveLength(2);
    expect(client.snapshot().limits.primary).toMatchObject({ tokens: { capacity: 60_000, perMinute: 60_000 }, waiting: 0 });
  });
});

describe('429 triage', () => {
  it('a rate-limit 429 with a later model free spills there instead of sleeping Retry-After', async () => {
    const { provider, client, fallbacks } = setup({ primary: [step.rateLimit({ retryAfter: 20 })] });
    const res = await client.run(provider.call);
    expect(res.model).toBe('secondary');
    expect(provider.calls.map((c) => c.at)).toEqual([provider.calls[0]!.at, provider.calls[0]!.at]);
    expect(fallbacks[0]).toMatchObject({ reason: 'rate_limit' });
    // The model is held for its Retry-After: the next call goes straight to the secondary.
    await client.run(provider.call);
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(client.snapshot().limits.primary!.heldForMs).toBe(20_000);
  });

  it('rate-limit 429s do not open the breaker', async () => {
    const { clock, provider, client } = setup({ primary: [step.rateLimit({ retryAfterMs: 10 })] }, { models: ['primary'], retry: { maxRetries: 0 } });
    for (let i = 0; i < 10; i++) {
      await client.run(provider.call).catch(() => {});
      await clock.advance(10);
    }
    expect(provider.callsTo('primary')).toHaveLength(10);
    expect(client.breakerState('primary')).toBe('closed');
  });

  it('quota 429s still count and open it', async () => {
    const { clock, provider, client } = setup({ primary: [step.quota()] }, { models: ['primary'], retry: { maxRetries: 0 } });
    for (let i = 0; i < 10; i++) {
      await client.run(provider.call).catch(() => {});
      await clock.advance(10);
    }
    expect(client.breakerState('primary')).toBe('open');
    expect(provider.callsTo('primary').length).toBeLessThan(10);
  });
});
