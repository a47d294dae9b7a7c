import { afterEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

let client: ResilientClient | undefined;
afterEach(() => client?.dispose());

/**
 * One model limited to 6 requests a minute (one per 10 s). Its first call takes 5 s, so the
 * monitor knows its latency; five more use up the bucket, which then has room again 5 s later.
 */
async function busyModel(monitor: boolean) {
  const clock = createFakeClock();
  client = new ResilientClient({ models: ['m'], clock, ...(monitor ? {} : { monitor: false as const }), limits: { models: { m: { requestsPerMinute: 6 } } } });
  const sent: number[] = [];
  const answer = (ms: number) => () => {
    sent.push(clock.now());
    return ms === 0 ? Promise.resolve('ok') : new Promise<string>((resolve) => clock.setTimeout(() => resolve('ok'), ms));
  };
  const first = client.run(answer(5_000));
  await clock.advance(5_000);
  await first;
  for (let i = 0; i < 5; i++) await client.run(answer(0));
  return { clock, c: client, sent, answer };
}

describe('run({ deadlineMs }) and the model’s latency', () => {
  it('refuses at once a call whose wait plus the model’s recent latency would pass its deadline, nothing sent', async () => {
    const { clock, c, sent, answer } = await busyModel(true);
    const before = sent.length;
    const at = clock.now();
    const err = (await c.run(answer(0), { deadlineMs: 9_000 }).catch((e: unknown) => e)) as { retryAfterMs?: number; failures?: { reason: string; error: unknown }[] };
    expect(err.failures?.[0]).toMatchObject({ reason: 'rate_limit', error: expect.objectContaining({ reason: 'deadline' }) });
    expect(err.retryAfterMs).toBe(5_000);
    expect(sent.length).toBe(before);
    expect(clock.now()).toBe(at); // refused before any wait
    // With time for its latency, the same call waits for its turn and is sent.
    const inTime = c.run(answer(0), { deadlineMs: 11_000 });
    await clock.advance(5_000);
    await expect(inTime).resolves.toBe('ok');
  });

  it('without the monitor the latency is unknown: only the deadline bounds the wait', async () => {
    const { clock, c, answer } = await busyModel(false);
    const call = c.run(answer(0), { deadlineMs: 9_000 });
    await clock.advance(5_000);
    await expect(call).resolves.toBe('ok');
  });
});
