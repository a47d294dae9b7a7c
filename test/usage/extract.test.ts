import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractUsage } from '../../src/usage/extract.js';

const u = (inputTokens: number, outputTokens: number, cachedInputTokens = 0, cacheWriteTokens = 0, reasoningTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens,
  cacheWriteTokens,
  reasoningTokens,
});

describe('extractUsage', () => {
  it.each([
    ['OpenAI chat', { usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 } }, u(120, 30)],
    [
      'OpenAI chat with details',
      {
        usage: {
          prompt_tokens: 1000,
          completion_tokens: 500,
          prompt_tokens_details: { cached_tokens: 600, cache_write_tokens: 100 },
          completion_tokens_details: { reasoning_tokens: 320 },
        },
      },
      u(1000, 500, 600, 100, 320),
    ],
    ['OpenAI chat stream last chunk', { choices: [], usage: { prompt_tokens: 7, completion_tokens: 2 } }, u(7, 2)],
    [
      'OpenAI Responses',
      { usage: { input_tokens: 900, output_tokens: 80, total_tokens: 980, input_tokens_details: { cached_tokens: 512 }, output_tokens_details: { reasoning_tokens: 40 } } },
      u(900, 80, 512, 0, 40),
    ],
    ['OpenAI Responses stream event', { type: 'response.completed', response: { usage: { input_tokens: 5, output_tokens: 6 } } }, u(5, 6)],
    [
      'Anthropic: total input is the three inputs summed',
      { usage: { input_tokens: 50, cache_creation_input_tokens: 200, cache_read_input_tokens: 1000, output_tokens: 70 } },
      u(1250, 70, 1000, 200),
    ],
    ['Anthropic with null cache counts', { usage: { input_tokens: 11, cache_creation_input_tokens: null, cache_read_input_tokens: null, output_tokens: 3 } }, u(11, 3)],
    ['usage object passed directly', { prompt_tokens: 4, completion_tokens: 1 }, u(4, 1)],
    ['.withResponse() result', { data: { usage: { input_tokens: 8, output_tokens: 9 } }, response: {} }, u(8, 9)],
    [
      'AI SDK result (numbers with details)',
      {
        usage: {
          inputTokens: 300,
          inputTokenDetails: { noCacheTokens: 100, cacheReadTokens: 150, cacheWriteTokens: 50 },
          outputTokens: 60,
          outputTokenDetails: { textTokens: 40, reasoningTokens: 20 },
          totalTokens: 360,
        },
      },
      u(300, 60, 150, 50, 20),
    ],
    ['AI SDK v5 flat usage', { usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, reasoningTokens: 2 } }, u(10, 5, 4, 0, 2)],
    [
      'AI SDK middleware shape',
      { usage: { inputTokens: { total: 400, noCache: 100, cacheRead: 250, cacheWrite: 50 }, outputTokens: { total: 90, text: 60, reasoning: 30 } } },
      u(400, 90, 250, 50, 30),
    ],
    [
      'AI SDK middleware shape without totals',
      { type: 'finish', usage: { inputTokens: { total: undefined, noCache: 10, cacheRead: 5, cacheWrite: 1 }, outputTokens: { total: undefined, text: 7, reasoning: 3 } } },
      u(16, 10, 5, 1, 3),
    ],
  ])('%s', (_name, response, expected) => {
    expect(extractUsage(response)).toEqual(expected);
  });

  it.each([
    ['no usage', { id: 'x', choices: [] }],
    ['null', null],
    ['a string', 'hello'],
    ['AI SDK usage the provider did not report', { usage: { inputTokens: undefined, outputTokens: undefined, totalTokens: undefined } }],
    ['empty usage', { usage: {} }],
  ])('returns undefined for %s', (_name, response) => {
    expect(extractUsage(response)).toBeUndefined();
  });

  it.each([
    ['negative', { usage: { prompt_tokens: -1, completion_tokens: 5 } }, 'prompt_tokens'],
    ['NaN', { usage: { input_tokens: 5, output_tokens: Number.NaN } }, 'output_tokens'],
    ['a string', { usage: { input_tokens: '12', output_tokens: 1 } }, 'input_tokens'],
    ['Infinity in a detail', { usage: { prompt_tokens: 1, completion_tokens: 1, prompt_tokens_details: { cached_tokens: Infinity } } }, 'prompt_tokens_details.cached_tokens'],
    ['negative Anthropic cache read', { usage: { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: -4 } }, 'cache_read_input_tokens'],
    ['AI SDK middleware NaN', { usage: { inputTokens: { total: Number.NaN }, outputTokens: { total: 1 } } }, 'inputTokens.total'],
  ])('flags %s counts as invalid, naming the field, with zero counts', (_name, response, field) => {
    const usage = extractUsage(response);
    expect(usage?.invalid).toBe(field);
    expect(usage?.inputTokens).toBe(0);
    expect(usage?.outputTokens).toBe(0);
  });

  it('never throws, on any value, including throwing getters', () => {
    const evil = {
      get usage(): unknown {
        throw new Error('boom');
      },
    };
    expect(extractUsage(evil)).toBeUndefined();
    // Found by the property below on one run: finite parts whose total overflows to Infinity.
    expect(extractUsage({ inputTokens: { noCache: 2.2952163559649278e293, cacheRead: 0, cacheWrite: 1.7976931348623135e308 } })).toMatchObject({
      inputTokens: 0,
      invalid: 'usage (counts too large to add up)',
    });
    const count = fc.oneof(fc.integer({ min: -10, max: 1e9 }), fc.double(), fc.string(), fc.constant(null), fc.constant(undefined));
    const usageLike = fc.record(
      {
        prompt_tokens: count,
        completion_tokens: count,
        input_tokens: count,
        output_tokens: count,
        cache_read_input_tokens: count,
        inputTokens: fc.oneof(count, fc.record({ total: count, noCache: count, cacheRead: count, cacheWrite: count })),
        outputTokens: fc.oneof(count, fc.record({ total: count, text: count, reasoning: count })),
        prompt_tokens_details: fc.oneof(fc.anything(), fc.record({ cached_tokens: count })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), usageLike, fc.record({ usage: usageLike })), (value) => {
        const usage = extractUsage(value);
        if (usage === undefined) return;
        for (const k of ['inputTokens', 'outputTokens', 'cachedInputTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
          expect(Number.isFinite(usage[k]) && usage[k] >= 0).toBe(true);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
