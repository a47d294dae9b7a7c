import { describe, expect, it } from 'vitest';
import { ResilientClient, isAllModelsFailedError, isDisposedError, isTimeoutError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';

/*
 * An attempt with a deadline builds its own AbortController only when the
 * function reads `ctx.signal`. Whenever it is built, it must abort exactly as
 * an eagerly built one would: on the timeout, the caller's abort and dispose,
 * and born aborted when read after the attempt already ended.
 */
function setup() {
  const clock = createFakeClock();
  const client = new ResilientClient({ models: ['m'], clock, retry: false, monitor: false, timeoutMs: 1_000 });
  return { clock, client };
}

const never = () => new Promise<never>(() => {});
/** The attempt's own error behind the call's AllModelsFailedError (one model). */
const cause = (error: unknown): unknown => (isAllModelsFailedError(error) ? error.failures[0]?.error : undefined);

describe('the signal of an attempt with a deadline', () => {
  it('the timeout fires on the clock and aborts a signal read at the start, with the TimeoutError', async () => {
    const { clock, client } = setup();
    let signal: AbortSignal | undefined;
    const p = client.run((ctx) => {
      signal = ctx.signal;
      return never();
    }).catch((e: unknown) => e);
    await clock.advance(999);
    expect(signal!.aborted).toBe(false);
    await clock.advance(1);
    const error = await p;
    expect(signal!.aborted).toBe(true);
    expect(isTimeoutError(signal!.reason)).toBe(true);
    expect(cause(error)).toBe(signal!.reason);
    expect(clock.pending()).toBe(0);
  });

  it('a function that never reads the signal still ends at the timeout', async () => {
    const { clock, client } = setup();
    const p = client.run(never).catch((e: unknown) => e);
    await clock.advance(1_000);
    expect(isTimeoutError(cause(await p))).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('a signal first read after the timeout is born aborted with the same reason', async () => {
    const { clock, client } = setup();
    let read: (() => AbortSignal) | undefined;
    const p = client.run((ctx) => {
      read = () => ctx.signal;
      return never();
    }).catch((e: unknown) => e);
    await clock.advance(1_000);
    const error = await p;
    const signal = read!();
    expect(signal.aborted).toBe(true);
    expect(isTimeoutError(signal.reason)).toBe(true);
    expect(signal.reason).toBe(cause(error));
  });

  it('a signal read late, while the attempt runs, aborts with the caller’s reason', async () => {
    const { clock, client } = setup();
    const ac = new AbortController();
    let read: (() => AbortSignal) | undefined;
    const p = client.run((ctx) => {
      read = () => ctx.signal;
      return never();
    }, { signal: ac.signal }).catch((e: unknown) => e);
    await clock.advance(10);
    const signal = read!();
    expect(signal.aborted).toBe(false);
    const reason = new Error('caller stop');
    ac.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
    expect(await p).toBe(reason);
    expect(clock.pending()).toBe(0);
  });

  it('dispose aborts the signal and ends the attempt with DisposedError', async () => {
    const { clock, client } = setup();
    let signal: AbortSignal | undefined;
    const p = client.run((ctx) => {
      signal = ctx.signal;
      return never();
    }).catch((e: unknown) => e);
    await clock.advance(10);
    client.dispose();
    expect(isDisposedError(await p)).toBe(true);
    expect(signal!.aborted).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('a success before the deadline clears the timer, and a later caller abort no longer reaches the signal', async () => {
    const { clock, client } = setup();
    const ac = new AbortController();
    let signal: AbortSignal | undefined;
    const value = await client.run((ctx) => {
      signal = ctx.signal;
      return Promise.resolve('ok');
    }, { signal: ac.signal });
    expect(value).toBe('ok');
    expect(clock.pending()).toBe(0);
    ac.abort(new Error('too late'));
    expect(signal!.aborted).toBe(false);
  });

  it('a late answer after the timeout is dropped: the call ends with the timeout', async () => {
    const { clock, client } = setup();
    let answer!: (v: string) => void;
    const p = client.run(() => new Promise<string>((r) => (answer = r))).catch((e: unknown) => e);
    await clock.advance(1_000);
    answer('late');
    expect(isTimeoutError(cause(await p))).toBe(true);
  });
});
