import { describe, expect, it } from 'vitest';
import { HedgeBudget, hedgeDelay } from '../../src/fallback/hedge.js';
import { HEDGE_DEFAULTS } from '../../src/fallback/hedge-options.js';
import { ResilientClient, isAllModelsFailedError, isConfigError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';
import { overloaded, settle, setup } from './hedge-setup.js';

describe('hedged requests', () => {
  it('starts the next model after the delay; the first answer wins and the loser is aborted at once', async () => {
    const { clock, client, calls, events, fn, names } = setup({ primary: 5_000, backup: 100 }, { hedge: { delayMs: 1_000 } });
    const t0 = clock.now();
    const p = client.run(fn);
    await clock.advance(999);
    expect(calls.map((c) => c.model)).toEqual(['primary']);
    await clock.advance(1);
    expect(calls.map((c) => c.model)).toEqual(['primary', 'backup']);
    await expect(settle(clock, p, 100)).resolves.toMatchObject({ model: 'backup' });
    expect(clock.now() - t0).toBe(1_100);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]!.signal.aborted).toBe(false);
    expect(names()).toEqual(['hedge:started', 'hedge:won', 'hedge:cancelled']);
    expect(events.find((e) => e.name === 'hedge:started')!.payload).toMatchObject({ model: 'primary', hedge: 'backup', delayMs: 1_000 });
    expect(events.find((e) => e.name === 'hedge:won')!.payload).toMatchObject({ model: 'backup', loser: 'primary' });
    // The loser's abort is not the model's fault.
    expect(client.breakerState('primary')).toBe('closed');
    expect(events.some((e) => e.name === 'fallback')).toBe(false);
    client.dispose();
  });

  it('the first model can still win after the hedge started; then the hedge is aborted', async () => {
    const { clock, client, calls, fn, events } = setup({ primary: 1_500, backup: 3_000 }, { hedge: { delayMs: 1_000 } });
    const p = client.run(fn);
    await expect(settle(clock, p, 1_500)).resolves.toMatchObject({ model: 'primary' });
    expect(calls[1]!.signal.aborted).toBe(true);
    expect(events.find((e) => e.name === 'hedge:won')!.payload).toMatchObject({ model: 'primary', loser: 'backup' });
    expect(clock.pending()).toBe(0);
  });

  it('no hedge when the first model answers in time: one request, no timer left behind', async () => {
    const { clock, client, calls, fn, names } = setup({ primary: 300, backup: 100 }, { hedge: { delayMs: 1_000 }, monitor: false });
    await expect(settle(clock, client.run(fn), 300)).resolves.toMatchObject({ model: 'primary' });
    expect(calls.map((c) => c.model)).toEqual(['primary']);
    expect(names()).toEqual([]);
    expect(clock.pending()).toBe(0);
  });

  it('a failure before the delay falls back as usual, without a hedge', async () => {
    const { clock, client, calls, fn, names, events } = setup({ primary: overloaded(), backup: 100 }, { hedge: { delayMs: 1_000 }, retry: false });
    await expect(settle(clock, client.run(fn), 100)).resolves.toMatchObject({ model: 'backup' });
    expect(calls.map((c) => c.model)).toEqual(['primary', 'backup']);
    expect(names()).toEqual([]);
    expect(events.find((e) => e.name === 'fallback')!.payload).toMatchObject({ from: 'primary', to: 'backup', reason: 'overloaded' });
  });

  it('when both branches fail, run rejects with every model in the failures', async () => {
    const { clock, client, fn } = setup({ primary: 2_000, backup: overloaded() }, { hedge: { delayMs: 1_000 }, retry: false });
    const slowFail = fn;
    const failing = (ctx: { model: string; signal: AbortSignal }) =>
      ctx.model === 'primary' ? new Promise((_, reject) => clock.setTimeout(() => reject(overloaded()), 2_000)) : slowFail(ctx);
    const p = client.run(failing).catch((e: unknown) => e);
    await clock.advance(2_000);
    const err = await p;
    expect(isAllModelsFailedError(err)).toBe(true);
    expect((err as { failures: { model: string }[] }).failures.map((f) => f.model)).toEqual(['primary', 'backup']);
  });

  it('is off by default, and per call: hedge: false skips it, { delayMs } turns it on', async () => {
    const off = setup({ primary: 5_000, backup: 100 });
    await expect(settle(off.clock, off.client.run(off.fn), 5_000)).resolves.toMatchObject({ model: 'primary' });
    expect(off.names()).toEqual([]);
    const perCall = setup({ primary: 5_000, backup: 100 });
    await expect(settle(perCall.clock, perCall.client.run(perCall.fn, { hedge: { delayMs: 500 } }), 600)).resolves.toMatchObject({ model: 'backup' });
    const skipped = setup({ primary: 5_000, backup: 100 }, { hedge: { delayMs: 500 } });
    await expect(settle(skipped.clock, skipped.client.run(skipped.fn, { hedge: false }), 5_000)).resolves.toMatchObject({ model: 'primary' });
    expect(skipped.names()).toEqual([]);
  });

  it('the hedging budget bounds hedges to a share of calls', async () => {
    const { clock, client, fn, names } = setup({ primary: 2_000, backup: 100 }, { hedge: { delayMs: 1_000, maxShare: 0.1 } });
    for (let i = 0; i < 30; i++) await settle(clock, client.run(fn), 2_000);
    // One banked at start, then 0.1 per call: about 1 + 30 × 0.1.
    expect(names().filter((n) => n === 'hedge:started')).toHaveLength(4);
  });

  it('never hedges into a model whose breaker is open', async () => {
    const { clock, client, fn, names } = setup({ primary: 2_000, backup: overloaded() }, { hedge: { delayMs: 1_000, maxShare: 1 }, retry: false, breaker: { volumeThreshold: 1, errorThresholdPercentage: 1 } });
    await settle(clock, client.run(fn), 2_000);
    expect(client.breakerState('backup')).toBe('open');
    const before = names().length;
    await settle(clock, client.run(fn), 2_000);
    expect(names().slice(before)).toEqual([]);
  });

  it("the loser's budget reservation is released; only the winner's usage is settled", async () => {
    const { clock, client, fn } = setup({ primary: 5_000, backup: 100 }, { hedge: { delayMs: 1_000 }, budget: { day: { maxTokens: 1_000_000 } } });
    await settle(clock, client.run(fn, { request: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 } }), 1_100);
    await clock.advance(0);
    expect(client.budget!.openReservations).toBe(0);
    const day = (await client.budgetSnapshot())!.scopes.find((s) => s.scope === 'day')!;
    expect(day).toMatchObject({ usedTokens: 15, reservedTokens: 0 });
  });

  it("'auto' takes the first model's recent p95 within bounds, and the maximum until enough calls were seen", async () => {
    const { clock, client, fn, events } = setup({ primary: 200, backup: 100 }, { hedge: { delayMs: 'auto', minDelayMs: 50, maxDelayMs: 8_000 } });
    // Below `health.minCalls` (10) samples the delay is the maximum: no hedge for these.
    for (let i = 0; i < 10; i++) await settle(clock, client.run(fn), 200);
    expect(events.some((e) => e.name === 'hedge:started')).toBe(false);
    expect(hedgeDelay({ ...HEDGE_DEFAULTS, delayMs: 'auto' }, undefined)).toBe(HEDGE_DEFAULTS.maxDelayMs);
    expect(hedgeDelay({ ...HEDGE_DEFAULTS, delayMs: 'auto' }, 40)).toBe(HEDGE_DEFAULTS.minDelayMs);
    expect(hedgeDelay({ ...HEDGE_DEFAULTS, delayMs: 'auto' }, 1_234.4)).toBe(1_234);
    // After 10 calls of 200 ms (and the p95's refresh interval), a slow call is hedged at about 200 ms.
    await clock.advance(1_000);
    const p = client.run((ctx) => (ctx.model === 'primary' ? new Promise((r) => clock.setTimeout(() => r({ model: 'primary' }), 9_000)) : fn(ctx)));
    await clock.advance(400);
    await expect(p).resolves.toMatchObject({ model: 'backup' });
    const started = events.find((e) => e.name === 'hedge:started')!.payload;
    expect(started.delayMs).toBeGreaterThanOrEqual(196);
    expect(started.delayMs).toBeLessThanOrEqual(204);
  });

  it('HedgeBudget banks at most 10 hedges', () => {
    const b = new HedgeBudget(1);
    for (let i = 0; i < 50; i++) b.earn();
    expect(b.tokens).toBe(HedgeBudget.CAP);
  });

  it('validates hedge options, client-level and per call', async () => {
    const clock = createFakeClock();
    expect(() => new ResilientClient({ models: ['a', 'b'], clock, hedge: { maxShare: 2 } })).toThrow(/hedge\.maxShare/);
    const client = new ResilientClient({ models: ['a', 'b'], clock });
    const err = await client.run(() => 1, { hedge: { delayMs: -5 } } as never).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toMatch(/run\.hedge/);
  });
});
