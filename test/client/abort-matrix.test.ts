/**
 * The abort-source matrix: however the caller's signal aborts (a timeout, a
 * combined signal, abort() with no reason, an Error, a string, a DOMException,
 * an error shaped like a provider's 503) and whatever stage the call is in, the
 * call settles with the signal's own reason, is never retried nor moved to
 * another model, counts against no breaker and no monitor window, and leaves
 * no reservation, timer or listener behind.
 */
import { describe, expect, it } from 'vitest';
import { CALLS, STAGES, countedFailures, stagedCall } from './stages.js';

interface Source {
  readonly name: string;
  /** The signal handed to `run`, and what aborts it. */
  make(): { signal: AbortSignal; abort: () => void };
}

const timeoutReason = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');

const SOURCES: readonly Source[] = [
  {
    // The reason AbortSignal.timeout() aborts with; the real one runs on real time (see below).
    name: 'a deadline (TimeoutError, as AbortSignal.timeout)',
    make() {
      const c = new AbortController();
      return { signal: c.signal, abort: () => c.abort(timeoutReason()) };
    },
  },
  {
    name: 'AbortSignal.any([user, deadline]) when the deadline fires',
    make() {
      const user = new AbortController();
      const deadline = new AbortController();
      return { signal: AbortSignal.any([user.signal, deadline.signal]), abort: () => deadline.abort(timeoutReason()) };
    },
  },
  {
    name: 'controller.abort() with no reason',
    make() {
      const c = new AbortController();
      return { signal: c.signal, abort: () => c.abort() };
    },
  },
  {
    name: 'controller.abort(new Error(...))',
    make() {
      const c = new AbortController();
      return { signal: c.signal, abort: () => c.abort(new Error('user stopped')) };
    },
  },
  {
    name: "controller.abort('a string')",
    make() {
      const c = new AbortController();
      return { signal: c.signal, abort: () => c.abort('shutting down') };
    },
  },
  {
    name: 'controller.abort(new DOMException(...))',
    make() {
      const c = new AbortController();
      return { signal: c.signal, abort: () => c.abort(new DOMException('network went away', 'NetworkError')) };
    },
  },
  {
    name: 'controller.abort(an error shaped like a provider 503)',
    make() {
      const c = new AbortController();
      return { signal: c.signal, abort: () => c.abort(Object.assign(new Error('upstream unavailable'), { status: 503 })) };
    },
  },
];

describe('abort-source matrix: the caller abort is the outcome, at every stage', () => {
  for (const source of SOURCES) {
    describe(source.name, () => {
      for (const stage of STAGES) {
        it(stage, async () => {
          const { signal, abort } = source.make();
          const call = stagedCall(stage, { signal });
          if (stage === 'before start') {
            abort();
            call.start();
          } else {
            await call.reach();
            abort();
          }
          await call.clock.flush();

          if (stage === 'after commit') {
            // The call resolved with the stream before the abort; reading ends quietly, as with the SDKs.
            expect(call.settled.error).toBeUndefined();
            const read = await call.finish();
            expect(read).toEqual({ chunks: [], error: undefined });
          } else {
            // Settles at once, even while a store or the function ignores the abort.
            expect(call.settled.done).toBe(true);
            expect(call.settled.error).toBe(signal.reason);
            await call.finish();
          }

          expect(call.calls()).toBe(CALLS[stage]);
          // The only failure counted is the genuine 503 before the backoff.
          const genuine = stage === 'backoff sleep' ? 1 : 0;
          expect(call.failures.filter((f) => f.kind !== 'abort')).toHaveLength(genuine);
          expect(call.retries).toHaveLength(genuine);
          expect(countedFailures(call.client)).toBe(genuine);
          expect(countedFailures(call.client, 'secondary')).toBe(0);
          expect(call.client.breakerState('primary')).toBe('closed');
          expect(call.client.budget!.openReservations).toBe(0);
          const snap = await call.client.budgetSnapshot();
          expect(snap!.scopes[0]!.reservedTokens).toBe(0);
          expect(call.signalListeners()).toBe(0);
          call.client.dispose();
          expect(call.clock.pending()).toBe(0);
        });
      }
    });
  }
});

describe('real AbortSignal.timeout() deadlines (a few ms of real time)', () => {
  const waitAbort = (signal: AbortSignal) => new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));

  it('AbortSignal.timeout during an attempt: rejects with its TimeoutError, no retry, no fallback, breaker untouched', async () => {
    const signal = AbortSignal.timeout(5);
    const call = stagedCall('attempt (fn ignores its signal)', { signal });
    await call.reach();
    await waitAbort(signal);
    await call.clock.flush();
    expect(call.settled.error).toBe(signal.reason);
    expect((call.settled.error as DOMException).name).toBe('TimeoutError');
    await call.finish();
    expect(call.calls()).toBe(1);
    expect(call.retries).toHaveLength(0);
    expect(countedFailures(call.client)).toBe(0);
    call.client.dispose();
  });

  it('AbortSignal.any([user, AbortSignal.timeout()]) during a backoff sleep', async () => {
    const user = new AbortController();
    const signal = AbortSignal.any([user.signal, AbortSignal.timeout(5)]);
    const call = stagedCall('backoff sleep', { signal });
    await call.reach();
    await waitAbort(signal);
    await call.clock.flush();
    expect(call.settled.error).toBe(signal.reason);
    await call.finish();
    expect(call.calls()).toBe(1);
    expect(call.client.breakerState('primary')).toBe('closed');
    call.client.dispose();
  });

  it('a deadline on every call never opens a healthy model’s breaker', async () => {
    const call = stagedCall('attempt (fn ignores its signal)', {});
    for (let i = 0; i < 5; i++) {
      const c = new AbortController();
      const p = call.client.run(() => new Promise(() => {}), { signal: c.signal }).catch((e: unknown) => e);
      await call.clock.flush();
      c.abort(timeoutReason());
      expect(await p).toBe(c.signal.reason);
    }
    expect(call.client.breakerState('primary')).toBe('closed');
    await expect(call.client.run(async () => ({ ok: true }))).resolves.toEqual({ ok: true });
    call.client.dispose();
  });
});
