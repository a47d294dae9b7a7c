import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { learnedOpenMs } from '../../src/breaker/slow.js';
import { FakeAPIError, createFakeClock, createFakeProvider, step, type FakeStep } from '../../src/testing/index.js';

function setup(scripts: Parameters<typeof createFakeProvider>[1], options: Partial<ConstructorParameters<typeof ResilientClient>[0]> = {}) {
  const clock = createFakeClock();
  const provider = createFakeProvider(clock, scripts);
  const client = new ResilientClient({ models: ['primary', 'secondary'], clock, random: () => 0.5, ...options });
  const opens: { retryAfterMs?: number; reason?: string; trips?: number }[] = [];
  client.on('breaker:open', (e) => opens.push({ retryAfterMs: e.retryAfterMs, reason: e.reason, trips: e.trips }));
  return { clock, provider, client, opens };
}

const quotaWithRetryAfter = (seconds: number): FakeStep => ({
  kind: 'error',
  make: () => new FakeAPIError(429, '429 You exceeded your current quota', { type: 'insufficient_quota', code: 'insufficient_quota', headers: { 'retry-after': String(seconds) } }),
});

describe('learnedOpenMs', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [4, 120_000],
    [60, 120_000],
  ])('trip %i → %i ms (30 s doubling, capped at 120 s)', (trips, ms) => {
    expect(learnedOpenMs(trips, 30_000, 120_000)).toBe(ms);
  });

  it('never goes below resetMs, even with a smaller cap', () => {
    expect(learnedOpenMs(3, 30_000, 10_000)).toBe(30_000);
  });
});

describe('open periods that learn', () => {
  it('doubles the open period on each failed probe, up to the cap', async () => {
    const { clock, provider, client, opens } = setup(
      { primary: [step.serverError(500)] },
      { models: ['primary'], retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 1_000, maxResetTimeoutMs: 4_000 } },
    );
    await client.run(provider.call).catch(() => {});
    for (const wait of [1_000, 2_000, 4_000, 4_000]) {
      await clock.advance(wait - 1);
      await client.run(provider.call).catch(() => {}); // refused: still open
      await clock.advance(1);
      await client.run(provider.call).catch(() => {}); // the probe, which fails
    }
    expect(opens.map((o) => [o.retryAfterMs, o.trips])).toEqual([
      [1_000, 1],
      [2_000, 2],
      [4_000, 3],
      [4_000, 4],
      [4_000, 5],
    ]);
    expect(provider.calls).toHaveLength(5);
  });

  it('starts over after a successful probe, and keeps doubling while probes fail', async () => {
    // Threshold 0 %: one failure after the good probe opens again.
    const { clock, provider, client, opens } = setup({}, { models: ['primary'], retry: false, breaker: { volumeThreshold: 1, errorThresholdPercentage: 0, resetTimeoutMs: 1_000, maxResetTimeoutMs: 4_000 } });
    const fail = () => {
      provider.script('primary', [step.serverError(500)]);
      return client.run(provider.call).catch(() => {});
    };
    const probeOk = async () => {
      provider.script('primary', [step.success()]);
      await client.run(provider.call);
    };
    await fail(); // trip 1: 1 s
    await clock.advance(1_000);
    await fail(); // the probe fails: trip 2, 2 s
    await clock.advance(2_000);
    await fail(); // trip 3: 4 s (the cap)
    await clock.advance(4_000);
    await probeOk(); // back: the doubling ends
    await clock.advance(100); // closed only briefly
    await fail(); // trip 1 again
    expect(opens.map((o) => o.retryAfterMs)).toEqual([1_000, 2_000, 4_000, 1_000]);
    expect(client.snapshot().breakers.primary).toMatchObject({ state: 'open', trips: 1, openPeriodMs: 1_000, retryAfterMs: 1_000 });
  });

  it("opens for a server error's retry-after when it is shorter than the learned period, never below 1 s", async () => {
    const overloaded = (retryAfter: Record<string, string>): FakeStep => ({
      kind: 'error',
      make: () => new FakeAPIError(503, '503 Service Unavailable', { type: 'server_error', headers: retryAfter }),
    });
    const { provider, client, opens } = setup({}, { models: ['primary'], retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 10_000 } });
    provider.script('primary', [overloaded({ 'retry-after': '3' })]);
    await client.run(provider.call).catch(() => {});
    expect(opens).toMatchObject([{ retryAfterMs: 3_000, reason: 'failures' }]);
    const other = setup({}, { models: ['primary'], retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 10_000 } });
    other.provider.script('primary', [overloaded({ 'retry-after-ms': '200' })]);
    await other.client.run(other.provider.call).catch(() => {});
    expect(other.opens).toMatchObject([{ retryAfterMs: 1_000 }]);
  });

  it('maxResetTimeoutMs equal to resetTimeoutMs keeps a fixed open period', async () => {
    const { clock, provider, client, opens } = setup(
      { primary: [step.serverError(500)] },
      { models: ['primary'], retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 1_000, maxResetTimeoutMs: 1_000 } },
    );
    await client.run(provider.call).catch(() => {});
    for (let i = 0; i < 3; i++) {
      await clock.advance(1_000);
      await client.run(provider.call).catch(() => {});
    }
    expect(opens.map((o) => o.retryAfterMs)).toEqual([1_000, 1_000, 1_000, 1_000]);
  });
});

describe('an exhausted quota', () => {
  it('opens the breaker at its first failure and keeps it open for quotaResetTimeoutMs, not 30 s', async () => {
    const { clock, provider, client, opens } = setup({ primary: [step.quota()] });
    expect((await client.run(provider.call)).model).toBe('secondary');
    expect(client.breakerState('primary')).toBe('open');
    expect(opens).toEqual([{ retryAfterMs: 600_000, reason: 'quota', trips: 1 }]);
    await clock.advance(30_000);
    expect((await client.run(provider.call)).model).toBe('secondary');
    expect(provider.callsTo('primary')).toHaveLength(1);
    await clock.advance(570_000);
    expect(client.breakerState('primary')).toBe('half-open');
  });

  it('stays open until the retry-after the quota error carries, within the cap', async () => {
    const short = setup({ primary: [quotaWithRetryAfter(90)] });
    await short.client.run(short.provider.call);
    expect(short.opens[0]).toMatchObject({ retryAfterMs: 90_000, reason: 'quota' });
    await short.clock.advance(89_999);
    expect(short.client.breakerState('primary')).toBe('open');
    await short.clock.advance(1);
    expect(short.client.breakerState('primary')).toBe('half-open');

    const long = setup({ primary: [quotaWithRetryAfter(86_400)] }, { breaker: { quotaResetTimeoutMs: 3_600_000 } });
    await long.client.run(long.provider.call);
    expect(long.opens[0]).toMatchObject({ retryAfterMs: 3_600_000, reason: 'quota' });
  });

  it('a probe that meets the quota again re-opens for the quota period', async () => {
    const { clock, provider, client, opens } = setup({ primary: [step.quota()] }, { breaker: { quotaResetTimeoutMs: 60_000 } });
    await client.run(provider.call);
    await clock.advance(60_000);
    await client.run(provider.call);
    expect(opens.map((o) => [o.retryAfterMs, o.reason])).toEqual([
      [60_000, 'quota'],
      [60_000, 'quota'],
    ]);
    expect(provider.callsTo('primary')).toHaveLength(2);
  });
});
