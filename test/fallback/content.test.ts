import { describe, expect, it } from 'vitest';
import { classifyError } from '../../src/classify/classify.js';
import { isRefusal } from '../../src/fallback/content.js';
import { ResilientClient, isConfigError, isContextWindowError } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/index.js';
import { setup } from './setup.js';

const apiError = (status: number, message: string, error: Record<string, unknown>) => Object.assign(new Error(message), { status, error, headers: new Headers() });
const openaiContext = () => apiError(400, "This model's maximum context length is 128000 tokens.", { code: 'context_length_exceeded', type: 'invalid_request_error', message: '…' });
const anthropicContext = () =>
  apiError(400, 'prompt is too long: 208310 tokens > 200000 maximum', { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 208310 tokens > 200000 maximum' } });
const aiSdkContext = () =>
  Object.assign(new Error('Bad Request'), {
    name: 'AI_APICallError',
    statusCode: 400,
    isRetryable: false,
    responseBody: JSON.stringify({ error: { message: 'too long', type: 'invalid_request_error', code: 'context_length_exceeded' } }),
  });

describe('classifying fit and content failures', () => {
  it.each([
    ['OpenAI 400 context_length_exceeded', openaiContext()],
    ['Anthropic 400 "prompt is too long"', anthropicContext()],
    ['AI SDK APICallError with the code in its body', aiSdkContext()],
  ])('%s → context_length: fall back, never retried, never counted', (_, error) => {
    expect(classifyError(error)).toMatchObject({ kind: 'context_length', retryable: false, fallback: true, countsAsFailure: false });
  });

  it('an ordinary 400 stays a client error; content_policy_violation is content_filter', () => {
    expect(classifyError(apiError(400, 'messages: field required', { type: 'invalid_request_error', message: 'messages: field required' })).kind).toBe('client');
    expect(classifyError(apiError(400, 'Your request was rejected', { code: 'content_policy_violation', type: 'invalid_request_error' }))).toMatchObject({
      kind: 'content_filter',
      fallback: false,
      countsAsFailure: false,
      type: 'content_policy_violation',
    });
  });

  it.each([
    [{ stop_reason: 'refusal', content: [] }, true],
    [{ stop_reason: 'end_turn', content: [] }, false],
    [{ choices: [{ finish_reason: 'stop' }, { finish_reason: 'content_filter' }] }, true],
    [{ choices: [{ finish_reason: 'stop' }] }, false],
    [{ object: 'response', incomplete_details: { reason: 'content_filter' } }, true],
    [{ object: 'response', incomplete_details: null }, false],
    [{ text: '', finishReason: 'content-filter' }, true],
    [{ content: [], finishReason: { unified: 'content-filter', raw: 'refusal' } }, true],
    [{ content: [], finishReason: { unified: 'stop', raw: 'end_turn' } }, false],
    ['text', false],
    [null, false],
  ])('isRefusal(%j) → %s', (value, expected) => {
    expect(isRefusal(value)).toBe(expected);
  });

  it('isRefusal never throws on hostile values', () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); } });
    expect(isRefusal(hostile)).toBe(false);
  });
});

const longPrompt = { messages: [{ role: 'user', content: 'x'.repeat(40_000) }], max_tokens: 1000 }; // ≈ 10k tokens

describe('context-window fallbacks', () => {
  const contextWindows = { small: 4_000, medium: 8_000, big: 200_000 };

  it('skips a model whose window the request exceeds before sending, with a fallback event', async () => {
    const { client, calls, events, fn } = setup(['small', 'big'], (m) => ({ model: m }), { content: { contextWindows } });
    await expect(client.run(fn, { request: longPrompt })).resolves.toEqual({ model: 'big' });
    expect(calls).toEqual(['big']);
    expect(events.filter((e) => e.name === 'fallback').map((e) => e.payload)).toEqual([expect.objectContaining({ from: 'small', to: 'big', reason: 'context_length' })]);
  });

  it('after a context refusal, skips models whose window is no larger, is never retried and never opens the breaker', async () => {
    const { client, calls, events, fn } = setup(['medium', 'small', 'big'], (m) => (m === 'medium' ? anthropicContext() : { model: m }), {
      content: { contextWindows },
      breaker: { volumeThreshold: 1, errorThresholdPercentage: 1 },
    });
    for (let i = 0; i < 5; i++) await expect(client.run(fn)).resolves.toEqual({ model: 'big' });
    expect(calls.filter((m) => m === 'medium')).toHaveLength(5); // once per run: no retry
    expect(calls).not.toContain('small');
    expect(client.breakerState('medium')).toBe('closed');
    expect(events.some((e) => e.name === 'retry')).toBe(false);
    expect(events.filter((e) => e.name === 'fallback').map((e) => e.payload.reason)).toEqual(Array(10).fill('context_length'));
  });

  it('fails with ContextWindowError naming the estimate and the largest window when no model fits', async () => {
    const { client, calls, fn } = setup(['small', 'medium'], (m) => ({ model: m }), { content: { contextWindows } });
    const err = await client.run(fn, { request: longPrompt }).catch((e: unknown) => e);
    expect(isContextWindowError(err)).toBe(true);
    expect(err).toMatchObject({ model: undefined, contextWindow: 8_000 });
    expect((err as { estimatedInputTokens: number }).estimatedInputTokens).toBeGreaterThan(8_000);
    expect((err as Error).message).toMatch(/largest known context window 8000/);
    expect(calls).toEqual([]);
  });

  it('uses the catalog windows when none are configured, and never skips a model whose window is unknown', async () => {
    const huge = { messages: [{ role: 'user', content: 'x'.repeat(1_200_000) }] }; // ≈ 300k tokens
    const { client, calls, fn } = setup(['claude-haiku-4-5', 'my-local-model', 'gpt-4.1'], (m) => ({ model: m }));
    await expect(client.run(fn, { request: huge })).resolves.toEqual({ model: 'my-local-model' });
    expect(calls).toEqual(['my-local-model']);
  });

  it('output limits are checked only when asked (fitOutput)', async () => {
    const request = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 50_000 };
    const plain = setup(['gpt-4.1', 'claude-sonnet-4-5'], (m) => ({ model: m }));
    await expect(plain.client.run(plain.fn, { request })).resolves.toEqual({ model: 'gpt-4.1' });
    const fitted = setup(['gpt-4.1', 'claude-sonnet-4-5'], (m) => ({ model: m }), { content: { fitOutput: true } });
    await expect(fitted.client.run(fitted.fn, { request })).resolves.toEqual({ model: 'claude-sonnet-4-5' });
    expect(fitted.events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'gpt-4.1', reason: 'context_length' });
  });
});

describe('refusal rule', () => {
  const refusal = { stop_reason: 'refusal', content: [] };

  it("returns a refused response as it is by default ('return'), one call", async () => {
    const { client, calls, fn } = setup(['a', 'b'], () => refusal);
    await expect(client.run(fn)).resolves.toBe(refusal);
    expect(calls).toEqual(['a']);
  });

  it("'fallback' tries the next model, with a content_filter fallback event, and never counts the refusal as a failure", async () => {
    const { client, calls, events, fn } = setup(['a', 'b'], (m) => (m === 'a' ? refusal : { model: m }), { content: { onRefusal: 'fallback' } });
    await expect(client.run(fn)).resolves.toEqual({ model: 'b' });
    expect(calls).toEqual(['a', 'b']);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'a', to: 'b', reason: 'content_filter' });
    expect(events.some((e) => e.name === 'failure')).toBe(false);
    const windows = (name: string) => client.snapshot().monitor!.models.find((m) => m.model === name)!.windows[0]!;
    expect(windows('a')).toMatchObject({ fallbacksOut: 1, errors: 0 });
    expect(windows('b')).toMatchObject({ fallbacksIn: 1 });
  });

  it('{ models } hands a refusal to the named chain instead of the rest of the main chain', async () => {
    const { client, calls, events, fn } = setup(['a', 'b'], (m) => (m === 'a' ? refusal : { model: m }), { content: { onRefusal: { models: ['lenient'] } } });
    await expect(client.run(fn)).resolves.toEqual({ model: 'lenient' });
    expect(calls).toEqual(['a', 'lenient']);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'a', to: 'lenient', reason: 'content_filter' });
  });

  it('when every model refuses, the first refused response comes back', async () => {
    const other = { choices: [{ finish_reason: 'content_filter' }] };
    const { client, calls, fn } = setup(['a', 'b'], (m) => (m === 'a' ? refusal : other), { content: { onRefusal: 'fallback' } });
    await expect(client.run(fn)).resolves.toBe(refusal);
    expect(calls).toEqual(['a', 'b']);
  });

  it("a 400 content_policy_violation ends the chain with the provider's error under 'return', and moves on under 'fallback'", async () => {
    const violation = () => apiError(400, 'rejected', { code: 'content_policy_violation' });
    const plain = setup(['a', 'b'], (m) => (m === 'a' ? violation() : { model: m }));
    await expect(plain.client.run(plain.fn)).rejects.toMatchObject({ status: 400 });
    expect(plain.calls).toEqual(['a']);
    const moving = setup(['a', 'b'], (m) => (m === 'a' ? violation() : { model: m }), { content: { onRefusal: 'fallback' } });
    await expect(moving.client.run(moving.fn)).resolves.toEqual({ model: 'b' });
  });

  it('validates the content options with the option path', () => {
    const clock = createFakeClock();
    const bad = (content: unknown) => {
      try {
        new ResilientClient({ models: ['a'], clock, content: content as never });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(isConfigError(bad({ onRefusal: 'retry' }))).toBe(true);
    expect(String((bad({ onRefusal: 'retry' }) as Error).message)).toMatch(/content\.onRefusal/);
    expect(String((bad({ contextWindows: { a: -1 } }) as Error).message)).toMatch(/content\.contextWindows\.a/);
  });
});
