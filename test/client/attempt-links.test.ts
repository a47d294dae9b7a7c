import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runAttempt } from '../../src/client/attempt.js';
import { Callbacks, keepAbortListener, keptCallbacks } from '../../src/clock/signals.js';
import { Deadlines } from '../../src/clock/deadlines.js';
import { createFakeClock } from '../../src/testing/index.js';

/*
 * An attempt that ends leaves nothing behind: its entry on the dispose list
 * (the client's kept dispose signal, or the plain attempt's list), its own
 * listener on a dispose signal that is not kept, its listener on the caller's
 * signal, and its timeout. A link left behind grows the list with every call
 * and would run the ended attempt's abort on dispose.
 */

const target = { key: 'm', model: 'm' };
const call = (extra: { timeoutMs?: number; signal?: AbortSignal } = {}) => ({ taskId: undefined, run: undefined, onHeaders: undefined, timeoutMs: extra.timeoutMs, signal: extra.signal });
const settle = async (p: Promise<unknown>) => {
  await p.then(
    () => undefined,
    () => undefined,
  );
};

describe('an attempt that ends', () => {
  for (const outcome of ['succeeds', 'fails', 'times out'] as const) {
    const fn = (): Promise<string> => (outcome === 'succeeds' ? Promise.resolve('ok') : outcome === 'fails' ? Promise.reject(new Error('boom')) : new Promise(() => {}));

    it(`with a timeout, on a kept dispose signal, leaves no entry on it and no deadline when it ${outcome}`, async () => {
      const clock = createFakeClock();
      const dispose = new AbortController();
      keepAbortListener(dispose.signal);
      const deadlines = new Deadlines(clock);
      const caller = new AbortController();
      const attempt = runAttempt(fn, target, 1, call({ timeoutMs: 1_000, signal: caller.signal }) as never, clock, dispose.signal, new Callbacks<unknown>(), deadlines);
      expect(keptCallbacks(dispose.signal)!.size).toBe(1);
      if (outcome === 'times out') clock.advance(1_000);
      await settle(attempt);
      expect(keptCallbacks(dispose.signal)!.size).toBe(0);
      expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
      expect(clock.pending()).toBe(0);
    });

    it(`with a timeout, on a dispose signal not kept, removes its listener when it ${outcome}`, async () => {
      const clock = createFakeClock();
      const dispose = new AbortController();
      const attempt = runAttempt(fn, target, 1, call({ timeoutMs: 1_000 }) as never, clock, dispose.signal, new Callbacks<unknown>(), new Deadlines(clock));
      expect(getEventListeners(dispose.signal, 'abort')).toHaveLength(1);
      if (outcome === 'times out') clock.advance(1_000);
      await settle(attempt);
      expect(getEventListeners(dispose.signal, 'abort')).toHaveLength(0);
    });
  }

  for (const outcome of ['succeeds', 'fails'] as const) {
    it(`without a timeout or a signal leaves no entry on the dispose list when it ${outcome}`, async () => {
      const clock = createFakeClock();
      const dispose = new AbortController();
      const onDispose = new Callbacks<unknown>();
      const fn = () => (outcome === 'succeeds' ? Promise.resolve('ok') : Promise.reject(new Error('boom')));
      const attempt = runAttempt(fn, target, 1, call() as never, clock, dispose.signal, onDispose, new Deadlines(clock));
      expect(onDispose.size).toBe(1);
      await settle(attempt);
      expect(onDispose.size).toBe(0);
    });
  }
});
