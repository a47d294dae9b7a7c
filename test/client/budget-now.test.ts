import { describe, expect, it } from 'vitest';
import { MemoryBudgetStore, type Amount, type StoreLimit, type StoreReserveResult, type Totals } from '../../src/budget/store.js';
import { type BudgetExceededError, ResilientClient, type ResilienceEvents } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

// The client reserves and settles the built-in in-memory store without a promise
// hop. These pin what that path must keep from the promise path: the hold is in
// place while the function runs, the real usage replaces it before `run` resolves,
// thresholds warn once at the crossing, refusals send nothing, and any other store
// (a subclass included) is still asked through its own async methods.

const ESTIMATE = { inputTokens: 10, outputTokens: 20 };
const answer = (input: number, output: number) => ({ usage: { input_tokens: input, output_tokens: output } });

function budgetClient(maxTokens: number, store?: MemoryBudgetStore) {
  const clock = createFakeClock({ start: Date.UTC(2026, 0, 1, 12) });
  const client = new ResilientClient({ models: ['m'], clock, retry: false, monitor: false, budget: { day: { maxTokens }, ...(store ? { store } : {}) } });
  const events: { name: string; payload: unknown }[] = [];
  for (const name of ['budget:usage', 'budget:warning', 'budget:exceeded', 'budget:usage-warning'] as const) {
    client.on(name, (payload: ResilienceEvents[typeof name]) => events.push({ name, payload }));
  }
  return { client, events };
}

const dayScope = async (client: ResilientClient) => (await client.budget!.snapshot()).scopes.find((s) => s.scope === 'day')!;

describe('budget on the in-memory store, reserved and settled in step with the call', () => {
  it('holds the estimate while the function runs and replaces it with the real usage before run resolves', async () => {
    const { client, events } = budgetClient(1_000);
    let during: Awaited<ReturnType<typeof dayScope>> | undefined;
    const value = await client.run(
      async () => {
        during = await dayScope(client);
        expect(client.budget!.openReservations).toBe(1);
        return answer(100, 200);
      },
      { estimate: ESTIMATE },
    );
    expect(value).toEqual(answer(100, 200));
    expect(during).toMatchObject({ usedTokens: 0, reservedTokens: 30 });
    // Settled by the time `run` resolved: nothing reserved, the real usage counted, one budget:usage.
    expect(await dayScope(client)).toMatchObject({ usedTokens: 300, reservedTokens: 0 });
    expect(client.budget!.openReservations).toBe(0);
    expect(events.filter((e) => e.name === 'budget:usage')).toEqual([
      { name: 'budget:usage', payload: expect.objectContaining({ model: 'm', inputTokens: 100, outputTokens: 200, estimated: false }) },
    ]);
    client.dispose();
  });

  it('warns at 90% once, on the settle that crosses it', async () => {
    const { client, events } = budgetClient(1_000);
    const warningsAfter: number[] = [];
    for (let i = 0; i < 5; i++) {
      await client.run(async () => answer(100, 90), { estimate: ESTIMATE });
      warningsAfter.push(events.filter((e) => e.name === 'budget:warning').length);
    }
    // 190, 380, 570, 760, 950 tokens: the fifth settle crosses 900.
    expect(warningsAfter).toEqual([0, 0, 0, 0, 1]);
    expect(events.find((e) => e.name === 'budget:warning')!.payload).toMatchObject({ scope: 'day', unit: 'tokens', threshold: 0.9, limit: 1_000, used: 950 });
    client.dispose();
  });

  it('refuses a call that does not fit before sending anything, and holds nothing for it', async () => {
    const { client, events } = budgetClient(1_000);
    let sent = 0;
    const error = await client
      .run(
        async () => {
          sent++;
          return answer(1, 1);
        },
        { estimate: { inputTokens: 600, outputTokens: 600 } },
      )
      .catch((e: unknown) => e as BudgetExceededError);
    expect(sent).toBe(0);
    expect(error).toMatchObject({ name: 'BudgetExceededError', scope: 'day', requested: 1_200 });
    expect(events.map((e) => e.name)).toEqual(['budget:exceeded']);
    expect(await dayScope(client)).toMatchObject({ usedTokens: 0, reservedTokens: 0 });
    client.dispose();
  });

  it('gives the hold back when the call fails', async () => {
    const { client } = budgetClient(1_000);
    await expect(client.run(async () => Promise.reject(Object.assign(new Error('bad request'), { status: 400 })), { estimate: ESTIMATE })).rejects.toThrow('bad request');
    expect(await dayScope(client)).toMatchObject({ usedTokens: 0, reservedTokens: 0 });
    expect(client.budget!.openReservations).toBe(0);
    client.dispose();
  });

  it('asks a subclass of the in-memory store through its own async methods, and a failing settle stays a warning', async () => {
    const calls: string[] = [];
    class Counting extends MemoryBudgetStore {
      override async reserve(key: string, amount: Amount, limit?: StoreLimit): Promise<StoreReserveResult> {
        calls.push(`reserve ${key}`);
        return super.reserve(key, amount, limit);
      }
      override async settle(key: string, reserved: Amount, used: Amount): Promise<Totals> {
        calls.push(`settle ${key}`);
        if (calls.length > 2) throw new Error('store down');
        return super.settle(key, reserved, used);
      }
    }
    const { client, events } = budgetClient(1_000, new Counting());
    await client.run(async () => answer(100, 200), { estimate: ESTIMATE });
    expect(calls).toEqual(['reserve day:2026-01-01', 'settle day:2026-01-01']);
    expect(await dayScope(client)).toMatchObject({ usedTokens: 300, reservedTokens: 0 });
    // The next settle fails: the call still resolves, with a `store` usage warning.
    await expect(client.run(async () => answer(1, 1), { estimate: ESTIMATE })).resolves.toEqual(answer(1, 1));
    expect(events.filter((e) => e.name === 'budget:usage-warning').map((e) => (e.payload as { reason: string }).reason)).toEqual(['store']);
    client.dispose();
  });
});

describe('a settled call reaches the monitor and the budget:usage listeners', () => {
  // With the monitor on, the budget hands each settle's figures to the monitor whether or not anyone
  // listens, and builds the `budget:usage` payload only for listeners.
  const monitored = () => new ResilientClient({ models: ['m'], clock: createFakeClock({ start: Date.UTC(2026, 0, 1, 12) }), retry: false, budget: { day: { maxTokens: 10_000 } } });
  const tokensSeen = (client: ResilientClient) => {
    const w = client.snapshot().monitor!.models.find((m) => m.model === 'm')!.windows[0]!;
    return { inputTokens: w.inputTokens, outputTokens: w.outputTokens };
  };

  it('counts the tokens in the monitor with no listener', async () => {
    const client = monitored();
    await client.run(async () => answer(100, 200), { estimate: ESTIMATE });
    await client.run(async () => answer(5, 7), { estimate: ESTIMATE, taskId: 't' });
    expect(tokensSeen(client)).toEqual({ inputTokens: 105, outputTokens: 207 });
    client.dispose();
  });

  it('gives listeners the payload, with the task when there is one', async () => {
    const client = monitored();
    const seen: ResilienceEvents['budget:usage'][] = [];
    client.on('budget:usage', (p) => seen.push(p));
    await client.run(async () => answer(100, 200), { estimate: ESTIMATE });
    await client.run(async () => answer(5, 7), { estimate: ESTIMATE, taskId: 't' });
    const common = { model: 'm', cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: null, estimated: false, timestamp: expect.any(Number) };
    expect(seen).toEqual([
      { ...common, inputTokens: 100, outputTokens: 200 },
      { ...common, taskId: 't', inputTokens: 5, outputTokens: 7 },
    ]);
    expect(Object.isFrozen(seen[0])).toBe(true);
    expect(tokensSeen(client)).toEqual({ inputTokens: 105, outputTokens: 207 });
    client.dispose();
  });
});
