import { afterEach, describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from '../../src/classify/ratelimit-headers.js';
import { type Limiter, createLimiter } from '../../src/limits/limiter.js';
import { createFakeClock } from '../../src/testing/index.js';

let limiter: Limiter | undefined;
/** Admitted at once (a release, synchronously); a call left waiting is refused when the limiter is disposed. */
const admittedNow = (r: ReturnType<Limiter['admit']>): boolean => {
  if (typeof r === 'function') return true;
  void r.catch(() => {});
  return false;
};
afterEach(() => limiter?.dispose());

describe('Anthropic token headers', () => {
  // Anthropic states input and output token limits apart; `tokens-*` repeats the most restrictive
  // of the two (here the output limit, 8,000 a minute), in that limit's units.
  const headers = (now: number) => {
    const reset = new Date(now + 60_000).toISOString();
    return {
      'anthropic-ratelimit-requests-limit': '1000',
      'anthropic-ratelimit-requests-remaining': '999',
      'anthropic-ratelimit-requests-reset': reset,
      'anthropic-ratelimit-input-tokens-limit': '80000',
      'anthropic-ratelimit-input-tokens-remaining': '79000',
      'anthropic-ratelimit-input-tokens-reset': reset,
      'anthropic-ratelimit-output-tokens-limit': '8000',
      'anthropic-ratelimit-output-tokens-remaining': '7000',
      'anthropic-ratelimit-output-tokens-reset': reset,
      'anthropic-ratelimit-tokens-limit': '8000',
      'anthropic-ratelimit-tokens-remaining': '7000',
      'anthropic-ratelimit-tokens-reset': reset,
    };
  };

  it('admits by input and output apart: the combined tokens-* figure does not hold calls that both limits have room for', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('claude', parseRateLimitHeaders(headers(clock.now()), clock.now())!);
    // Each call: 3,000 input tokens, 500 output. Input room 79,000, output room 7,000: 14 calls fit now.
    // Counted as 3,500 combined tokens against the 7,000 of `tokens-*`, only 2 would.
    const weight = { inputTokens: 3_000, outputTokens: 500 };
    const now: boolean[] = [];
    for (let i = 0; i < 10; i++) now.push(admittedNow(limiter.admit('claude', { weight })));
    expect(now.every(Boolean)).toBe(true);
  });

  it('still holds calls when the output limit itself is spent', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('claude', parseRateLimitHeaders(headers(clock.now()), clock.now())!);
    const weight = { inputTokens: 100, outputTokens: 2_000 };
    const now: boolean[] = [];
    for (let i = 0; i < 6; i++) now.push(admittedNow(limiter.admit('claude', { weight })));
    expect(now.filter(Boolean).length).toBeLessThan(6);
  });

  it("gives back a finished call's unused max_tokens: the output limit serves what was really written", async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('claude', parseRateLimitHeaders(headers(clock.now()), clock.now())!);
    // max_tokens 2,000 each, 7,000 of output room: 3 fit. Each answer writes 200 tokens.
    const weight = { inputTokens: 100, outputTokens: 2_000 };
    for (let i = 0; i < 3; i++) {
      const release = limiter.admit('claude', { weight });
      expect(typeof release).toBe('function');
      (release as () => void)();
      limiter.used?.('claude', weight, { outputTokens: 200 });
    }
    // 600 written, so 6,400 left: three more fit at once (before: 1,000 left, none did).
    const now: boolean[] = [];
    for (let i = 0; i < 3; i++) now.push(admittedNow(limiter.admit('claude', { weight })));
    expect(now).toEqual([true, true, true]);
  });

  it('gives back input tokens an estimate counted beyond the real input: the provider counts the real input', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('claude', parseRateLimitHeaders(headers(clock.now()), clock.now())!);
    // Weighed by a guess of 30,000 input tokens (79,000 of room: 2 fit); each really sent 5,000.
    const weight = { inputTokens: 30_000, outputTokens: 10 };
    for (let i = 0; i < 2; i++) {
      const release = limiter.admit('claude', { weight });
      expect(typeof release).toBe('function');
      (release as () => void)();
      limiter.used?.('claude', weight, { inputTokens: 5_000, outputTokens: 10 });
    }
    // 10,000 really sent, so 69,000 left: two more fit at once (before: 19,000 left, none did).
    expect(limiter.snapshot().claude?.inputTokens?.available).toBe(69_000);
    expect([admittedNow(limiter.admit('claude', { weight })), admittedNow(limiter.admit('claude', { weight }))]).toEqual([true, true]);
  });

  it('never takes more than the call was weighed with when it wrote more', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    limiter.observe('claude', parseRateLimitHeaders(headers(clock.now()), clock.now())!);
    const before = limiter.snapshot().claude?.outputTokens?.available;
    limiter.used?.('claude', { inputTokens: 100, outputTokens: 500 }, { outputTokens: 900 });
    expect(limiter.snapshot().claude?.outputTokens?.available).toBe(before);
  });

  it('keeps the output an answer gave back when later headers predate it: they show the level when their call was received', async () => {
    const clock = createFakeClock();
    limiter = createLimiter(undefined, { clock });
    // The provider as Anthropic counts it: 8,000 output tokens a minute, each call at its max_tokens until its answer is done.
    const at = (outputRemaining: number, requestsRemaining: number) => {
      const reset = new Date(clock.now() + 60_000).toISOString();
      const h = {
        'anthropic-ratelimit-requests-limit': '1000',
        'anthropic-ratelimit-requests-remaining': String(requestsRemaining),
        'anthropic-ratelimit-requests-reset': reset,
        'anthropic-ratelimit-output-tokens-limit': '8000',
        'anthropic-ratelimit-output-tokens-remaining': String(outputRemaining),
        'anthropic-ratelimit-output-tokens-reset': reset,
      };
      return parseRateLimitHeaders(h, clock.now())!;
    };
    limiter.observe('claude', at(8_000, 1_000));
    const weight = { inputTokens: 100, outputTokens: 2_000 };
    const a = limiter.admit('claude', { weight }) as () => void;
    const b = limiter.admit('claude', { weight }) as () => void;
    // The provider received a (6,000 left), then b (4,000 left). a is answered first, writing 200: 1,800 come back.
    clock.advance(1_000);
    limiter.observe('claude', at(6_000, 999));
    limiter.used?.('claude', weight, { outputTokens: 200 });
    a();
    // b's answer carries the level at b's receipt, before a's refund: the provider now has 4,000 + 1,800 + what refilled.
    clock.advance(1_000);
    limiter.observe('claude', at(4_000, 998));
    limiter.used?.('claude', weight, { outputTokens: 200 });
    b();
    // 400 written in all: three more calls of 2,000 fit at once (the headers' 4,000 read as the level: two).
    const now = [0, 1, 2].map(() => admittedNow(limiter!.admit('claude', { weight })));
    expect(now).toEqual([true, true, true]);
  });
});
