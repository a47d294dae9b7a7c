import { describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { Flights } from '../../src/limits/flights.js';
import type { ModelState } from '../../src/limits/learn.js';
import { createFakeClock } from '../../src/testing/index.js';

/*
 * The client's own admission keeps an attempt's flight as its number and ends
 * it with `flights.end(seq, slot)` rather than a release closure per call
 * (decision 0063). Each attempt admitted gives its concurrency slot back
 * exactly once, on every road out of the attempt.
 */

const boom = () => Object.assign(new Error('upstream'), { status: 500 });

function client(limits: Record<string, unknown>) {
  const clock = createFakeClock();
  const c = new ResilientClient({ models: ['a'], clock, monitor: false, retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 1, budget: false }, limits: { models: { a: { maxConcurrent: 1, ...limits } } } });
  return { c, clock };
}

describe.each([
  ['no bucket (admitted at once, bare)', {}],
  ['a request bucket (admitted at once, weighed)', { requestsPerMinute: 1_000 }],
])('an attempt admitted by the client’s own limiter, %s', (_name, limits) => {
  it('gives its slot back once per success: in flight 0 after each call, never below', async () => {
    const { c } = client(limits);
    for (let i = 0; i < 5; i++) {
      await expect(c.run(() => 'ok')).resolves.toBe('ok');
      expect(c.snapshot().limits.a?.inFlight).toBe(0);
    }
    c.dispose();
  });

  it('gives its slot back once per failed attempt, retried and finally failed', async () => {
    const { c, clock } = client(limits);
    let n = 0;
    const retried = c.run(() => (++n < 3 ? Promise.reject(boom()) : 'third'));
    await clock.advance(10);
    await expect(retried).resolves.toBe('third');
    expect(c.snapshot().limits.a?.inFlight).toBe(0);
    const failed = c.run(() => Promise.reject(boom())).then(() => 'resolved', (e: unknown) => e);
    await clock.advance(10);
    expect(await failed).toBeInstanceOf(Error);
    expect(c.snapshot().limits.a?.inFlight).toBe(0);
    c.dispose();
  });

  it('lets the next call in at once: a slot left held would queue it, one given back twice would let two in', async () => {
    const { c, clock } = client(limits);
    await c.run(() => 'ok');
    let running = 0;
    let most = 0;
    const calls = Array.from({ length: 3 }, () =>
      c.run(async () => {
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
        running--;
        return 'ok';
      }),
    );
    await clock.advance(50);
    await expect(Promise.all(calls)).resolves.toEqual(['ok', 'ok', 'ok']);
    expect(most).toBe(1);
    expect(c.snapshot().limits.a?.inFlight).toBe(0);
    c.dispose();
  });
});

describe('Flights.begin and end', () => {
  it('end marks the call ended (no longer counted in flight) and frees the slot it took, once', () => {
    const flights = new Flights(8);
    const s = { inFlight: 1, slotWaiters: [] as (() => void)[] } as unknown as ModelState;
    const first = flights.begin(1);
    flights.begin(1);
    expect(flights.since('requests')).toBe(2);
    flights.end(first, s);
    expect(s.inFlight).toBe(0);
    expect(flights.since('requests')).toBe(1);
  });

  it('start’s release is idempotent: the slot is freed once however often it is called', () => {
    const flights = new Flights(8);
    const s = { inFlight: 1, slotWaiters: [] as (() => void)[] } as unknown as ModelState;
    let then = 0;
    const release = flights.start(1, () => then++, s);
    release();
    release();
    expect(s.inFlight).toBe(0);
    expect(then).toBe(1);
    expect(flights.since('requests')).toBe(0);
  });
});
