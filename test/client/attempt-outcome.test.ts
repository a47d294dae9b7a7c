import { describe, expect, it } from 'vitest';
import { laterOf } from '../../src/client/pipeline.js';
import { ResilientClient, type AttemptFn, isAllModelsFailedError, isDisposedError, isTimeoutError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/*
 * On a closed breaker an attempt hands its outcome to the model try itself (no
 * promise of the try's own in between). These pin what must not slip with it:
 * a timeout, dispose() and a throwing or synchronous function end the attempt
 * as before, the try's failure steps never run inside the timer sweep or inside
 * dispose(), and a success still reads and settles its usage.
 */

const never = () => new Promise<never>(() => {});
const answer = { usage: { input_tokens: 100, output_tokens: 200 } };
/** The attempts' own errors behind the call's AllModelsFailedError. */
const causes = (error: unknown): unknown[] => (isAllModelsFailedError(error) ? error.failures.map((f) => f.error) : []);

function events(client: ResilientClient) {
  const seen: string[] = [];
  client.on('attempt', (e) => seen.push(`attempt ${e.model} ${e.attempt}`));
  client.on('success', (e) => seen.push(`success ${e.model} ${e.attempt}`));
  client.on('failure', (e) => seen.push(`failure ${e.model} ${e.attempt} ${e.kind}`));
  return seen;
}

describe('an attempt’s outcome handed to its model try', () => {
  for (const monitor of [false, true]) {
    const path = monitor ? 'an attempt with a deadline' : 'a plain attempt';

    it(`${path}: a function returning a plain value succeeds, and its usage is settled before run resolves`, async () => {
      const clock = createFakeClock({ start: Date.UTC(2026, 0, 1, 12) });
      const client = new ResilientClient({ models: ['a', 'b'], clock, retry: false, ...(monitor ? {} : { monitor: false }), budget: { day: { maxTokens: 10_000 } }, timeoutMs: monitor ? 5_000 : undefined });
      const seen = events(client);
      const fn = (() => answer) as unknown as AttemptFn<typeof answer>;
      await expect(client.run(fn, { estimate: { inputTokens: 10, outputTokens: 10 } })).resolves.toBe(answer);
      const day = (await client.budget!.snapshot()).scopes.find((s) => s.scope === 'day')!;
      expect(day).toMatchObject({ usedTokens: 300, reservedTokens: 0 });
      expect(seen).toEqual(['attempt a 1', 'success a 1']);
      client.dispose();
    });

    it(`${path}: a function that throws at once moves the call on to the next model`, async () => {
      const client = new ResilientClient({ models: ['a', 'b'], clock: createFakeClock(), retry: false, ...(monitor ? {} : { monitor: false }), timeoutMs: monitor ? 5_000 : undefined });
      const seen = events(client);
      const value = await client.run((ctx) => {
        if (ctx.model === 'a') throw Object.assign(new Error('boom'), { status: 500 });
        return Promise.resolve('from b');
      });
      expect(value).toBe('from b');
      expect(seen).toEqual(['attempt a 1', 'failure a 1 server', 'attempt b 1', 'success b 1']);
      client.dispose();
    });

    it(`${path}: dispose() ends an attempt whose function ignores its signal, and the try's failure steps run after dispose() returns`, async () => {
      const client = new ResilientClient({ models: ['a', 'b'], clock: createFakeClock(), retry: false, ...(monitor ? {} : { monitor: false }), timeoutMs: monitor ? 5_000 : undefined });
      let disposing = false;
      const during: string[] = [];
      client.on('failure', (e) => {
        if (disposing) during.push(e.model);
      });
      const p = client.run(never).catch((e: unknown) => e);
      await Promise.resolve();
      disposing = true;
      client.dispose();
      disposing = false;
      const error = await p;
      expect(isDisposedError(error) || causes(error).some(isDisposedError)).toBe(true);
      expect(during).toEqual([]);
    });
  }

  it('two attempts timing out at the same instant both time out and each call goes on to its next model', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['a', 'b'], clock, retry: false, monitor: false, timeoutMs: 1_000 });
    const seen = events(client);
    const fn = (ctx: { model: string }) => (ctx.model === 'a' ? never() : Promise.resolve(`ok ${ctx.model}`));
    const calls = [client.run(fn), client.run(fn)];
    await Promise.resolve();
    await clock.advance(1_000);
    await expect(Promise.all(calls)).resolves.toEqual(['ok b', 'ok b']);
    expect(seen.filter((s) => s.startsWith('failure'))).toEqual(['failure a 1 timeout', 'failure a 1 timeout']);
    expect(clock.pending()).toBe(0);
    client.dispose();
  });

  it('a timeout then a retry on the same model: the retry’s success is the call’s', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['a'], clock, retry: { maxRetries: 1, initialDelayMs: 10, maxDelayMs: 10, jitter: 'none' }, monitor: false, timeoutMs: 1_000 });
    const seen = events(client);
    let n = 0;
    const p = client.run(() => (++n === 1 ? never() : Promise.resolve('second')));
    await clock.advance(1_000);
    await clock.advance(10);
    await expect(p).resolves.toBe('second');
    expect(seen).toEqual(['attempt a 1', 'failure a 1 timeout', 'attempt a 2', 'success a 2']);
    client.dispose();
  });
});

describe('the kept signal and the chain asked for last', () => {
  it('one client’s dispose() ends its own attempts only, in whatever order the clients were used', async () => {
    const clock = createFakeClock();
    const make = () => new ResilientClient({ models: ['m'], clock, retry: false, monitor: false, timeoutMs: 60_000 });
    const a = make();
    const b = make();
    const pa = a.run(never).catch((e: unknown) => e);
    const pb = b.run(never).catch((e: unknown) => e);
    const pa2 = a.run(never).catch((e: unknown) => e);
    let bSettled = false;
    void pb.then(() => (bSettled = true));
    a.dispose();
    for (const e of [await pa, await pa2]) expect(isDisposedError(e) || causes(e).some(isDisposedError)).toBe(true);
    await Promise.resolve();
    expect(bSettled).toBe(false);
    // b's attempts still end with b, after a's signal (asked for last) went.
    const pb2 = b.run(never).catch((e: unknown) => e);
    b.dispose();
    for (const e of [await pb, await pb2]) expect(isDisposedError(e) || causes(e).some(isDisposedError)).toBe(true);
    expect(isTimeoutError(await pb)).toBe(false);
  });

  it('two frozen chains asked for in turn each get their own later models', () => {
    const one = Object.freeze(['a', 'b', 'c']);
    const two = Object.freeze(['x', 'y']);
    for (let i = 0; i < 3; i++) {
      expect(laterOf(one, 0)).toEqual(['b', 'c']);
      expect(laterOf(two, 0)).toEqual(['y']);
      expect(laterOf(one, 1)).toEqual(['c']);
      expect(laterOf(two, 1)).toBeUndefined();
    }
  });
});
