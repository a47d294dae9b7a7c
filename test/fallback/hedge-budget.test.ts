import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BudgetStore } from '../../src/budget/store.js';
import { MemoryBudgetStore, isBudgetExceededError, isDisposedError } from '../../src/index.js';
import { settle, setup } from './hedge-setup.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const request = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 };

describe('hedging with a token budget', () => {
  it('a hedge whose reservation is refused does not fail the call: the first model keeps it', async () => {
    const { clock, client, calls, events, fn, names } = setup({ primary: 2_000, backup: 100 }, { hedge: { delayMs: 1_000 }, budget: { models: { backup: { maxTokens: 10 } } } });
    const p = client.run(fn, { request });
    await expect(settle(clock, p, 2_000)).resolves.toMatchObject({ model: 'primary' });
    expect(calls.map((c) => c.model)).toEqual(['primary']);
    expect(calls[0]!.signal.aborted).toBe(false);
    // The hedge started and was refused before sending: the first model wins with nobody aborted in its favour.
    expect(names()).toEqual(['hedge:started', 'hedge:won']);
    expect(events.find((e) => e.name === 'hedge:won')!.payload).toEqual(expect.not.objectContaining({ loser: expect.anything() }));
    expect(client.budget!.openReservations).toBe(0);
    client.dispose();
  });

  it('when the first model fails too, the refusal is what the call rejects with, as without hedging', async () => {
    const { clock, client, fn } = setup({ primary: 2_000, backup: 100 }, { hedge: { delayMs: 1_000 }, retry: false, budget: { models: { backup: { maxTokens: 10 } } } });
    const failing = (ctx: { model: string; signal: AbortSignal }) =>
      ctx.model === 'primary' ? new Promise((_, reject) => clock.setTimeout(() => reject(Object.assign(new Error('down'), { status: 503 })), 2_000)) : fn(ctx);
    const p = client.run(failing, { request }).catch((e: unknown) => e);
    await clock.advance(2_000);
    expect(isBudgetExceededError(await p)).toBe(true);
  });

  it('a call refused by the budget leaves no hedge timer behind', async () => {
    const { clock, client, fn } = setup({ primary: 2_000, backup: 100 }, { hedge: { delayMs: 1_000 }, budget: { day: { maxTokens: 10 } } });
    const err = await client.run(fn, { request }).catch((e: unknown) => e);
    expect(isBudgetExceededError(err)).toBe(true);
    expect(clock.pending()).toBe(0);
    client.dispose();
    expect(clock.pending()).toBe(0);
  });

  it('dispose() clears a pending hedge timer, also while the first model waits for a slow budget store', async () => {
    const inner = new MemoryBudgetStore();
    const hanging: BudgetStore = { get: (k) => inner.get(k), reserve: () => new Promise(() => {}), settle: (k, r, u) => inner.settle(k, r, u), release: (k, a) => inner.release(k, a) };
    const { clock, client, fn } = setup({ primary: 2_000, backup: 100 }, { hedge: { delayMs: 1_000 }, monitor: false, budget: { day: { maxTokens: 1_000_000 }, store: hanging, storeTimeoutMs: 60_000 } });
    const p = client.run(fn, { request }).catch((e: unknown) => e);
    await clock.advance(10);
    expect(clock.pending()).toBe(2); // the hedge's 1 s and the store's 60 s
    client.dispose();
    expect(isDisposedError(await p)).toBe(true);
    await clock.flush();
    // Only the store call's own timeout is left, and it ends on its own.
    expect(clock.pending()).toBe(1);
    await clock.advance(60_000);
    expect(clock.pending()).toBe(0);
  });

  it('a reservation refused late, after the first model won, is never an unhandled rejection', () => {
    // In a child process: Node exits with code 1 on an unhandled rejection, whatever the test runner does with it.
    const code = `
      import { MemoryBudgetStore, ResilientClient } from './src/index.ts';
      import { createFakeClock } from './src/testing/index.ts';
      process.on('unhandledRejection', (e) => { console.log('UNHANDLED', e?.name); process.exitCode = 3; });
      const clock = createFakeClock();
      const inner = new MemoryBudgetStore();
      // A slow store: the hedge model's reservation answers (refused) 3 s after it was asked.
      const later = (ms, f) => new Promise((r) => clock.setTimeout(r, ms)).then(f);
      const store = {
        get: (k) => inner.get(k),
        reserve: (k, a, l) => (k.endsWith(':backup') ? later(3_000, () => inner.reserve(k, a, l)) : inner.reserve(k, a, l)),
        settle: (k, r, u) => inner.settle(k, r, u),
        release: (k, a) => inner.release(k, a),
      };
      const client = new ResilientClient({ models: ['primary', 'backup'], clock, hedge: { delayMs: 1_000 },
        budget: { store, storeTimeoutMs: 60_000, models: { backup: { maxTokens: 10 } } } });
      const answer = (ms, model) => new Promise((r) => clock.setTimeout(() => r({ model, usage: { input_tokens: 1, output_tokens: 1 } }), ms));
      const p = client.run(({ model }) => answer(model === 'primary' ? 1_500 : 100, model), { request: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 } });
      await clock.advance(1_500);
      console.log('won', (await p).model);
      await clock.advance(5_000);
      await new Promise((r) => setImmediate(r));
      client.dispose();
      console.log('done');
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 15_000 });
    expect(child.stdout.trim().split('\n')).toEqual(['won primary', 'done']);
    expect(child.status).toBe(0);
  });
});
