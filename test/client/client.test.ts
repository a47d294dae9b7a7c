import { describe, expect, it } from 'vitest';
import {
  ResilientClient,
  isAllModelsFailedError,
  isCircuitOpenError,
  isDisposedError,
  isTimeoutError,
  type ResilienceEvents,
} from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

function setup(scripts: Parameters<typeof createFakeProvider>[1], options: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, scripts);
  const client = new ResilientClient({ models: ['primary', 'secondary'], clock, random: () => 0.5, ...options });
  const events: { name: keyof ResilienceEvents; payload: unknown }[] = [];
  for (const name of ['attempt', 'success', 'failure', 'retry', 'breaker:open', 'breaker:half-open', 'breaker:close', 'fallback', 'exhausted'] as const) {
    client.on(name, (payload) => events.push({ name, payload }));
  }
  return { clock, provider, client, events, names: () => events.map((e) => e.name) };
}

/**
 * A chain of one: with a second model that has room, a rate-limit 429 spills
 * there instead of sleeping Retry-After (see test/client/goodput.test.ts), so
 * the Retry-After timing tests run without one.
 */
const ONE_MODEL = { models: ['primary'] } as const;

describe('ResilientClient retry', () => {
  it('retries a 429 exactly retry-after seconds later, on the fake clock', async () => {
    const { clock, provider, client, events } = setup({ primary: [step.rateLimit({ retryAfter: 2 }), step.success({ text: 'hi' })] }, ONE_MODEL);
    const start = clock.now();
    const p = client.run(provider.call);
    await clock.advance(1_999);
    expect(provider.callsTo('primary')).toHaveLength(1);
    await clock.advance(1);
    const res = await p;
    expect(res.content[0]!.text).toBe('hi');
    expect(provider.callsTo('primary').map((c) => c.at - start)).toEqual([0, 2_000]);
    const retry = events.find((e) => e.name === 'retry')!.payload as ResilienceEvents['retry'];
    expect(retry).toMatchObject({ model: 'primary', attempt: 1, delayMs: 2_000, retryAfterMs: 2_000, reason: 'rate_limit' });
    expect(Object.isFrozen(retry)).toBe(true);
  });

  it('prefers retry-after-ms over retry-after', async () => {
    const { clock, provider, client } = setup({ primary: [step.rateLimit({ retryAfter: 9, retryAfterMs: 250 }), step.success()] }, ONE_MODEL);
    const p = client.run(provider.call);
    await clock.advance(250);
    await p;
    expect(provider.callsTo('primary').map((c) => c.at - provider.calls[0]!.at)).toEqual([0, 250]);
  });

  it('backs off exponentially with injected jitter when no retry-after is given', async () => {
    const { clock, provider, client } = setup(
      { primary: [step.serverError(500), step.overloaded(), step.networkError(), step.success()] },
      // preferFallback off: with it on, the first 500 would go to the healthy secondary instead of backing off.
      { retry: { initialDelayMs: 100, multiplier: 2, jitter: 'none', maxRetries: 3, preferFallback: false } },
    );
    const p = client.run(provider.call);
    await clock.advance(10_000);
    await p;
    const t0 = provider.calls[0]!.at;
    expect(provider.callsTo('primary').map((c) => c.at - t0)).toEqual([0, 100, 300, 700]);
  });

  it('never retries a 400 and does not fall back: the provider error is thrown as it is', async () => {
    const { provider, client } = setup({ primary: [step.badRequest()] });
    const err = await client.run(provider.call).catch((e: unknown) => e);
    expect((err as { status: number }).status).toBe(400);
    expect(provider.calls).toHaveLength(1);
  });

  it('does not retry insufficient_quota but falls back to the next model', async () => {
    const { provider, client, events } = setup({ primary: [step.quota()] });
    const res = await client.run(provider.call);
    expect(res.model).toBe('secondary');
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(events.find((e) => e.name === 'fallback')!.payload).toMatchObject({ from: 'primary', to: 'secondary', reason: 'quota' });
  });

  it('gives a model up at once when retry-after exceeds the cap, and falls back', async () => {
    const { provider, client, events } = setup({ primary: [step.rateLimit({ retryAfter: 120 })] });
    const res = await client.run(provider.call);
    expect(res.model).toBe('secondary');
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(events.find((e) => e.name === 'fallback')!.payload).toMatchObject({ reason: 'retry_after_too_long' });
  });

  it('falls back after retries are exhausted, and reports every cause when all fail', async () => {
    const { clock, provider, client, names } = setup(
      { primary: [step.serverError(503)], secondary: [step.overloaded()] },
      { retry: { maxRetries: 1, initialDelayMs: 10, jitter: 'none', preferFallback: false }, breaker: false },
    );
    const p = client.run(provider.call).catch((e: unknown) => e);
    await clock.advance(100);
    const err = await p;
    expect(isAllModelsFailedError(err)).toBe(true);
    if (!isAllModelsFailedError(err)) return;
    expect(err.failures.map((f) => [f.model, f.reason])).toEqual([
      ['primary', 'server'],
      ['secondary', 'overloaded'],
    ]);
    expect((err.failures[0]!.error as { status: number }).status).toBe(503);
    expect((err.failures[1]!.error as { status: number }).status).toBe(529);
    expect(provider.calls).toHaveLength(4);
    expect(names().filter((n) => n === 'fallback')).toHaveLength(1);
    expect(names().at(-1)).toBe('exhausted');
  });

  it('uses a per-call models override', async () => {
    const { provider, client } = setup({});
    const res = await client.run(provider.call, { models: ['other'] });
    expect(res.model).toBe('other');
  });
});

describe('ResilientClient breaker', () => {
  it('opens, fails fast without calling the provider, half-opens after 30 s and closes on a good probe', async () => {
    const { clock, provider, client, names } = setup(
      { primary: [step.serverError(500), step.serverError(500), step.serverError(500), step.success()] },
      { models: ['primary'], retry: false, breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 30_000 } },
    );
    for (let i = 0; i < 3; i++) await client.run(provider.call).catch(() => {});
    expect(client.breakerState('primary')).toBe('open');
    const fast = await client.run(provider.call).catch((e: unknown) => e);
    expect(isAllModelsFailedError(fast) && isCircuitOpenError(fast.failures[0]!.error)).toBe(true);
    expect(provider.calls).toHaveLength(3);
    expect(isAllModelsFailedError(fast) && fast.retryAfterMs).toBe(30_000);

    await clock.advance(29_999);
    expect(client.breakerState('primary')).toBe('open');
    await clock.advance(1);
    expect(client.breakerState('primary')).toBe('half-open');
    const ok = await client.run(provider.call);
    expect(ok.model).toBe('primary');
    expect(client.breakerState('primary')).toBe('closed');
    expect(names().filter((n) => n.startsWith('breaker:'))).toEqual(['breaker:open', 'breaker:half-open', 'breaker:close']);
  });

  it('lets exactly one half-open probe through and re-opens when it fails', async () => {
    const { clock, provider, client, names } = setup(
      { primary: [step.serverError(500), step.serverError(500, { latencyMs: 1_000 })] },
      { models: ['primary'], retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 5_000 } },
    );
    await client.run(provider.call).catch(() => {});
    expect(client.breakerState('primary')).toBe('open');
    await clock.advance(5_000);
    const probe = client.run(provider.call).catch((e: unknown) => e);
    const others = await Promise.all([1, 2, 3].map(() => client.run(provider.call).catch((e: unknown) => e)));
    for (const o of others) expect(isAllModelsFailedError(o) && isCircuitOpenError(o.failures[0]!.error)).toBe(true);
    await clock.advance(1_000);
    await probe;
    expect(provider.calls).toHaveLength(2);
    expect(client.breakerState('primary')).toBe('open');
    expect(names().filter((n) => n.startsWith('breaker:'))).toEqual(['breaker:open', 'breaker:half-open', 'breaker:open']);
    // The reset timer restarted at the failed probe.
    await clock.advance(4_999);
    expect(client.breakerState('primary')).toBe('open');
  });

  it('falls back when the primary breaker is open', async () => {
    const { provider, client, events } = setup(
      { primary: [step.serverError(500)] },
      { retry: false, breaker: { volumeThreshold: 1 } },
    );
    await client.run(provider.call);
    const res = await client.run(provider.call);
    expect(res.model).toBe('secondary');
    expect(provider.callsTo('primary')).toHaveLength(1);
    expect(events.filter((e) => e.name === 'fallback').map((e) => (e.payload as { reason: string }).reason)).toEqual(['server', 'circuit_open']);
  });

  it('does not count 400s or aborts against the breaker', async () => {
    const { provider, client } = setup({ primary: [step.badRequest()] }, { models: ['primary'], retry: false, breaker: { volumeThreshold: 1 } });
    for (let i = 0; i < 5; i++) await client.run(provider.call).catch(() => {});
    expect(client.breakerState('primary')).toBe('closed');
  });
});

describe('ResilientClient timeouts, aborts and dispose', () => {
  it('times out a hung attempt on the clock, aborts its signal, and retries', async () => {
    const { clock, provider, client } = setup({ primary: [step.hang(), step.success()] }, { timeoutMs: 1_000, retry: { initialDelayMs: 0 }, models: ['primary'] });
    const p = client.run(provider.call);
    await clock.advance(1_000);
    const res = await p;
    expect(res.model).toBe('primary');
    expect(provider.callsTo('primary')).toHaveLength(2);
  });

  it('rejects with a TimeoutError inside AllModelsFailedError when every attempt hangs', async () => {
    const { clock, provider, client } = setup({ primary: [step.hang()] }, { models: ['primary'], timeoutMs: 500, retry: { maxRetries: 0 } });
    const p = client.run(provider.call).catch((e: unknown) => e);
    await clock.advance(500);
    const err = await p;
    expect(isAllModelsFailedError(err) && isTimeoutError(err.failures[0]!.error)).toBe(true);
  });

  it('never retries the caller abort and settles even if the function ignores its signal', async () => {
    const { clock, client } = setup({});
    const ac = new AbortController();
    let calls = 0;
    const p = client.run(() => {
      calls++;
      return new Promise<never>(() => {});
    }, { signal: ac.signal }).catch((e: unknown) => e);
    await clock.flush();
    ac.abort();
    const err = await p;
    expect((err as Error).name).toBe('AbortError');
    expect(calls).toBe(1);
  });

  it('aborting during a backoff sleep rejects at once with the abort reason', async () => {
    const { clock, provider, client } = setup({ primary: [step.rateLimit({ retryAfter: 30 })] }, ONE_MODEL);
    const ac = new AbortController();
    const p = client.run(provider.call, { signal: ac.signal }).catch((e: unknown) => e);
    await clock.advance(1_000);
    ac.abort(new Error('user stop'));
    expect(((await p) as Error).message).toBe('user stop');
    expect(clock.pending()).toBe(0);
  });

  it('dispose rejects pending calls, clears timers and refuses new calls', async () => {
    const { clock, provider, client } = setup({ primary: [step.rateLimit({ retryAfter: 30 })] }, ONE_MODEL);
    const p = client.run(provider.call).catch((e: unknown) => e);
    await clock.advance(10);
    expect(clock.pending()).toBe(1);
    client.dispose();
    expect(isDisposedError(await p)).toBe(true);
    expect(clock.pending()).toBe(0);
    expect(client.listenerCount()).toBe(0);
    await expect(client.run(provider.call)).rejects.toSatisfy(isDisposedError);
  });

  it('a listener that throws fails neither the call nor the other listeners, and is reported', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock);
    const reported: string[] = [];
    const client = new ResilientClient({ models: ['primary'], clock, onListenerError: (e, event) => reported.push(`${event}: ${(e as Error).message}`) });
    let second = 0;
    client.on('success', () => {
      throw new Error('listener bug');
    });
    client.on('success', () => second++);
    await expect(client.run(provider.call)).resolves.toMatchObject({ model: 'primary' });
    expect(second).toBe(1);
    expect(reported).toEqual(['success: listener bug']);
  });

  it('validates per-call options with the same message format', async () => {
    const { provider, client } = setup({});
    await expect(client.run(provider.call, { models: [] })).rejects.toThrow('run.models: expected a non-empty array of model names');
    await expect(client.run(provider.call, { timeoutMs: -1 })).rejects.toThrow('run.timeoutMs: expected a positive number of milliseconds, received -1');
    await expect(client.run(provider.call, { stream: { stallTimeoutMs: 0 } })).rejects.toThrow('run.stream.stallTimeoutMs: expected a positive number of milliseconds, received 0');
  });
});
