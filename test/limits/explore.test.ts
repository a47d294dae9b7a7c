import { afterEach, describe, expect, it } from 'vitest';
import { ResilientClient, isDisposedError } from '../../src/index.js';
import { PATIENCE_EXPLORERS, PATIENCE_EXPLORE_MS } from '../../src/client/patience.js';
import { createLimiter } from '../../src/limits/limiter.js';
import { type LimitsOptions, WAITS_BY_DEFAULT } from '../../src/limits/options.js';
import { createFakeClock } from '../../src/testing/index.js';

let client: ResilientClient | undefined;
afterEach(() => client?.dispose());

type Failure = { failures?: { reason: string; error: { reason?: string; name?: string } }[] };

/** One model limited to one request a minute, used at once: a second call waits a minute, a third two (past the default 60 s). */
async function setUp(options: { limits?: Partial<LimitsOptions>; rpm?: number } = {}) {
  const clock = createFakeClock();
  client = new ResilientClient({ models: ['m'], clock, limits: { models: { m: { requestsPerMinute: options.rpm ?? 1 } }, ...options.limits } });
  const c = client;
  const sent: number[] = [];
  const t0 = clock.now();
  const answer = () => {
    sent.push(clock.now() - t0);
    return Promise.resolve('ok');
  };
  await c.run(answer);
  const second = c.run(answer).catch((e: unknown) => e);
  /** A call whose caller aborts it after `ms` (never when undefined). */
  const call = (ms?: number) => {
    const ac = new AbortController();
    if (ms !== undefined) clock.setTimeout(() => ac.abort(new Error('caller gave up')), ms);
    return c.run(answer, { signal: ac.signal }).catch((e: unknown) => e);
  };
  return { clock, c, sent, answer, second, call };
}

const reasonOf = (e: unknown) => (e as Failure).failures?.[0]?.error.reason;

describe('over capacity, a few calls the default bounds refuse are held until their callers abort, to learn their patience', () => {
  it('a call with a signal that the default maxWaitMs would refuse is held, never sent, and rejects with its caller’s reason', async () => {
    const { clock, sent, second, call } = await setUp();
    const third = call(90_000);
    expect(await Promise.race([third, clock.advance(0).then(() => 'held')])).toBe('held');
    await clock.advance(90_000);
    expect(((await third) as Error).message).toBe('caller gave up');
    await second;
    expect(sent).toEqual([0, 60_000]);
  });

  it('five such aborts at one time teach the patience', async () => {
    // Two a minute, a burst of two: turns every 30 s from 30 s on; a call with a signal waits 60 s as before, the next ones are held.
    const { clock, c, sent, answer, call } = await setUp({ rpm: 2 });
    const third = c.run(answer);
    const waiting = Array.from({ length: 6 }, () => call(50_000));
    await clock.advance(50_000);
    for (const e of await Promise.all(waiting)) expect((e as Error).message).toBe('caller gave up');
    await third;
    expect(sent).toEqual([0, 0, 30_000]);
    // Learned: 50 s. Behind two calls, a call that would wait 70 s is refused at once by that deadline (not held).
    const queued = [c.run(answer), c.run(answer)];
    const next = await Promise.race([call(), clock.advance(0).then(() => 'still waiting')]);
    expect(reasonOf(next)).toBe('deadline');
    await clock.advance(40_000);
    await Promise.all(queued);
  });

  it('at most a few at once, each for at most five minutes, then refused as it would have been; dispose ends them at once', async () => {
    const { clock, c, sent, answer, call } = await setUp();
    const held = Array.from({ length: PATIENCE_EXPLORERS }, () => call());
    const refused = await Promise.race([call(), clock.advance(0).then(() => 'held')]);
    expect(reasonOf(refused)).toBe('wait_limit');
    await clock.advance(PATIENCE_EXPLORE_MS - 1);
    expect(await Promise.race([held[0], clock.advance(0).then(() => 'held')])).toBe('held');
    await clock.advance(1);
    for (const e of await Promise.all(held)) expect(reasonOf(e)).toBe('wait_limit');
    expect(sent).toEqual([0, 60_000]);
    // The places are free again: behind two calls, the next one is held, until the client is disposed.
    const plain = [c.run(answer), c.run(answer).catch((e: unknown) => e)];
    const last = call();
    expect(await Promise.race([last, clock.advance(0).then(() => 'held')])).toBe('held');
    c.dispose();
    expect(isDisposedError(await last)).toBe(true);
    await Promise.all(plain);
  });

  it('never past a maxWaitMs the user set, nor with learnPatience: false, nor for a call without a signal', async () => {
    for (const options of [{ limits: { maxWaitMs: 60_000 } }, { limits: { learnPatience: false } }]) {
      const { call } = await setUp(options);
      expect(reasonOf(await call())).toBe('wait_limit');
      client?.dispose();
    }
    const { c, answer } = await setUp();
    expect(reasonOf(await c.run(answer).catch((e: unknown) => e))).toBe('wait_limit');
  });

  it('knows a limiter whose maxWaitMs is the default from one whose maxWaitMs (or its old name) the user set', () => {
    expect(WAITS_BY_DEFAULT.has(createLimiter(undefined))).toBe(true);
    expect(WAITS_BY_DEFAULT.has(createLimiter({ maxQueue: 10 }))).toBe(true);
    expect(WAITS_BY_DEFAULT.has(createLimiter({ maxWaitMs: 60_000 }))).toBe(false);
    expect(WAITS_BY_DEFAULT.has(createLimiter({ maxHeaderWaitMs: 60_000 }))).toBe(false);
  });
});
