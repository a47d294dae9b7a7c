import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResilientClient, isAllModelsFailedError, type BreakerOptions, type BreakerState } from '../../src/index.js';
import { FakeAPIError, createFakeClock } from '../../src/testing/index.js';

/**
 * The breaker, driven through the client with `retry: false` and one model,
 * against a reference model written from opossum's rules
 * (node_modules/opossum/lib/circuit.js `fail()`):
 * - closed: on a failure, open when fires ≥ volumeThreshold and
 *   failures / fires × 100 > errorThresholdPercentage, counting the rolling
 *   window (the current bucket and the `buckets − 1` before it);
 * - open: refuse without calling the provider until the open period has passed
 *   on the clock; the next call then finds it half-open with a fresh window.
 *   The open period is resetTimeoutMs × 2^(trips − 1), capped at
 *   max(resetTimeoutMs, maxResetTimeoutMs); trips start over after a
 *   successful probe, and when the breaker had been closed for
 *   max(resetTimeoutMs, maxResetTimeoutMs) before opening;
 * - half-open: one probe; success closes, failure re-opens.
 * Neutral outcomes (a 400) never count as failures: opossum's errorFilter
 * counts them as successes, and a neutral half-open probe leaves the breaker
 * half-open with a fresh window.
 */

type Op = { readonly t: 'ok' | 'fail' | 'neutral' } | { readonly t: 'wait'; readonly ms: number };
type Transition = 'open' | 'half-open' | 'closed';
type Options = Pick<Required<BreakerOptions>, 'errorThresholdPercentage' | 'volumeThreshold' | 'rollingWindowMs' | 'rollingBuckets' | 'resetTimeoutMs' | 'maxResetTimeoutMs'>;

class ReferenceBreaker {
  state: BreakerState = 'closed';
  readonly transitions: Transition[] = [];
  #created = false;
  #origin = 0;
  #openedAt = 0;
  #openFor = 0;
  #trips = 0;
  #closedSince = Number.NEGATIVE_INFINITY;
  #events: { bucket: number; failure: boolean }[] = [];
  readonly #bucketMs: number;

  constructor(readonly o: Options) {
    this.#bucketMs = o.rollingWindowMs / o.rollingBuckets;
  }

  #bucket(now: number): number {
    return Math.floor((now - this.#origin) / this.#bucketMs);
  }

  #fresh(now: number): void {
    this.#origin = now;
    this.#events = [];
  }

  /** What `breakerState()` reads at `now`, without a call. */
  read(now: number): BreakerState {
    if (this.state === 'open' && now - this.#openedAt >= this.#openFor) return 'half-open';
    return this.state;
  }

  /** Returns whether the provider is called. */
  call(now: number, outcome: 'ok' | 'fail' | 'neutral'): boolean {
    if (!this.#created) {
      this.#created = true; // the client creates a model's breaker on its first call
      this.#fresh(now);
    }
    if (this.state === 'open' && now - this.#openedAt >= this.#openFor) {
      this.state = 'half-open';
      this.transitions.push('half-open');
      this.#fresh(now);
    }
    if (this.state === 'open') return false;
    const b = this.#bucket(now);
    if (outcome === 'neutral' && this.state === 'half-open') {
      this.#fresh(now);
      return true;
    }
    this.#events.push({ bucket: b, failure: outcome === 'fail' });
    if (outcome !== 'fail') {
      if (this.state === 'half-open') {
        this.state = 'closed';
        this.#closedSince = now;
        this.#trips = 0;
        this.transitions.push('closed');
      }
      return true;
    }
    if (this.state === 'half-open') return this.#open(now);
    const inWindow = this.#events.filter((e) => e.bucket > b - this.o.rollingBuckets);
    const fires = inWindow.length;
    const failures = inWindow.filter((e) => e.failure).length;
    if (fires >= this.o.volumeThreshold && (failures / fires) * 100 > this.o.errorThresholdPercentage) this.#open(now);
    return true;
  }

  #open(now: number): true {
    const cap = Math.max(this.o.resetTimeoutMs, this.o.maxResetTimeoutMs);
    if (this.state === 'closed' && now - this.#closedSince >= cap) this.#trips = 0;
    this.#trips++;
    this.#openFor = Math.min(cap, this.o.resetTimeoutMs * 2 ** (this.#trips - 1));
    this.state = 'open';
    this.#openedAt = now;
    this.transitions.push('open');
    return true;
  }
}

const breakerOptions = fc
  .record({
    errorThresholdPercentage: fc.oneof(fc.constantFrom(0, 25, 50, 75, 100), fc.integer({ min: 0, max: 100 })),
    volumeThreshold: fc.integer({ min: 0, max: 8 }),
    rollingBuckets: fc.constantFrom(1, 2, 4, 5, 10),
    bucketMs: fc.integer({ min: 50, max: 2_000 }),
    resetTimeoutMs: fc.integer({ min: 1, max: 10_000 }),
    maxResetTimeoutMs: fc.integer({ min: 1, max: 40_000 }),
  })
  // Whole-millisecond buckets keep the reference free of float drift.
  .map(({ bucketMs, ...o }) => ({ ...o, rollingWindowMs: bucketMs * o.rollingBuckets }));

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ t: 'ok' } as const) },
  { weight: 4, arbitrary: fc.constant({ t: 'fail' } as const) },
  { weight: 1, arbitrary: fc.constant({ t: 'neutral' } as const) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 12_000 }).map((ms) => ({ t: 'wait', ms }) as const) },
);

describe('breaker against a reference model (property)', () => {
  it('agrees on state, on which calls reach the provider, and on transition events', async () => {
    await fc.assert(
      fc.asyncProperty(breakerOptions, fc.array(op, { minLength: 1, maxLength: 60 }), async (options, ops) => {
        const clock = createFakeClock();
        const client = new ResilientClient({ models: ['m'], retry: false, breaker: options, clock });
        const transitions: Transition[] = [];
        client.on('breaker:open', () => void transitions.push('open'));
        client.on('breaker:half-open', () => void transitions.push('half-open'));
        client.on('breaker:close', () => void transitions.push('closed'));
        const ref = new ReferenceBreaker(options);
        try {
          for (const [i, o] of ops.entries()) {
            if (o.t === 'wait') {
              await clock.advance(o.ms);
              expect(client.breakerState('m'), `state after op ${i}`).toBe(ref.read(clock.now()));
              continue;
            }
            let called = false;
            const outcome = await client
              .run(() => {
                called = true;
                if (o.t === 'fail') throw new FakeAPIError(500, '500 Internal server error', { type: 'api_error' });
                if (o.t === 'neutral') throw new FakeAPIError(400, '400 Bad request', { type: 'invalid_request_error' });
                return 'ok';
              })
              .then(
                () => 'resolved',
                (e: unknown) => (isAllModelsFailedError(e) ? e.failures[0]!.reason : (e as FakeAPIError).status === 400 ? 'bad_request' : 'other'),
              );
            const expected = ref.call(clock.now(), o.t);
            expect(called, `provider called at op ${i}`).toBe(expected);
            expect(outcome, `outcome of op ${i}`).toBe(!expected ? 'circuit_open' : o.t === 'ok' ? 'resolved' : o.t === 'fail' ? 'server' : 'bad_request');
            expect(client.breakerState('m'), `state after op ${i}`).toBe(ref.read(clock.now()));
          }
          expect(transitions).toEqual(ref.transitions);
        } finally {
          client.dispose();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the reference model itself opens on a plain failure streak (guards the model against being vacuous)', () => {
    const ref = new ReferenceBreaker({ errorThresholdPercentage: 50, volumeThreshold: 5, rollingWindowMs: 10_000, rollingBuckets: 10, resetTimeoutMs: 30_000, maxResetTimeoutMs: 120_000 });
    const allowed = [0, 1, 2, 3, 4, 5].map((i) => ref.call(i, 'fail'));
    expect(allowed).toEqual([true, true, true, true, true, false]);
    expect(ref.read(30_004)).toBe('half-open');
    expect(ref.call(30_004, 'ok')).toBe(true);
    expect(ref.transitions).toEqual(['open', 'half-open', 'closed']);
  });

  it('the reference model doubles the open period on a failed probe (guards the learned period)', () => {
    const ref = new ReferenceBreaker({ errorThresholdPercentage: 0, volumeThreshold: 1, rollingWindowMs: 10_000, rollingBuckets: 10, resetTimeoutMs: 1_000, maxResetTimeoutMs: 3_000 });
    ref.call(0, 'fail');
    expect(ref.read(1_000)).toBe('half-open');
    ref.call(1_000, 'fail');
    expect(ref.read(2_999)).toBe('open');
    expect(ref.read(3_000)).toBe('half-open');
    ref.call(3_000, 'fail');
    expect(ref.read(5_999)).toBe('open'); // capped at 3 s, not 4 s
    expect(ref.read(6_000)).toBe('half-open');
  });
});
