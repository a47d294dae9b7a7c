import { describe, expect, it } from 'vitest';
import { ResilientClient, type ResilientClientOptions } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

// A clock read costs about 60 ns on the system clock, and a success read it several times.
// The budget on the in-memory store and header-driven admission decide in the same step as
// the attempt's start: they take the pipeline's reading of the time, and read none of their own.

const answer = async () => ({ usage: { input_tokens: 12, output_tokens: 34 } });

/** Clock reads of one successful call, once the client's per-model state exists. */
async function readsPerCall(options: Partial<ResilientClientOptions>): Promise<number> {
  const fake = createFakeClock({ start: Date.UTC(2026, 0, 1, 12) });
  let reads = 0;
  const clock = Object.create(fake, {
    now: {
      value: () => {
        reads++;
        return fake.now();
      },
    },
  }) as typeof fake;
  const client = new ResilientClient({ models: ['m'], clock, retry: false, monitor: false, ...options } as ResilientClientOptions);
  for (let i = 0; i < 3; i++) await client.run(answer);
  reads = 0;
  await client.run(answer);
  client.dispose();
  return reads;
}

describe('one clock reading for a call’s start', () => {
  it('the budget on the in-memory store reads no clock of its own to reserve', async () => {
    const without = await readsPerCall({ limits: { respectHeaders: false } });
    expect(await readsPerCall({ limits: { respectHeaders: false }, budget: { day: { maxTokens: 1_000_000 } } })).toBe(without);
  });

  it('admission by the headers reads no clock of its own', async () => {
    const without = await readsPerCall({ limits: { respectHeaders: false } });
    expect(await readsPerCall({})).toBe(without);
  });
});
