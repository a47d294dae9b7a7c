import { afterEach, describe, expect, it } from 'vitest';
import { ResilientClient } from '../../src/index.js';
import { ConfigError } from '../../src/errors/errors.js';
import { perMinute } from '../../src/limits/bucket.js';
import { type ModelState, pace } from '../../src/limits/learn.js';
import { createLimiter } from '../../src/limits/limiter.js';
import { CUT_HEADROOM, newDimShare } from '../../src/limits/share.js';
import { createFakeClock } from '../../src/testing/index.js';
import { shareOneLimit } from './one-limit.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('limits.processes', () => {
  it.each([0, -1, 1.5, 1_001, Number.NaN, '4'])('refuses %s naming the option, what it expects and what it got', (bad) => {
    let error: unknown;
    try {
      createLimiter({ processes: bad as number });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('limits.processes: expected an integer from 1 to 1000');
  });

  it('is validated with the client’s options', () => {
    expect(() => new ResilientClient({ models: ['m'], limits: { processes: 0 } })).toThrow(/limits\.processes: expected an integer from 1 to 1000, received 0/);
  });

  it('accepts 1 to 1000', () => {
    for (const processes of [1, 16, 1_000]) createLimiter({ processes }).dispose();
  });
});

describe('processes configured on one limit', () => {
  it('four processes told they are four stay within the limit and take about a quarter each, however they started', async () => {
    // Process 0 greedy for two minutes while the three others send 15 a minute each, then all four
    // greedy for five minutes. Learned from the headers alone the split stays where it started:
    // 54 / 2 / 2 / 2 a minute of 60 (decision 0050).
    const c = await shareOneLimit(4, 420, undefined, undefined, (i, step) => step >= 1_200 || i === 0 || (step + i * 10) % 40 === 0, { processes: 4 });
    expect(c.limitedLastMinute).toBe(0);
    expect(c.okLastMinute).toBeGreaterThanOrEqual(55); // the limit stays used
    for (const n of c.perWorkerLastMinute) expect(n).toBeGreaterThanOrEqual(12);
    for (const n of c.perWorkerLastMinute) expect(n).toBeLessThanOrEqual(18);
  });

  it('eight told they are eight: two greedy and six light, then all greedy, end at an eighth each without a 429', async () => {
    // From the headers alone: 24 / 25 / 2 / 1 / 2 / 2 / 2 / 2 a minute, and 90 429s.
    const c = await shareOneLimit(8, 420, undefined, undefined, (i, step) => step >= 1_200 || i < 2 || (step + i * 10) % 80 === 0, { processes: 8 });
    expect(c.limited).toBe(0);
    expect(c.okLastMinute).toBeGreaterThanOrEqual(55);
    for (const n of c.perWorkerLastMinute) expect(n).toBeGreaterThanOrEqual(6);
    for (const n of c.perWorkerLastMinute) expect(n).toBeLessThanOrEqual(9);
  });

  it('eight greedy under a limit also enforced over 10-s windows the headers do not show: an eighth each', async () => {
    // From the headers alone: 4 to 14 a minute each, and 12 429s.
    const c = await shareOneLimit(8, 240, undefined, 10, undefined, { processes: 8 });
    expect(c.limitedLastMinute).toBe(0);
    expect(c.limited).toBeLessThanOrEqual(10);
    for (const n of c.perWorkerLastMinute) expect(n).toBeGreaterThanOrEqual(6);
    for (const n of c.perWorkerLastMinute) expect(n).toBeLessThanOrEqual(9);
  });

  it('a process alone, told it is one of four, still uses the whole limit', async () => {
    const c = await shareOneLimit(1, 180, undefined, undefined, undefined, { processes: 4 });
    expect(c.limited).toBe(0);
    expect(c.okLastMinute).toBeGreaterThanOrEqual(59);
  });

  it('with headers not followed, a configured limit is divided outright; followed, it is whole until the headers show others', () => {
    const clock = createFakeClock();
    const blind = createLimiter({ respectHeaders: false, processes: 4, default: { requestsPerMinute: 60, tokensPerMinute: 40_000 } }, { clock });
    const seeing = createLimiter({ processes: 4, default: { requestsPerMinute: 60 } }, { clock });
    cleanup = () => {
      blind.dispose();
      seeing.dispose();
    };
    (blind.admit('m') as () => void)();
    (seeing.admit('m') as () => void)();
    const b = blind.snapshot().m!;
    expect(b.requests).toEqual({ available: 14, capacity: 60, perMinute: 15 });
    expect(b.tokens?.perMinute).toBe(10_000);
    expect(seeing.snapshot().m?.requests).toEqual({ available: 59, capacity: 60, perMinute: 60 });
  });
});

describe('the room one of sixteen takes beyond its equal part', () => {
  const RATE = 60 / 60_000; // 60 a minute
  /** One of 16 processes at its part of a limit of 60 a minute, the others measured at `others` of it over a minute. */
  const model = (others: number, burst: number): ModelState => {
    const d = newDimShare(50, 0);
    Object.assign(d, { rate: RATE, capacity: 60, span: 60_000, mine: 60_000 * (RATE / 16), others: others * 60_000 * RATE });
    const s = { buckets: { requests: perMinute(60, 0) }, share: { requests: d }, backoff: { factor: 1, at: 0 }, burst, heldUntil: 0, observedAt: 0, early: undefined, processes: 16 } as unknown as ModelState;
    pace(s, 0); // as after its last headers
    return s;
  };

  it('none before a window the headers do not show has cut the burst: the others read low at the top', () => {
    // Sixteen workers at a storm's start: the others' use read at 30% of the limit, most of it hidden
    // while the provider's bucket rests near its top. Room taken on that reading is theirs.
    const s = model(0.3, 1);
    expect(s.buckets.requests!.ratePerMs).toBeCloseTo(RATE / 16, 12);
    expect(s.buckets.requests!.ceiling).toBeCloseTo(60 / 16, 12);
  });

  it('once a window has cut it, a sixteenth of what the others leave beyond its part', () => {
    const s = model(0.3, 1 / 6);
    const left = RATE - 0.3 * RATE * (1 + CUT_HEADROOM) - RATE / 16;
    expect(s.buckets.requests!.ratePerMs).toBeCloseTo(RATE / 16 + left / 16, 12);
    // The others at their parts leave nothing beyond them.
    expect(model(15 / 16, 1 / 6).buckets.requests!.ratePerMs).toBeCloseTo(RATE / 16, 12);
  });
});
