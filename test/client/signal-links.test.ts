/**
 * Many calls share one caller signal, and every call shares the client's
 * dispose signal: linking to them must not grow with the number of calls
 * (no MaxListenersExceededWarning, no references left behind by AbortSignal.any).
 */
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { FakeAPIError, createFakeClock } from '../../src/testing/index.js';
import { hops } from './stages.js';

/** Node 20 keeps, in a source signal, a weak reference to each signal AbortSignal.any() built from it. */
function dependants(signal: AbortSignal): number {
  const sym = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const set = sym ? (signal as unknown as Record<symbol, Set<unknown> | undefined>)[sym] : undefined;
  return set?.size ?? 0;
}

function captureWarnings(): { warnings: string[]; stop: () => void } {
  const warnings: string[] = [];
  const on = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', on);
  return { warnings, stop: () => process.off('warning', on) };
}

afterEach(() => vi.restoreAllMocks());

describe('one caller signal shared by many concurrent calls', () => {
  for (const timeoutMs of [undefined, 60_000]) {
    it(`holds at most one listener on it and prints no MaxListenersExceededWarning (timeoutMs ${timeoutMs ?? 'unset'})`, async () => {
      const clock = createFakeClock();
      const client = new ResilientClient({ models: ['m'], clock, ...(timeoutMs ? { timeoutMs } : {}) });
      const controller = new AbortController();
      const { warnings, stop } = captureWarnings();
      const pending = Array.from({ length: 25 }, () => client.run(() => new Promise(() => {}), { signal: controller.signal }).catch((e: unknown) => e));
      await clock.flush();
      await new Promise((r) => setImmediate(r));
      expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
      controller.abort(new Error('stop'));
      const results = await Promise.all(pending);
      expect(results.every((e) => (e as Error).message === 'stop')).toBe(true);
      await new Promise((r) => setImmediate(r));
      stop();
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
      client.dispose();
    });
  }

  it('calls settled normally leave no listener on the caller signal', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['m'], clock, timeoutMs: 1_000 });
    const signal = new AbortController().signal;
    await Promise.all(Array.from({ length: 25 }, () => client.run(async () => 'ok', { signal })));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    client.dispose();
  });

  it('calls waiting in the limiter hold at most one listener on it', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['m'], clock, limits: { models: { m: { maxConcurrent: 1 } } } });
    const controller = new AbortController();
    const { warnings, stop } = captureWarnings();
    let release!: () => void;
    const blocker = client.run(() => new Promise<string>((r) => (release = () => r('done'))));
    await hops();
    const waiting = Array.from({ length: 15 }, () => client.run(async () => 'late', { signal: controller.signal }).catch((e: unknown) => e));
    await hops();
    expect(getEventListeners(controller.signal, 'abort').length).toBeLessThanOrEqual(1);
    controller.abort(new Error('gave up'));
    expect((await Promise.all(waiting)).map((e) => (e as Error).message)).toEqual(Array(15).fill('gave up'));
    release();
    await blocker;
    await new Promise((r) => setImmediate(r));
    stop();
    expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
    client.dispose();
  });
});

describe('retries with a caller signal link without growth', () => {
  it('leaves nothing in the long-lived caller and dispose signals after 600 backoff sleeps', async () => {
    const clock = createFakeClock();
    const client = new ResilientClient({ models: ['m'], clock, breaker: false, monitor: false, retry: { maxRetries: 3, initialDelayMs: 10, jitter: 'none', budget: false } });
    let disposeSignal: AbortSignal | undefined;
    await client.run((ctx) => (disposeSignal = ctx.signal)); // the common path hands the attempt the client's dispose signal
    const any = vi.spyOn(AbortSignal, 'any');
    const app = new AbortController(); // e.g. the application's shutdown signal, passed to every call
    let n = 0;
    const fn = () => {
      if (++n % 4 !== 0) throw new FakeAPIError(503, '503', { type: 'api_error' });
      return 'ok';
    };
    for (let i = 0; i < 200; i++) {
      const p = client.run(fn, { signal: app.signal });
      await clock.advance(100);
      await p;
    }
    expect(n).toBe(800); // 600 retries
    expect(any).not.toHaveBeenCalled();
    expect(dependants(app.signal)).toBe(0);
    expect(dependants(disposeSignal!)).toBe(0);
    expect(getEventListeners(app.signal, 'abort')).toHaveLength(0);
    client.dispose();
  });
});
