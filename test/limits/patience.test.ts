import { afterEach, describe, expect, it } from 'vitest';
import { ResilientClient, isConfigError } from '../../src/index.js';
import type { LimitsOptions } from '../../src/limits/options.js';
import { createFakeClock } from '../../src/testing/index.js';

let client: ResilientClient | undefined;
afterEach(() => client?.dispose());

type Failure = { retryAfterMs?: number; failures?: { reason: string; error: { reason?: string } }[] };

/**
 * One model limited to one request a minute; a second, `free`, without limits, where callers
 * abort calls that hang. Learning happens on `free`, the waits on `m`: patience is the client's.
 */
function setUp(limits: Partial<LimitsOptions> = {}) {
  const clock = createFakeClock();
  client = new ResilientClient({ models: ['m'], clock, limits: { models: { m: { requestsPerMinute: 1 } }, ...limits } });
  const c = client;
  const sent: number[] = [];
  let tries = 0;
  const hang = () => {
    tries++;
    return new Promise<string>(() => {});
  };
  const answer = (ms = 0) => () => {
    sent.push(clock.now());
    return ms === 0 ? Promise.resolve('ok') : new Promise<string>((resolve) => clock.setTimeout(() => resolve('ok'), ms));
  };
  /** Calls on `free` whose callers abort them after each figure (ms), all at once. */
  const aborted = async (afterMs: readonly number[]) => {
    const calls = afterMs.map((ms) => {
      const ac = new AbortController();
      clock.setTimeout(() => ac.abort(new Error('caller gave up')), ms);
      return c.run(hang, { models: ['free'], signal: ac.signal }).catch((e: unknown) => e);
    });
    await clock.advance(Math.max(...afterMs));
    return Promise.all(calls);
  };
  /** A call on `m` that must wait a minute (the bucket just used), with a signal its caller never aborts. */
  const waiting = async (extra: Record<string, unknown> = {}) => {
    await c.run(answer());
    const before = sent.length;
    const at = clock.now();
    const call = c.run(answer(), { signal: new AbortController().signal, ...extra }).catch((e: unknown) => e);
    return { call, before, at };
  };
  return { clock, c, sent, answer, aborted, waiting, tries: () => tries };
}

describe('the callers’ patience, learned from their aborts', () => {
  it('after five calls aborted at 30 s, a call that would wait a minute is refused at once (deadline, retryAfterMs), nothing sent', async () => {
    const { clock, sent, aborted, waiting, tries } = setUp();
    const errors = await aborted([30_000, 30_000, 30_000, 30_000, 30_000]);
    // The aborts stay the callers': each rejects with its reason, none was retried.
    for (const e of errors) expect((e as Error).message).toBe('caller gave up');
    expect(tries()).toBe(5);
    const { call, before, at } = await waiting();
    // Refused before any wait (the old rules kept it waiting a minute, past its caller's patience).
    const err = (await Promise.race([call, clock.advance(0).then(() => 'still waiting')])) as Failure;
    expect(err.failures?.[0]).toMatchObject({ reason: 'rate_limit', error: expect.objectContaining({ reason: 'deadline' }) });
    expect(err.retryAfterMs).toBe(60_000);
    expect(sent.length).toBe(before);
    expect(clock.now()).toBe(at);
  });

  it('a stated deadlineMs wins over the learned patience', async () => {
    const { clock, aborted, waiting } = setUp();
    await aborted([30_000, 30_000, 30_000, 30_000, 30_000]);
    const { call } = await waiting({ deadlineMs: 70_000 });
    await clock.advance(60_000);
    await expect(call).resolves.toBe('ok');
  });

  it('a learned patience longer than maxWaitMs lets a call wait past it, and a call without a signal keeps maxWaitMs', async () => {
    const { clock, c, answer, aborted, waiting } = setUp({ maxWaitMs: 30_000 });
    await aborted([120_000, 120_000, 120_000, 120_000, 121_000]);
    const { call } = await waiting();
    await clock.advance(60_000);
    await expect(call).resolves.toBe('ok');
    // No signal: its caller cannot abort it, so nothing says it has a deadline.
    const err = (await c.run(answer()).catch((e: unknown) => e)) as Failure;
    expect(err.failures?.[0]?.error).toMatchObject({ reason: 'wait_limit' });
  });

  it('learns nothing from four aborts, or from cancels spread over time', async () => {
    for (const times of [
      [30_000, 30_000, 30_000, 30_000],
      [2_000, 9_000, 20_000, 30_000, 31_000, 45_000],
    ]) {
      const { clock, aborted, waiting } = setUp();
      await aborted(times);
      const { call } = await waiting();
      await clock.advance(60_000);
      await expect(call).resolves.toBe('ok');
      client?.dispose();
    }
  });

  it('forgets the patience ten minutes after the last abort', async () => {
    const { clock, aborted, waiting } = setUp();
    await aborted([30_000, 30_000, 30_000, 30_000, 30_000]);
    await clock.advance(10 * 60_000);
    const { call } = await waiting();
    await clock.advance(60_000);
    await expect(call).resolves.toBe('ok');
  });

  it('forgets it when a call lives well past it without its caller aborting', async () => {
    const { clock, c, answer, aborted, waiting } = setUp();
    await aborted([30_000, 30_000, 30_000, 30_000, 30_000]);
    const slow = c.run(answer(40_000), { models: ['free'], signal: new AbortController().signal });
    await clock.advance(40_000);
    await slow;
    const { call } = await waiting();
    await clock.advance(60_000);
    await expect(call).resolves.toBe('ok');
  });

  it('limits.learnPatience: false keeps maxWaitMs for every call without a deadline; it is validated', async () => {
    const { clock, aborted, waiting } = setUp({ learnPatience: false });
    await aborted([30_000, 30_000, 30_000, 30_000, 30_000]);
    const { call } = await waiting();
    await clock.advance(60_000);
    await expect(call).resolves.toBe('ok');
    let err: unknown;
    try {
      new ResilientClient({ models: ['m'], limits: { learnPatience: 'yes' as never } });
    } catch (e) {
      err = e;
    }
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toContain('limits.learnPatience');
  });
});
