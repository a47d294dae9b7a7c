import { describe, expect, it } from 'vitest';
import type { SharedBreaker } from '../../src/breaker/shared.js';
import { MemoryBudgetStore, ResilientClient } from '../../src/index.js';
import { createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';

function stubShared(initial: Record<string, { state: 'closed' | 'open' | 'half-open'; openUntil?: number }> = {}) {
  const views = new Map(Object.entries(initial));
  const log: string[] = [];
  let leases = 0;
  const shared: SharedBreaker = {
    readState: (m) => views.get(m) ?? { state: 'closed' },
    publishOpen: async (m, until) => {
      log.push(`open ${m} ${until}`);
      views.set(m, { state: 'open', openUntil: until });
    },
    publishClosed: async (m) => {
      log.push(`closed ${m}`);
      views.delete(m);
    },
    acquireProbe: async (m) => {
      log.push(`probe ${m}`);
      return leases++ === 0;
    },
    releaseProbe: async (m) => {
      log.push(`release ${m}`);
      leases = 0;
    },
  };
  return { shared, log };
}

describe('shared state factories', () => {
  it('fails fast on a model another process has open, without calling it, and falls back', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock);
    const { shared } = stubShared({ a: { state: 'open', openUntil: clock.now() + 5_000 } });
    const client = new ResilientClient({ models: ['a', 'b'], clock, shared: { breaker: () => shared } });
    const reasons: string[] = [];
    client.on('fallback', (e) => reasons.push(e.reason));
    const res = await client.run(provider.call);
    expect(res.model).toBe('b');
    expect(provider.callsTo('a')).toHaveLength(0);
    expect(reasons).toEqual(['circuit_open']);
  });

  it('publishes its own breaker transitions, and only the lease holder probes a shared half-open model', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, { a: [step.serverError(500)] });
    const { shared, log } = stubShared();
    const client = new ResilientClient({ models: ['a'], clock, retry: false, breaker: { volumeThreshold: 1, resetTimeoutMs: 1_000 }, shared: { breaker: () => shared } });
    await client.run(provider.call).catch(() => {});
    expect(log).toEqual([`open a ${clock.now() + 1_000}`]);
    provider.script('a', [step.success()]);
    await clock.advance(1_000);
    // First caller gets the lease and probes; the breaker closes and that is published.
    await expect(client.run(provider.call)).resolves.toMatchObject({ model: 'a' });
    expect(log.at(-1)).toBe('closed a');
    expect(log.filter((l) => l === 'closed a')).toHaveLength(1); // the breaker's close publishes it, once
  });

  it('a probe granted while this process saw the model closed publishes the recovery when it succeeds', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock);
    const { shared, log } = stubShared({ a: { state: 'half-open' } });
    const client = new ResilientClient({ models: ['a'], clock, shared: { breaker: () => shared } });
    await expect(client.run(provider.call)).resolves.toMatchObject({ model: 'a' });
    expect(log).toEqual(['probe a', 'closed a']); // without it the other processes kept the model half-open
  });

  it('a probe the caller aborts frees the lease at once, and nothing is published about the model', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, { a: [step.success({ latencyMs: 5_000 })] });
    const { shared, log } = stubShared({ a: { state: 'half-open' } });
    const client = new ResilientClient({ models: ['a'], clock, shared: { breaker: () => shared } });
    const stop = new AbortController();
    const call = client.run(provider.call, { signal: stop.signal });
    await clock.advance(100);
    stop.abort(new Error('user left'));
    await expect(call).rejects.toThrow('user left');
    await clock.flush();
    expect(log).toEqual(['probe a', 'release a']); // before: the lease stayed until it lapsed (timeout + 1 s)
  });

  it('uses the shared budget store factory with the client clock', async () => {
    const clock = createFakeClock();
    const store = new MemoryBudgetStore();
    let deps: unknown;
    const client = new ResilientClient({
      models: ['a'],
      clock,
      budget: { day: { maxTokens: 1_000 } },
      shared: { budgetStore: (d) => ((deps = d), store) },
    });
    await client.run(createFakeProvider(clock).call, { estimate: { inputTokens: 10, outputTokens: 10 } });
    expect((deps as { clock: unknown }).clock).toBe(clock);
    expect(client.budget?.store).toBe(store);
  });
});
