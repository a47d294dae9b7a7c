import { describe, expect, it } from 'vitest';
import { isNoCapacityError } from '../../src/index.js';
import { type Release, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';

const options = { maxWaitMs: 5_000, models: { m: { maxConcurrent: 1, requestsPerMinute: 100, tokensPerMinute: 100_000 } } };
const weight = { inputTokens: 3_000, outputTokens: 1_096 };

/** One call holds the only slot; `waiters(limiter)` adds calls that never get in. Returns the buckets after `ms`. */
async function bucketsAfter(ms: number, waiters: (limiter: ReturnType<typeof createLimiter>) => Promise<unknown>[], abort?: AbortController) {
  const clock = createFakeClock();
  const limiter = createLimiter(options, { clock });
  const held = limiter.admit('m', { weight }) as Release;
  const outcomes = waiters(limiter).map((p) => p.then(() => 'admitted', (e: unknown) => e));
  abort?.abort(new Error('caller gave up'));
  await clock.advance(ms);
  const settled = await Promise.all(outcomes);
  const { requests, tokens, waiting } = limiter.snapshot().m!;
  held();
  limiter.dispose();
  return { settled, requests, tokens, waiting };
}

describe('admission waits that end early give their share back', () => {
  it('ten waiters for the only slot that time out or are aborted leave the buckets as if they had never come', async () => {
    const control = await bucketsAfter(5_000, () => []);
    const caller = new AbortController();
    const r = await bucketsAfter(
      5_000,
      (limiter) => [
        ...Array.from({ length: 5 }, () => Promise.resolve(limiter.admit('m', { weight }))),
        ...Array.from({ length: 5 }, () => Promise.resolve(limiter.admit('m', { weight, signal: caller.signal }))),
      ],
      caller,
    );
    expect(r.settled.filter((e) => isNoCapacityError(e))).toHaveLength(5);
    expect(r.settled.filter((e) => (e as Error).message === 'caller gave up')).toHaveLength(5);
    expect(r.waiting).toBe(0);
    expect(r.requests).toEqual(control.requests);
    expect(r.tokens).toEqual(control.tokens);
  });
});
