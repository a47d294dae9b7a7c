/**
 * The dispose matrix: `dispose()` at every stage of a call, on the common path
 * (no timeout, no caller signal), with a caller signal and with a timeout,
 * breakers on and off. Every pending call rejects with DisposedError at once,
 * nothing of the call starts afterwards, and no timer, listener or reservation
 * is left.
 */
import { describe, expect, it } from 'vitest';
import { isDisposedError } from '../../src/index.js';
import { CALLS, STAGES, type StageOptions, stagedCall } from './stages.js';

const PATHS: readonly { name: string; options: () => StageOptions }[] = [
  { name: 'common path (no timeout, no signal)', options: () => ({}) },
  { name: 'with a caller signal', options: () => ({ signal: new AbortController().signal }) },
  { name: 'with timeoutMs', options: () => ({ timeoutMs: 30_000 }) },
];

describe('dispose matrix: every pending call rejects with DisposedError, nothing starts after', () => {
  for (const breaker of [true, false]) {
    for (const path of PATHS) {
      describe(`${path.name}, ${breaker ? 'breakers on' : 'breaker: false'}`, () => {
        for (const stage of STAGES) {
          it(stage, async () => {
            const options = path.options();
            const call = stagedCall(stage, { ...options, ...(breaker ? {} : { breaker: false as const }) });
            if (stage === 'before start') {
              call.client.dispose();
              call.start();
            } else {
              await call.reach();
              call.client.dispose();
            }
            await call.clock.flush();

            if (stage === 'after commit') {
              // The call had resolved with its stream; dispose ends it.
              expect(call.settled.error).toBeUndefined();
              expect(await call.finish()).toEqual({ chunks: [], error: undefined });
            } else {
              // At once: not after the store, the function or a timer gets round to it.
              expect(call.settled.done).toBe(true);
              expect(isDisposedError(call.settled.error)).toBe(true);
              await call.finish();
            }
            expect(call.calls()).toBe(CALLS[stage]);
            expect(call.retries.filter((r) => r.timestamp > call.clock.now() - 60_000)).toHaveLength(0);
            expect(call.clock.pending()).toBe(0);
            expect(call.client.listenerCount()).toBe(0);
            expect(call.signalListeners()).toBe(0);
            expect(call.client.budget!.openReservations).toBe(0);
            expect((await call.client.budgetSnapshot())!.scopes[0]!.reservedTokens).toBe(0);
          });
        }
      });
    }
  }

  for (const stage of ['attempt (fn ignores its signal)', 'backoff sleep', 'stream priming'] as const) {
    it(`without budget, limiter or shared state, ${stage}: DisposedError at once, nothing left`, async () => {
      const call = stagedCall(stage, { budget: false });
      await call.reach();
      call.client.dispose();
      await call.clock.flush();
      expect(isDisposedError(call.settled.error)).toBe(true);
      await call.finish();
      expect(call.calls()).toBe(1);
      expect(call.clock.pending()).toBe(0);
    });
  }

  // The built-in in-memory store answers at once: such a budget never holds a call between its attempts.
  for (const stage of ['attempt (fn ignores its signal)', 'backoff sleep', 'stream priming'] as const) {
    it(`with a budget on the in-memory store, ${stage}: DisposedError at once, the reservation given back`, async () => {
      const call = stagedCall(stage, { budget: 'memory' });
      await call.reach();
      expect(call.client.budget!.openReservations).toBe(1);
      call.client.dispose();
      await call.clock.flush();
      expect(call.settled.done).toBe(true);
      expect(isDisposedError(call.settled.error)).toBe(true);
      await call.finish();
      expect(call.calls()).toBe(1);
      expect(call.clock.pending()).toBe(0);
      expect(call.client.budget!.openReservations).toBe(0);
      expect((await call.client.budgetSnapshot())!.scopes[0]!.reservedTokens).toBe(0);
    });
  }

  it('a function that ignores its signal: the late result is dropped, the call already rejected', async () => {
    const call = stagedCall('attempt (fn ignores its signal)');
    await call.reach();
    call.client.dispose();
    await call.clock.flush();
    expect(isDisposedError(call.settled.error)).toBe(true);
  });

  it('dispose during a slow budget reserve: DisposedError (not circuit_open), and the function is never called', async () => {
    for (const breaker of [undefined, false as const]) {
      const call = stagedCall('budget reserve', breaker === false ? { breaker } : {});
      await call.reach();
      call.client.dispose();
      call.store.open(); // the store answers only now
      await call.clock.flush();
      expect(isDisposedError(call.settled.error)).toBe(true);
      expect(call.calls()).toBe(0);
      expect(call.client.budget!.openReservations).toBe(0);
    }
  });

  it('run after dispose never calls the function, with or without breakers', async () => {
    for (const breaker of [undefined, false as const]) {
      const call = stagedCall('attempt (fn ignores its signal)', breaker === false ? { breaker } : {});
      call.client.dispose();
      let called = false;
      await expect(call.client.run(() => (called = true))).rejects.toSatisfy(isDisposedError);
      expect(called).toBe(false);
    }
  });
});
