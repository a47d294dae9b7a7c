import { describe, expect, it } from 'vitest';
import { overloaded, settle, setup } from './hedge-setup.js';

const rateLimited = (retryAfterS: number) => Object.assign(new Error('Rate limited'), { status: 429, headers: new Headers({ 'retry-after': String(retryAfterS) }) });

describe('hedging in a chain of three', () => {
  it('names the model that answered and the one aborted, won before cancelled', async () => {
    const { clock, client, fn, events, names } = setup({ primary: 5_000, backup: overloaded(), third: 100 }, { models: ['primary', 'backup', 'third'], hedge: { delayMs: 1_000 }, retry: false });
    await expect(settle(clock, client.run(fn), 1_100)).resolves.toMatchObject({ model: 'third' });
    expect(names()).toEqual(['hedge:started', 'hedge:won', 'hedge:cancelled']);
    expect(events.find((e) => e.name === 'hedge:won')!.payload).toMatchObject({ model: 'third', loser: 'primary' });
    expect(events.find((e) => e.name === 'hedge:cancelled')!.payload).toMatchObject({ model: 'primary' });
  });

  it('when the first model wins, the hedge branch is cancelled on the model it had reached', async () => {
    const { clock, client, fn, events } = setup({ primary: 1_500, backup: overloaded(), third: 3_000 }, { models: ['primary', 'backup', 'third'], hedge: { delayMs: 1_000 }, retry: false });
    await expect(settle(clock, client.run(fn), 1_500)).resolves.toMatchObject({ model: 'primary' });
    expect(events.find((e) => e.name === 'hedge:won')!.payload).toMatchObject({ model: 'primary', loser: 'third' });
    expect(events.find((e) => e.name === 'hedge:cancelled')!.payload).toMatchObject({ model: 'third' });
  });

  it("a loser's abort is a failure of kind hedge_lost, never the caller's abort", async () => {
    const { clock, client, fn, events } = setup({ primary: 5_000, backup: 100 }, { hedge: { delayMs: 1_000 } });
    await settle(clock, client.run(fn), 1_100);
    const failures = events.filter((e) => e.name === 'failure').map((e) => e.payload);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ model: 'primary', kind: 'hedge_lost', retryable: false });
    // The caller's own abort keeps its kind.
    const controller = new AbortController();
    const p = client.run(fn, { signal: controller.signal, hedge: false }).catch(() => {});
    controller.abort();
    await p;
    await clock.flush();
    expect(events.filter((e) => e.name === 'failure').at(-1)!.payload).toMatchObject({ kind: 'abort' });
  });
});

describe('hedging and rate limits', () => {
  it('a first model out of rate-limit room spills to the next model with room at once, as without hedging', async () => {
    // One request a minute on the first model, and admission may wait that long: the second call would wait for it.
    const { clock, client, fn, calls, events } = setup({ primary: 100, backup: 100 }, { hedge: { delayMs: 5_000 }, limits: { maxWaitMs: 120_000, models: { primary: { requestsPerMinute: 1 } } } });
    await settle(clock, client.run(fn, { hedge: false }), 100);
    calls.length = 0;
    const p = client.run(fn);
    let answer: unknown;
    void p.then((v) => (answer = v));
    await clock.advance(100);
    expect(answer).toMatchObject({ model: 'backup' });
    // Never sent to the first model: admission saw it had no room and a later model had.
    expect(calls.map((c) => c.model)).toEqual(['backup']);
    expect(events.find((e) => e.name === 'fallback')!.payload).toMatchObject({ from: 'primary', to: 'backup', reason: 'rate_limit' });
    expect(events.some((e) => e.name === 'limit:wait')).toBe(false);
  });

  it('after a 429 with Retry-After 3 s, the call moves to the next model with room instead of sleeping', async () => {
    const { clock, client, fn, calls } = setup({ primary: rateLimited(3), backup: 100 }, { hedge: { delayMs: 1_000 } });
    let answer: unknown;
    void client.run(fn).then((v) => (answer = v));
    await clock.advance(100);
    expect(answer).toMatchObject({ model: 'backup' });
    expect(calls.map((c) => c.model)).toEqual(['primary', 'backup']);
    client.dispose();
  });

  it('hedge:started only toward a model with room for this call now', async () => {
    const { clock, client, fn, events, names } = setup({ primary: 2_000, backup: 100 }, { hedge: { delayMs: 1_000 }, limits: { models: { backup: { tokensPerMinute: 1_000 } } } });
    // Drain the backup's token bucket to about 90 tokens.
    await settle(clock, client.run(fn, { models: ['backup'], estimate: { inputTokens: 10, outputTokens: 900 } }), 100);
    const p = client.run(fn, { estimate: { inputTokens: 10, outputTokens: 500 } });
    await expect(settle(clock, p, 2_000)).resolves.toMatchObject({ model: 'primary' });
    expect(names()).toEqual([]);
    expect(events.some((e) => e.name === 'limit:wait')).toBe(false);
  });
});
