import { afterEach, describe, expect, it } from 'vitest';
import { isNoCapacityError } from '../../src/index.js';
import { type Limiter, type Release, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';

// A model in Anthropic's shape: requests to spare, an output limit of 60,000 tokens a minute (one
// a millisecond) that counts a call at its max_tokens (1,000) until its answer gives the rest back.
const WEIGHT = { inputTokens: 10, outputTokens: 1_000 };

let limiter: Limiter | undefined;
afterEach(() => limiter?.dispose());

function outputBound(answers: number[]) {
  const clock = createFakeClock();
  const l = createLimiter(undefined, { clock });
  limiter = l;
  const read = (remaining: number) => l.observe('claude', { observedAt: clock.now(), requests: { limit: 6_000, remaining: 5_000 }, outputTokens: { limit: 60_000, remaining } });
  read(60_000);
  // The model's recent answers, each weighed at 1,000 output tokens.
  for (const written of answers) {
    (l.admit('claude', { weight: WEIGHT }) as Release)();
    l.used!('claude', WEIGHT, { outputTokens: written });
  }
  read(0); // then its output limit is spent
  return { clock, l };
}

/**
 * `n` calls with a deadline in `deadlineMs` waiting at once; each answers as soon as it is sent, writing
 * `written` output tokens. Returns when each was sent (ms from the start) or how it was refused.
 */
async function queue(clock: ReturnType<typeof createFakeClock>, l: Limiter, n: number, deadlineMs: number, written: number) {
  const t0 = clock.now();
  const outcomes: (number | string | undefined)[] = new Array(n).fill(undefined);
  for (let i = 0; i < n; i++) {
    Promise.resolve(l.admit('claude', { weight: WEIGHT, deadline: t0 + deadlineMs, taskId: `t${i}` })).then(
      (release) => {
        outcomes[i] = clock.now() - t0;
        release();
        l.used!('claude', WEIGHT, { outputTokens: written });
      },
      (e: unknown) => (outcomes[i] = isNoCapacityError(e) ? `refused (${e.reason})` : String(e)),
    );
  }
  for (let t = 0; t < deadlineMs; t += 100) await clock.advance(100);
  return outcomes;
}

describe('a call that states its deadline, on a model whose output limit counts max_tokens until the answer', () => {
  it('judges its deadline by the output the calls before it are expected to write, not by their max_tokens', async () => {
    const { clock, l } = outputBound([250, 250, 250, 250]);
    // Counted at max_tokens, the 31st call's turn is in 31 s, past its 30-s deadline. The answers write a
    // quarter of it: all 40 are served, the last one after about 40 × 250 ms.
    const outcomes = await queue(clock, l, 40, 30_000, 250);
    expect(outcomes.filter((o) => typeof o !== 'number')).toEqual([]);
    expect(Math.max(...(outcomes as number[]))).toBeLessThan(12_000);
  });

  it('before the model has answered, counts the waiting calls at their max_tokens', async () => {
    const { clock, l } = outputBound([]);
    const outcomes = await queue(clock, l, 40, 30_000, 250);
    expect(outcomes.slice(30)).toEqual(new Array(10).fill('refused (deadline)'));
  });

  it('is sent only once the room is really there, when the answers write more than the recent ones did', async () => {
    const { clock, l } = outputBound([250, 250, 250, 250]);
    // Admitted to wait on the expected output, but each answer now writes its whole max_tokens.
    const outcomes = await queue(clock, l, 20, 30_000, 1_000);
    const sent = outcomes.filter((o): o is number => typeof o === 'number').sort((a, b) => a - b);
    // One call's 1,000 tokens come back every second: the k-th call (from 0) is not sent before k s.
    for (const [k, at] of sent.entries()) expect(at).toBeGreaterThanOrEqual(k * 1_000 - 100);
    expect(sent.length).toBeGreaterThan(0);
  });
});
