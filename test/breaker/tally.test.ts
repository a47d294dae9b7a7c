import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { describe, expect, it, vi } from 'vitest';
import { ModelBreaker, type OpenReason } from '../../src/breaker/breaker.js';
import { BREAKER_DEFAULTS, type ResolvedBreaker } from '../../src/breaker/options.js';
import { ResilientClient } from '../../src/index.js';
import { type FakeClock, createFakeClock } from '../../src/testing/index.js';

/*
 * A breaker creates its opossum instance only when first needed (its first
 * counted failure, or an open of ours); until then a tally counts the calls,
 * and it is replayed into opossum's window, bucket by bucket, when it is made.
 */

const made = vi.hoisted(() => ({ count: 0 }));
vi.mock('opossum', async (importOriginal) => {
  const Original = (await importOriginal<{ default: typeof CircuitBreaker }>()).default;
  class Counted extends Original {
    constructor(...args: ConstructorParameters<typeof CircuitBreaker>) {
      super(...args);
      made.count++;
    }
  }
  return { default: Counted };
});

const failure = () => Object.assign(new Error('503'), { status: 503 });
const neutralError = () => Object.assign(new Error('400'), { neutral: true });
const isNeutral = (error: unknown) => (error as { neutral?: boolean }).neutral === true;

function breaker(clock: FakeClock, options: ResolvedBreaker = BREAKER_DEFAULTS) {
  const transitions: { state: string; reason?: OpenReason }[] = [];
  const b = new ModelBreaker('m', options, clock, { onTransition: (_m, state, _r, open) => transitions.push({ state, ...(open ? { reason: open.reason } : {}) }) });
  return { b, transitions };
}

describe('a breaker without failures holds no opossum instance', () => {
  it('creates it at the first counted failure, not for successes or neutral failures', async () => {
    const clock = createFakeClock();
    made.count = 0;
    const { b, transitions } = breaker(clock);
    for (let i = 0; i < 200; i++) await b.execute(async () => 'ok', isNeutral);
    for (let i = 0; i < 50; i++) await b.execute(() => Promise.reject(neutralError()), isNeutral).catch(() => {});
    expect(made.count).toBe(0);
    expect(b.info()).toEqual({ state: 'closed', retryAfterMs: 0, openMs: 0, trips: 0, openPeriodMs: BREAKER_DEFAULTS.resetTimeoutMs, slowCalls: 0, calls: 0 });
    await b.execute(() => Promise.reject(failure()), isNeutral).catch(() => {});
    expect(made.count).toBe(1);
    // 250 calls in the window, one failure: far below the error rate.
    expect(b.state()).toBe('closed');
    expect(transitions).toEqual([]);
    b.dispose();
  });

  it('a client whose models only succeed makes none, and its snapshot reads closed with nothing counted', async () => {
    const clock = createFakeClock();
    made.count = 0;
    const client = new ResilientClient({ models: ['a', 'b'], clock, random: () => 0.5 });
    for (const model of ['a', 'b', 'c']) await client.run(async () => 'ok', { models: [model] });
    expect(made.count).toBe(0);
    const { breakers } = client.snapshot();
    for (const model of ['a', 'b', 'c']) expect(breakers[model]).toMatchObject({ state: 'closed', retryAfterMs: 0, openMs: 0, trips: 0, slowCalls: 0, calls: 0 });
    client.dispose();
  });

  it('opens on slow calls alone, creating it then', async () => {
    const clock = createFakeClock();
    made.count = 0;
    const { b, transitions } = breaker(clock, { ...BREAKER_DEFAULTS, volumeThreshold: 2, slowCallDurationMs: 100 });
    for (let i = 0; i < 2; i++) {
      await b.execute(async () => 'ok', isNeutral);
      b.noteDuration(500, undefined);
    }
    expect(made.count).toBe(1);
    expect(transitions).toEqual([{ state: 'open', reason: 'slow_calls' }]);
    await expect(b.execute(async () => 'ok', isNeutral)).rejects.toThrow(/open/i);
    b.dispose();
  });

  it('a call that outlives dispose() and fails opens nothing', async () => {
    const clock = createFakeClock();
    const { b, transitions } = breaker(clock, { ...BREAKER_DEFAULTS, volumeThreshold: 0 });
    let fail!: (e: unknown) => void;
    const pending = b.execute(() => new Promise((_, reject) => (fail = reject)), isNeutral).catch(() => {});
    b.dispose();
    fail(failure());
    await pending;
    expect(transitions).toEqual([]);
  });
});

/*
 * The same calls, at the same moments of the fake clock, through our breaker
 * and through a plain opossum breaker whose window is rotated at the same
 * bucket boundaries: each must open at the same call. The replay puts every
 * call the tally counted back in the bucket it was made in, so it leaves the
 * window when it would have; counted all in the bucket of the first failure
 * instead, old successes would linger and hold the breaker closed.
 */
type Step = '+' | '-' | '0' | number; // success, counted failure, neutral failure, advance the clock (ms)

async function openedAt(steps: readonly Step[], through: 'ours' | 'opossum', options = BREAKER_DEFAULTS): Promise<number> {
  const clock = createFakeClock();
  const bucketMs = options.rollingWindowMs / options.rollingBuckets;
  let call: (thunk: () => Promise<unknown>) => Promise<unknown>;
  let isOpen: () => boolean;
  let done: () => void;
  if (through === 'ours') {
    const { b } = breaker(clock, options);
    call = (thunk) => b.execute(thunk, isNeutral);
    isOpen = () => b.state() === 'open';
    done = () => b.dispose();
  } else {
    const rotation = new EventEmitter();
    const cb = new CircuitBreaker((thunk: () => Promise<unknown>) => thunk(), {
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage,
      volumeThreshold: options.volumeThreshold,
      rollingCountTimeout: options.rollingWindowMs,
      rollingCountBuckets: options.rollingBuckets,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: rotation,
      errorFilter: isNeutral,
    });
    let last = clock.now();
    call = (thunk) => {
      for (; clock.now() - last >= bucketMs; last += bucketMs) rotation.emit('rotate');
      return cb.fire(thunk);
    };
    isOpen = () => cb.opened;
    done = () => cb.shutdown();
  }
  try {
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (typeof s === 'number') await clock.advance(s);
      else await call(() => (s === '+' ? Promise.resolve('ok') : Promise.reject(s === '-' ? failure() : neutralError()))).catch(() => {});
      if (isOpen()) return i;
    }
    return -1;
  } finally {
    done();
  }
}

const times = (n: number, s: Step): Step[] => Array.from({ length: n }, () => s);

describe('the replayed window decides as opossum decides', () => {
  it.each<[string, Step[], number]>([
    ['successes still in the window keep it closed', [...times(6, '+'), 9_999, ...times(5, '-')], -1],
    ['successes past the window no longer count', [...times(6, '+'), 10_000, ...times(5, '-')], 11],
    ['old successes leave on time after the first failure made opossum', [...times(10, '+'), 5_000, '-', 5_500, ...times(4, '-')], 16],
    ['successes spread over the buckets leave one bucket at a time', [...times(3, '+'), 3_000, ...times(3, '+'), 3_000, '0', '0', 3_000, '-', 1_500, ...times(5, '-')], 17],
    ['a long idle spell empties the window', [...times(20, '+'), 60_000, ...times(5, '-')], 25],
  ])('%s', async (_, steps, expected) => {
    const reference = await openedAt(steps, 'opossum');
    expect(reference).toBe(expected);
    expect(await openedAt(steps, 'ours')).toBe(reference);
  });
});
