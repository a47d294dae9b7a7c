import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractUsage } from '../../src/usage/extract.js';

/**
 * Random response shapes into usage extraction: never throws; whatever it
 * returns has finite, non-negative counts (the budget adds them up), and a
 * response flagged `invalid` carries zeros.
 */
const anything = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withBoxedValues: true });
const count = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constantFrom('12', '', null, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60), anything);
const usageBag = fc.record(
  {
    prompt_tokens: count,
    completion_tokens: count,
    total_tokens: count,
    input_tokens: count,
    output_tokens: count,
    cache_creation_input_tokens: count,
    cache_read_input_tokens: count,
    prompt_tokens_details: fc.record({ cached_tokens: count, cache_write_tokens: count }, { requiredKeys: [] }),
    completion_tokens_details: fc.record({ reasoning_tokens: count }, { requiredKeys: [] }),
    input_tokens_details: fc.record({ cached_tokens: count }, { requiredKeys: [] }),
    output_tokens_details: fc.record({ reasoning_tokens: count }, { requiredKeys: [] }),
    inputTokens: fc.oneof(count, fc.record({ total: count, noCache: count, cacheRead: count, cacheWrite: count }, { requiredKeys: [] })),
    outputTokens: fc.oneof(count, fc.record({ total: count, text: count, reasoning: count }, { requiredKeys: [] })),
    cachedInputTokens: count,
    reasoningTokens: count,
  },
  { requiredKeys: [] },
);
const response = fc.oneof(
  anything,
  usageBag,
  usageBag.map((usage) => ({ usage })),
  usageBag.map((usage) => ({ data: { usage } })),
  usageBag.map((usage) => ({ type: 'response.completed', response: { usage } })),
  fc.record({ usage: anything, data: anything, response: anything }, { requiredKeys: [] }),
);

describe('extractUsage (fuzz)', () => {
  it('never throws and never returns a count a budget could not add', () => {
    fc.assert(
      fc.property(response, (r) => {
        const u = extractUsage(r);
        if (u === undefined) return;
        for (const k of ['inputTokens', 'outputTokens', 'cachedInputTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
          expect(Number.isFinite(u[k]) && u[k] >= 0, `${k}=${u[k]}`).toBe(true);
          if (u.invalid !== undefined) expect(u[k]).toBe(0);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('survives throwing getters and revoked proxies', () => {
    const { proxy, revoke } = Proxy.revocable({ usage: { input_tokens: 1 } }, {});
    revoke();
    const getter = Object.defineProperty({}, 'usage', {
      get() {
        throw new Error('boom');
      },
    });
    expect(extractUsage(proxy)).toBeUndefined();
    expect(extractUsage(getter)).toBeUndefined();
  });
});
