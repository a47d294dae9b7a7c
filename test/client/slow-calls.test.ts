import { describe, expect, it } from 'vitest';
import { ResilientClient, isAllModelsFailedError, isTimeoutError } from '../../src/index.js';
import { type FakeClock, type FakeProvider, createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

function setup(scripts: Parameters<typeof createFakeProvider>[1], options: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, scripts);
  const client = new ResilientClient({ models: ['primary', 'secondary'], clock, random: () => 0.5, ...options });
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  for (const name of ['failure', 'fallback', 'breaker:open', 'breaker:half-open', 'breaker:close'] as const) {
    client.on(name, (payload) => events.push({ name, payload: payload as unknown as Record<string, unknown> }));
  }
  return { clock, provider, client, events };
}

/**
 * `n` successful calls of `latencyMs` each, run side by side on the fake clock,
 * then a second more: the monitor's baseline is re-read at most once a second.
 */
async function prime(clock: FakeClock, client: ResilientClient, provider: FakeProvider, model: string, n: number, latencyMs: number) {
  provider.script(model, [step.success({ latencyMs })]);
  const calls = Array.from({ length: n }, () => client.run(provider.call, { models: [model] }));
  await clock.advance(latencyMs);
  await Promise.all(calls);
  await clock.advance(1_000);
}

/** Runs a hanging call and returns when (after its start) its attempt failed, and how. */
async function hangAndTime(clock: FakeClock, client: ResilientClient, provider: FakeProvider, events: { name: string; payload: Record<string, unknown> }[]) {
  provider.script('primary', [step.hang()]);
  const start = clock.now();
  const p = client.run(provider.call, { models: ['primary'] }).catch((e: unknown) => e);
  await clock.advance(700_000);
  const err = await p;
  const failure = events.filter((e) => e.name === 'failure').at(-1)!.payload;
  return { err, afterMs: (failure.timestamp as number) - start, kind: failure.kind };
}

describe('derived attempt deadline', () => {
  it('is 3 × the model p99 once 100 successes were seen, and a hit is a timeout that falls back', async () => {
    const { clock, provider, client, events } = setup({}, { retry: false, adaptiveTimeout: { minTimeoutMs: 1_000 } });
    await prime(clock, client, provider, 'primary', 100, 2_000);
    const { err, afterMs, kind } = await hangAndTime(clock, client, provider, events);
    expect(afterMs).toBe(6_000);
    expect(client.snapshot().attemptDeadlines).toEqual({ primary: 6_000 });
    expect(kind).toBe('timeout');
    expect(isAllModelsFailedError(err) && isTimeoutError(err.failures[0]!.error)).toBe(true);
  });

  it('is not derived before minSamples successes (no deadline at all)', async () => {
    const { clock, provider, client, events } = setup({}, { retry: false, adaptiveTimeout: { minTimeoutMs: 1_000 } });
    await prime(clock, client, provider, 'primary', 99, 2_000);
    provider.script('primary', [step.hang()]);
    const p = client.run(provider.call, { models: ['primary'] }).catch((e: unknown) => e);
    await clock.advance(3_600_000);
    expect(events.filter((e) => e.name === 'failure')).toHaveLength(0);
    client.dispose();
    await p;
  });

  it('has a floor and a cap', async () => {
    const floor = setup({}, { retry: false }); // default floor 10 s
    await prime(floor.clock, floor.client, floor.provider, 'primary', 100, 100);
    expect((await hangAndTime(floor.clock, floor.client, floor.provider, floor.events)).afterMs).toBe(10_000);

    const cap = setup({}, { retry: false, adaptiveTimeout: { maxTimeoutMs: 12_000 } });
    await prime(cap.clock, cap.client, cap.provider, 'primary', 100, 9_000);
    expect((await hangAndTime(cap.clock, cap.client, cap.provider, cap.events)).afterMs).toBe(12_000);
  });

  it('gives way to an explicit timeoutMs, and is off with adaptiveTimeout: false', async () => {
    const explicit = setup({}, { retry: false, timeoutMs: 25_000 });
    await prime(explicit.clock, explicit.client, explicit.provider, 'primary', 100, 100);
    expect((await hangAndTime(explicit.clock, explicit.client, explicit.provider, explicit.events)).afterMs).toBe(25_000);

    const off = setup({}, { retry: false, adaptiveTimeout: false });
    await prime(off.clock, off.client, off.provider, 'primary', 100, 100);
    off.provider.script('primary', [step.hang()]);
    const p = off.client.run(off.provider.call, { models: ['primary'] }).catch(() => {});
    await off.clock.advance(3_600_000);
    expect(off.events.filter((e) => e.name === 'failure')).toHaveLength(0);
    off.client.dispose();
    await p;
  });
});

describe('slow calls', () => {
  it('a slow-call rate at the threshold opens the breaker (reason slow_calls), then calls go to the next model', async () => {
    const { clock, provider, client, events } = setup({}, { retry: false, breaker: { volumeThreshold: 4, slowCallRateThreshold: 50, slowCallDurationMs: 1_000 } });
    provider.script('primary', [step.success({ latencyMs: 100 }), step.success({ latencyMs: 100 }), step.success({ latencyMs: 1_500 })]);
    for (let i = 0; i < 4; i++) {
      const p = client.run(provider.call);
      await clock.advance(1_500);
      expect((await p).model).toBe('primary');
    }
    // 2 slow of 4 = 50 %: open.
    expect(events.find((e) => e.name === 'breaker:open')?.payload).toMatchObject({ model: 'primary', reason: 'slow_calls', trips: 1, retryAfterMs: 10_000 });
    expect((await client.run(provider.call)).model).toBe('secondary');
  });

  it('a slow success of the half-open probe re-opens the breaker', async () => {
    const { clock, provider, client, events } = setup(
      { primary: [step.serverError(500), step.success({ latencyMs: 2_000 })] },
      { models: ['primary'], retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 1_000, slowCallDurationMs: 1_000 } },
    );
    await client.run(provider.call).catch(() => {});
    await clock.advance(1_000);
    const p = client.run(provider.call);
    await clock.advance(2_000);
    await p; // the caller still gets its answer
    expect(events.filter((e) => e.name.startsWith('breaker:')).map((e) => [e.name, e.payload.reason])).toEqual([
      ['breaker:open', 'failures'],
      ['breaker:half-open', undefined],
      ['breaker:close', undefined],
      ['breaker:open', 'slow_calls'],
    ]);
    expect(client.snapshot().breakers.primary).toMatchObject({ state: 'open', trips: 2, openPeriodMs: 2_000 });
  });

  it('by default, slow is over half the derived deadline', async () => {
    const { clock, provider, client, events } = setup({}, { retry: false, adaptiveTimeout: { minTimeoutMs: 1_000 }, breaker: { volumeThreshold: 2, slowCallRateThreshold: 100 } });
    // Enough samples that the three below do not move the p99 (deadline 3 s, slow above 1.5 s).
    await prime(clock, client, provider, 'primary', 400, 1_000);
    await clock.advance(10_000); // the breaker's window forgets the priming calls
    provider.script('primary', [step.success({ latencyMs: 1_400 }), step.success({ latencyMs: 1_600 })]);
    for (let i = 0; i < 2; i++) {
      const p = client.run(provider.call);
      await clock.advance(1_600);
      await p;
    }
    expect(events.some((e) => e.name === 'breaker:open')).toBe(false); // 1 of 2 slow
    const p = client.run(provider.call);
    await clock.advance(1_600);
    await p;
    expect(client.snapshot().breakers.primary).toMatchObject({ calls: 3, slowCalls: 2 });
  });
});

describe('the call deadline (run option deadlineMs)', () => {
  it('cuts a running attempt at the deadline without counting it against the model, and starts nothing after', async () => {
    const { clock, provider, client, events } = setup({ primary: [step.hang()] }, { breaker: { volumeThreshold: 1 } });
    const start = clock.now();
    const p = client.run(provider.call, { deadlineMs: 5_000 }).catch((e: unknown) => e);
    await clock.advance(5_000);
    const err = await p;
    expect(isAllModelsFailedError(err)).toBe(true);
    if (!isAllModelsFailedError(err)) return;
    expect(err.failures.map((f) => f.reason)).toEqual(['deadline', 'deadline']);
    expect(isTimeoutError(err.failures[0]!.error) && err.failures[0]!.error.scope).toBe('call');
    expect(clock.now() - start).toBe(5_000);
    expect(provider.callsTo('secondary')).toHaveLength(0);
    expect(client.breakerState('primary')).toBe('closed');
    expect(events.filter((e) => e.name === 'fallback').map((e) => e.payload.reason)).toEqual(['deadline']);
  });

  it('does not start an attempt on a model whose median latency exceeds the time left; the next model runs', async () => {
    const { clock, provider, client, events } = setup({}, { retry: false });
    await prime(clock, client, provider, 'primary', 100, 8_000);
    const before = provider.callsTo('primary').length;
    const res = await client.run(provider.call, { deadlineMs: 5_000 });
    expect(res.model).toBe('secondary');
    expect(provider.callsTo('primary')).toHaveLength(before);
    expect(events.filter((e) => e.name === 'fallback').at(-1)!.payload).toMatchObject({ from: 'primary', reason: 'deadline' });
  });

  it('does not sleep a backoff that ends past the deadline', async () => {
    const { clock, provider, client } = setup({ primary: [step.serverError(500)] }, { models: ['primary'], retry: { initialDelayMs: 1_000, jitter: 'none' } });
    const start = clock.now();
    const err = await client.run(provider.call, { deadlineMs: 800 }).catch((e: unknown) => e);
    expect(isAllModelsFailedError(err) && err.failures[0]!.reason).toBe('server');
    expect(provider.calls).toHaveLength(1);
    expect(clock.now() - start).toBe(0);
  });

  it('is validated like the other run options', async () => {
    const { client, provider } = setup({});
    await expect(client.run(provider.call, { deadlineMs: -1 })).rejects.toThrow('run.deadlineMs: expected a positive number of milliseconds, received -1');
  });
});

describe('a half-open probe', () => {
  it('is cut at the slow threshold (half the derived deadline): the call falls back at once and the breaker opens again', async () => {
    const { clock, provider, client, events } = setup({}, { retry: false, adaptiveTimeout: { minTimeoutMs: 1_000 }, breaker: { volumeThreshold: 1, rollingWindowMs: 1_000, resetTimeoutMs: 10_000 } });
    await prime(clock, client, provider, 'primary', 100, 2_000); // derived deadline 6 s, slow past 3 s
    // Open the breaker with one server error (the primer's successes have left its 1-s window), then let the reset pass: the next call is the probe.
    await clock.advance(2_000);
    provider.script('primary', [step.serverError(503)]);
    await client.run(provider.call, { models: ['primary', 'secondary'] });
    expect(client.breakerState('primary')).toBe('open');
    await clock.advance(10_000);
    provider.script('primary', [step.hang()]);
    provider.script('secondary', [step.success()]);
    const start = clock.now();
    const p = client.run(provider.call, { models: ['primary', 'secondary'] });
    await clock.advance(3_000);
    await p;
    const failure = events.filter((e) => e.name === 'failure' && e.payload.model === 'primary').at(-1)!.payload;
    expect([failure.kind, (failure.timestamp as number) - start]).toEqual(['timeout', 3_000]);
    expect(provider.callsTo('secondary').at(-1)!.at).toBe(start + 3_000);
    expect(client.breakerState('primary')).toBe('open');
  });

  it('on the last model of the chain is not cut at the slow threshold: with no model after it, it runs to its deadline', async () => {
    const { clock, provider, client, events } = setup({}, { retry: false, adaptiveTimeout: { minTimeoutMs: 1_000 }, breaker: { volumeThreshold: 1, rollingWindowMs: 1_000, resetTimeoutMs: 10_000 } });
    await prime(clock, client, provider, 'primary', 100, 2_000); // derived deadline 6 s, slow past 3 s
    await clock.advance(2_000);
    provider.script('secondary', [step.serverError(503)]);
    provider.script('primary', [step.serverError(503)]);
    await client.run(provider.call, { models: ['secondary', 'primary'] }).catch(() => {});
    expect(client.breakerState('primary')).toBe('open');
    await clock.advance(10_000);
    provider.script('secondary', [step.serverError(503)]);
    provider.script('primary', [step.hang()]);
    const start = clock.now();
    const p = client.run(provider.call, { models: ['secondary', 'primary'] }).catch(() => {});
    await clock.advance(6_000);
    await p;
    const failure = events.filter((e) => e.name === 'failure' && e.payload.model === 'primary').at(-1)!.payload;
    expect([failure.kind, (failure.timestamp as number) - start]).toEqual(['timeout', 6_000]);
  });
});
