import { describe, expect, it } from 'vitest';
import { ResilientClient, isStreamInterruptedError, type ResilienceEvents } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/** A provider stream that yields `n` chunks on demand, then its usage, and records whether it was cancelled. */
function providerStream(n: number) {
  const state = { cancelled: false, pulled: 0 };
  const stream = {
    async *[Symbol.asyncIterator]() {
      try {
        for (let i = 0; i < n; i++) {
          state.pulled++;
          yield { choices: [{ delta: { content: `c${i}` } }] };
        }
        yield { choices: [], usage: { prompt_tokens: 10, completion_tokens: 5 } };
      } finally {
        state.cancelled = state.pulled < n;
      }
    },
  };
  return { stream, state };
}

function setup(stream?: { idleTimeoutMs?: number }) {
  const clock = createFakeClock();
  const client = new ResilientClient({
    models: ['m'],
    clock,
    monitor: false,
    budget: { day: { maxTokens: 100_000 } },
    ...(stream ? { stream } : {}),
  });
  const ends: ResilienceEvents['stream:end'][] = [];
  client.on('stream:end', (e) => ends.push(e));
  const day = async () => (await client.budgetSnapshot()!).scopes.find((s) => s.scope === 'day')!;
  return { clock, client, ends, day };
}

describe('a committed stream nobody reads', () => {
  it('is ended after the idle limit: request cancelled, estimate settled, stream:end idle', async () => {
    const { clock, client, ends, day } = setup({ idleTimeoutMs: 60_000 });
    const { stream, state } = providerStream(100);
    const s = (await client.run(() => stream, { estimate: { inputTokens: 300, outputTokens: 300 } })) as AsyncIterable<unknown>;
    expect(client.budget!.openReservations).toBe(1);
    expect((await day()).reservedTokens).toBe(600);
    await clock.advance(59_999);
    expect(client.budget!.openReservations).toBe(1);
    await clock.advance(1);
    expect(ends.map((e) => e.outcome)).toEqual(['idle']);
    expect(client.budget!.openReservations).toBe(0);
    const d = await day();
    expect(d.reservedTokens).toBe(0);
    expect(d.usedTokens).toBe(600); // no usage was seen: the estimate
    expect(state.cancelled).toBe(true);
    expect(clock.pending()).toBe(0);
    // A reader coming back late learns the stream was cut, not that it completed.
    const late = await s[Symbol.asyncIterator]().next().catch((e: unknown) => e);
    expect(isStreamInterruptedError(late)).toBe(true);
  });

  it('applies a 5-minute limit by default', async () => {
    const { clock, client, ends } = setup();
    await client.run(() => providerStream(10).stream);
    await clock.advance(299_999);
    expect(ends).toHaveLength(0);
    await clock.advance(1);
    expect(ends.map((e) => e.outcome)).toEqual(['idle']);
  });

  it('never ends a stream that is being read, however slowly', async () => {
    const { clock, client, ends, day } = setup({ idleTimeoutMs: 60_000 });
    const s = (await client.run(() => providerStream(5).stream)) as AsyncIterable<unknown>;
    let chunks = 0;
    for await (const _ of s) {
      chunks++;
      await clock.advance(50_000); // a slow reader, under the limit each time
    }
    expect(chunks).toBe(6);
    expect(ends.map((e) => e.outcome)).toEqual(['complete']);
    expect((await day()).usedTokens).toBe(15);
  });
});
