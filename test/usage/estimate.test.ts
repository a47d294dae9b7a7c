import { describe, expect, it } from 'vitest';
import { DEFAULT_OUTPUT_TOKENS, estimateRequest } from '../../src/usage/estimate.js';

describe('estimateRequest', () => {
  it('counts ceil(chars / 4) of message text plus per-message and per-request overhead', () => {
    const text = 'x'.repeat(41); // 11 tokens
    const est = estimateRequest({ model: 'gpt-4.1', messages: [{ role: 'system', content: 'abcd' }, { role: 'user', content: text }] });
    expect(est.inputTokens).toBe(1 + 11 + 2 * 4 + 3);
    expect(est.outputTokens).toBe(DEFAULT_OUTPUT_TOKENS);
  });

  it.each([
    ['max_tokens (Anthropic, chat)', { max_tokens: 1024 }, 1024],
    ['max_output_tokens (Responses)', { max_output_tokens: 300 }, 300],
    ['max_completion_tokens (chat, reasoning models)', { max_completion_tokens: 2000 }, 2000],
    ['maxOutputTokens (AI SDK)', { maxOutputTokens: 77 }, 77],
  ])('takes the output cap from %s', (_n, cap, expected) => {
    expect(estimateRequest({ messages: [], ...cap }).outputTokens).toBe(expected);
  });

  it('uses the configured default cap when none is given', () => {
    expect(estimateRequest({ prompt: 'hi' }, undefined, { defaultOutputTokens: 500 }).outputTokens).toBe(500);
  });

  it('reads Anthropic system blocks and content parts, Responses input, AI SDK prompt', () => {
    const anthropic = estimateRequest({
      system: [{ type: 'text', text: 'a'.repeat(8) }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'b'.repeat(8) }] }],
      max_tokens: 10,
    });
    expect(anthropic.inputTokens).toBe(2 + 2 + 4 + 3);
    expect(estimateRequest({ input: 'c'.repeat(12) }).inputTokens).toBe(3 + 3);
    expect(estimateRequest({ prompt: 'd'.repeat(4) }).inputTokens).toBe(1 + 3);
  });

  it('never counts base64 characters as text: an image whose size cannot be read counts as 85 tokens', () => {
    const img = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(400_000) } };
    const est = estimateRequest({ messages: [{ role: 'user', content: [img] }] });
    expect(est.inputTokens).toBe(85 + 4 + 3);
  });

  it('uses the tokenizer hook when given, and falls back when it misbehaves', () => {
    const req = { messages: [{ role: 'user', content: 'hello world' }] };
    expect(estimateRequest(req, (t) => t.split(' ').length).inputTokens).toBe(2 + 4 + 3);
    expect(estimateRequest(req, () => Number.NaN).inputTokens).toBe(3 + 4 + 3);
    expect(
      estimateRequest(req, () => {
        throw new Error('bad');
      }).inputTokens,
    ).toBe(3 + 4 + 3);
  });

  it('never throws on hostile input', () => {
    const cyclic: Record<string, unknown> = { messages: [] };
    cyclic.self = cyclic;
    expect(() => estimateRequest(cyclic)).not.toThrow();
    expect(estimateRequest(null)).toEqual({ inputTokens: 3, outputTokens: DEFAULT_OUTPUT_TOKENS });
    const throwing = {
      get messages(): unknown {
        throw new Error('x');
      },
      max_tokens: 5,
    };
    expect(estimateRequest(throwing).inputTokens).toBe(3);
  });
});
