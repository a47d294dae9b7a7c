import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Flights } from '../../src/limits/flights.js';
import { DIMS, type Dim, unitsOf } from '../../src/limits/learn.js';
import { type Limiter, type Release, createLimiter } from '../../src/limits/limiter.js';
import type { CallWeight } from '../../src/limits/types.js';
import { createFakeClock } from '../../src/testing/index.js';

/**
 * The list of calls in flight as its definition states it: one entry per call sent, in order,
 * with what had been sent before it and whether it ended; past `max` entries the oldest is dropped
 * and the bound is unknown until `max` ended calls have been passed over.
 */
class Reference {
  readonly sent: Record<Dim, number> = { requests: 0, tokens: 0, inputTokens: 0, outputTokens: 0 };
  list: { before: Record<Dim, number>; done: boolean }[] = [];
  lost = 0;
  constructor(readonly max: number) {}

  start(w: CallWeight | number): { done: boolean } {
    const f = { before: { ...this.sent }, done: false };
    for (const dim of DIMS) this.sent[dim] += unitsOf(dim, w);
    if (this.list.length >= this.max) {
      this.list.shift();
      this.lost = this.max;
    }
    this.list.push(f);
    return f;
  }

  since(dim: Dim): number | undefined {
    let i = 0;
    while (i < this.list.length && this.list[i]!.done) i++;
    this.lost = Math.max(0, this.lost - i);
    this.list = this.list.slice(i);
    if (this.lost > 0) return undefined;
    const oldest = this.list[0];
    return oldest ? this.sent[dim] - oldest.before[dim] : 0;
  }
}

const weight = fc.oneof(
  fc.integer({ min: 0, max: 5_000 }),
  fc.double({ min: 0, max: 5_000, noNaN: true }),
  fc.record({ inputTokens: fc.integer({ min: 0, max: 5_000 }), outputTokens: fc.double({ min: 0, max: 2_000, noNaN: true }) }),
);
const step = fc.oneof(
  { arbitrary: fc.record({ start: weight }), weight: 5 },
  { arbitrary: fc.record({ end: fc.nat(), twice: fc.boolean() }), weight: 4 },
  { arbitrary: fc.record({ since: fc.constantFrom(...DIMS) }), weight: 2 },
);

describe('Flights, the calls of a model in flight', () => {
  it('gives what the list of calls it stands for gives, through growth, wrap-around and overflow', () => {
    fc.assert(
      fc.property(fc.constantFrom(4, 16, 64), fc.array(step, { minLength: 100, maxLength: 600, size: 'max' }), (max, steps) => {
        const flights = new Flights(max);
        const reference = new Reference(max);
        const open: { release: Release; entry: { done: boolean }; ended: () => number }[] = [];
        for (const s of steps) {
          if ('start' in s) {
            let calls = 0;
            const release = flights.start(s.start, () => calls++);
            open.push({ release, entry: reference.start(s.start), ended: () => calls });
          } else if ('end' in s) {
            if (open.length === 0) continue;
            const i = s.end % open.length;
            const call = open[i]!;
            call.release();
            if (s.twice) call.release();
            call.entry.done = true;
            expect(call.ended()).toBe(1); // the release is idempotent, and always passes on once
            open.splice(i, 1);
          } else {
            expect(flights.since(s.since)).toBe(reference.since(s.since));
          }
        }
        for (const dim of DIMS) expect(flights.since(dim)).toBe(reference.since(dim));
      }),
      { numRuns: 200 },
    );
  });

  it('counts the output answers gave back since the oldest call still in flight was sent', () => {
    const f = new Flights(2);
    const w = { inputTokens: 10, outputTokens: 1_000 };
    expect(f.refunded()).toBe(0);
    f.refund(300); // before any call listed: never counted
    const a = f.start(w, () => {});
    const b = f.start(w, () => {});
    f.refund(800); // a's answer
    a();
    expect(f.refunded()).toBe(800); // b was sent before it
    const c = f.start(w, () => {}); // a, ended, has left the list: room for c
    f.refund(500); // b's answer
    b();
    expect(f.refunded()).toBe(500);
    c();
    expect(f.refunded()).toBe(0);
    const d = f.start(w, () => {});
    f.start(w, () => {});
    f.start(w, () => {}); // d dropped while in flight: not known until the calls sent since have ended
    expect(f.refunded()).toBeUndefined();
    d();
  });

  it('a release called after its call left the list (dropped past the bound) still passes on, once', () => {
    const flights = new Flights(4);
    let ended = 0;
    const first = flights.start(1, () => ended++);
    for (let i = 0; i < 4; i++) flights.start(1, () => {});
    first();
    first();
    expect(ended).toBe(1);
    expect(flights.since('requests')).toBeUndefined(); // the dropped call's successors are still in flight
  });
});

// The provider's limit in these tests: 60 requests a minute, one a second.
const LIMIT = 60;
const headers = (now: number, remaining: number) => ({ observedAt: now, requests: { limit: LIMIT, remaining } });

let limiter: Limiter | undefined;
afterEach(() => limiter?.dispose());

/** Calls admitted now until the limiter has no room (at most the limit), each ended at once. */
function admitAndEnd(l: Limiter): number {
  let n = 0;
  while (n < LIMIT && l.available('m')) {
    (l.admit('m') as Release)();
    n++;
  }
  return n;
}

describe('calls sent before a model’s first headers', () => {
  /** One call sent before any headers and `after` calls after the first reading; the second reading shows the provider's room unchanged. */
  async function secondReading(firstEnds: boolean): Promise<number> {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    const first = limiter.admit('m') as Release; // no headers yet
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), LIMIT - 1)); // the provider counted it
    expect(admitAndEnd(limiter)).toBe(LIMIT - 1); // sent and ended without reaching the provider
    if (firstEnds) first();
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), LIMIT - 1));
    const n = admitAndEnd(limiter);
    if (!firstEnds) first();
    return n;
  }

  it('still in flight, bound what a later reading gives back: the headers may predate everything sent since', async () => {
    // 59 left at the reading, less the 1 + 59 calls sent since the oldest in flight: nothing above the own count.
    expect(await secondReading(false)).toBe(0);
  });

  it('once ended, no longer do: the room the headers show is taken back', async () => {
    expect(await secondReading(true)).toBe(LIMIT - 1);
  });

  it('past 1,024 in flight, the oldest is dropped: no room is taken back until every call sent after it has ended', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    const calls = Array.from({ length: 1_025 }, () => limiter!.admit('m') as Release);
    for (const release of calls.slice(1, -1)) release(); // the first (dropped) and the last stay in flight
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), LIMIT - 1));
    expect(admitAndEnd(limiter)).toBe(LIMIT - 1);
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), LIMIT - 1));
    expect(admitAndEnd(limiter)).toBe(0); // unknown bound: only the own count
    calls.at(-1)!();
    await clock.advance(1);
    limiter.observe('m', headers(clock.now(), LIMIT - 1));
    expect(admitAndEnd(limiter)).toBe(LIMIT - 1); // every call listed has ended (the dropped one is no longer known)
    calls[0]!();
  });
});
