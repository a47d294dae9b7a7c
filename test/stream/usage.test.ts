import { describe, expect, it } from 'vitest';
import { usageFromChunks } from '../../src/stream/usage.js';

const u = (inputTokens: number, outputTokens: number, cachedInputTokens = 0, cacheWriteTokens = 0, reasoningTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens,
  cacheWriteTokens,
  reasoningTokens,
});

describe('usage from stream chunks', () => {
  it.each([
    [
      'OpenAI chat: the final choices: [] chunk',
      [
        { choices: [{ delta: { content: 'hi' } }], usage: null },
        {
          choices: [],
          usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 4, cache_write_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 3 } },
        },
      ],
      u(12, 7, 4, 2, 3),
    ],
    [
      'OpenAI Responses: response.completed',
      [
        { type: 'response.created', response: { usage: null } },
        { type: 'response.output_text.delta', delta: 'hi' },
        { type: 'response.completed', response: { usage: { input_tokens: 30, output_tokens: 9, input_tokens_details: { cached_tokens: 10 }, output_tokens_details: { reasoning_tokens: 5 } } } },
      ],
      u(30, 9, 10, 0, 5),
    ],
    [
      'Anthropic: message_start input + cache, cumulative message_delta output',
      [
        { type: 'message_start', message: { usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 } } },
        { type: 'content_block_delta', delta: { type: 'text_delta', text: 'hi' } },
        { type: 'message_delta', usage: { output_tokens: 15 } },
        { type: 'message_delta', usage: { output_tokens: 42 } },
        { type: 'message_stop' },
      ],
      u(130, 42, 100, 20, 0),
    ],
    [
      'Anthropic: a message_delta that repeats input counts wins',
      [
        { type: 'message_start', message: { usage: { input_tokens: 10, output_tokens: 1 } } },
        { type: 'message_delta', usage: { input_tokens: 11, cache_read_input_tokens: 5, output_tokens: 8 } },
      ],
      u(16, 8, 5, 0, 0),
    ],
    [
      'AI SDK v3+ finish part with token objects',
      [
        { type: 'stream-start', warnings: [] },
        { type: 'text-delta', id: '0', delta: 'hi' },
        { type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: { total: 50, noCache: 20, cacheRead: 25, cacheWrite: 5 }, outputTokens: { total: 12, text: 8, reasoning: 4 } } },
      ],
      u(50, 12, 25, 5, 4),
    ],
    [
      'AI SDK v3+ finish part without totals',
      [{ type: 'finish', usage: { inputTokens: { total: undefined, noCache: 20, cacheRead: 3 }, outputTokens: { text: 8, reasoning: 2 } } }],
      u(23, 10, 3, 0, 2),
    ],
    [
      'AI SDK v2 finish part with numbers',
      [{ type: 'finish', usage: { inputTokens: 40, outputTokens: 6, totalTokens: 46, cachedInputTokens: 8, reasoningTokens: 1 } }],
      u(40, 6, 8, 0, 1),
    ],
  ])('%s', (_name, chunks, expected) => {
    expect(usageFromChunks(chunks)).toEqual(expected);
  });

  it.each([
    ['OpenAI chat without include_usage', [{ choices: [{ delta: { content: 'x' } }], usage: null }]],
    ['no chunks', []],
    ['strings and nulls', ['data', null, 3]],
    ['negative or NaN counts are ignored', [{ choices: [], usage: { prompt_tokens: -1, completion_tokens: 2 } }, { type: 'finish', usage: { inputTokens: Number.NaN } }]],
  ])('undefined for %s', (_name, chunks) => {
    expect(usageFromChunks(chunks as unknown[])).toBeUndefined();
  });

  it('an abandoned Anthropic stream still reports the input it was billed for', () => {
    expect(usageFromChunks([{ type: 'message_start', message: { usage: { input_tokens: 9, output_tokens: 1 } } }])).toEqual(u(9, 1));
  });
});
