import { describe, expect, it } from 'vitest';
import { ResilientClient, type RetryEvent } from '../../src/index.js';
import { wrapAnthropic } from '../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../src/providers/openai.js';
import { FakeStream, createFakeClock, createFakeProvider, step } from '../../src/testing/index.js';
import { createFakeAnthropic } from '../../src/testing/anthropic.js';
import { createFakeOpenAI } from '../../src/testing/openai.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('createFakeOpenAI', () => {
  it('answers chat.completions.create and responses.create in the SDK shapes, usage from the step', async () => {
    const clock = createFakeClock();
    const openai = createFakeOpenAI(createFakeProvider(clock, { 'gpt-4.1': [step.success({ text: 'hello there', usage: { input_tokens: 5, output_tokens: 2 } })] }));
    const res = await openai.chat.completions.create({ model: 'gpt-4.1', messages });
    expect(res).toMatchObject({ object: 'chat.completion', model: 'gpt-4.1', choices: [{ message: { role: 'assistant', content: 'hello there' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } });
    const r = await openai.responses.create({ model: 'gpt-4.1', input: 'hi' });
    expect(r).toMatchObject({ object: 'response', status: 'completed', output_text: 'hello there', usage: { input_tokens: 5, output_tokens: 2 } });
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-4.1', messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe('hello there');
    expect(response.status).toBe(200);
  });

  it('streams chat chunks; the usage chunk comes only with stream_options.include_usage', async () => {
    const clock = createFakeClock();
    const openai = createFakeOpenAI(createFakeProvider(clock));
    const plain = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true });
    expect(plain).toBeInstanceOf(FakeStream);
    const chunks: OpenAIChunk[] = [];
    for await (const c of plain) chunks.push(c);
    expect(chunks.map((c) => c.choices.length)).toEqual([1, 1, 1]);
    const withUsage = await openai.chat.completions.create({ model: 'gpt-4.1', messages, stream: true, stream_options: { include_usage: true } });
    const last: OpenAIChunk[] = [];
    for await (const c of withUsage) last.push(c);
    expect(last.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 12, completion_tokens: 34 } });
  });

  it('throws OpenAI-shaped errors, and a wrapped fake retries a 429 exactly when retry-after says', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, { 'gpt-4.1': [step.rateLimit({ retryAfter: 2 }), step.success()] });
    const raw = await createFakeOpenAI(createFakeProvider(clock, { 'gpt-4.1': [step.quota()] })).chat.completions.create({ model: 'gpt-4.1', messages }).catch((e: unknown) => e);
    expect(raw).toMatchObject({ status: 429, name: 'RateLimitError', error: { type: 'insufficient_quota', code: 'insufficient_quota' } });

    const client = new ResilientClient({ models: ['gpt-4.1'], clock, monitor: false });
    const retries: RetryEvent[] = [];
    client.on('retry', (e) => retries.push(e));
    const openai = wrapOpenAI(createFakeOpenAI(provider), client);
    const pending = openai.chat.completions.create({ model: 'gpt-4.1', messages });
    await clock.advance(2_000);
    await expect(pending).resolves.toMatchObject({ model: 'gpt-4.1' });
    expect(provider.calls.map((c) => c.at - provider.calls[0]!.at)).toEqual([0, 2_000]);
    expect(retries).toMatchObject([{ delayMs: 2_000, reason: 'rate_limit' }]);
  });
});

type OpenAIChunk = { choices: unknown[]; usage?: unknown };

describe('createFakeAnthropic', () => {
  it('answers messages.create and streams events in the SDK shapes', async () => {
    const clock = createFakeClock();
    const anthropic = createFakeAnthropic(createFakeProvider(clock, { 'claude-sonnet-4-5': [step.success({ text: 'hi you' })] }));
    const msg = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages });
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi you' }], usage: { input_tokens: 12, output_tokens: 34 } });
    const events: string[] = [];
    for await (const e of await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 64, messages, stream: true })) events.push(e.type);
    expect(events).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('messages.stream: on("text"), finalMessage(), finalText()', async () => {
    const clock = createFakeClock();
    const anthropic = createFakeAnthropic(createFakeProvider(clock, { 'claude-sonnet-4-5': [step.success({ text: 'one two three' })] }));
    const texts: string[] = [];
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages }).on('text', (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(texts).toEqual(['one ', 'two ', 'three']);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'one two three' });
    expect(final.usage.output_tokens).toBe(34);
  });

  it('throws Anthropic-shaped errors the classifier reads as the real ones: 529 overloaded, spend limit as quota', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, { 'claude-sonnet-4-5': [step.overloaded()], 'claude-haiku-4-5': [step.quota()] });
    const anthropic = createFakeAnthropic(provider);
    const overloaded = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 8, messages }).catch((e: unknown) => e);
    expect(overloaded).toMatchObject({ status: 529, type: 'overloaded_error', error: { type: 'error', error: { type: 'overloaded_error' } } });
    const { classifyError } = await import('../../src/index.js');
    expect(classifyError(overloaded).kind).toBe('overloaded');
    const quota = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 8, messages }).catch((e: unknown) => e);
    expect(classifyError(quota).kind).toBe('quota');
  });

  it('wrapped: a stream that fails before its first token is retried, and the caller sees one clean stream', async () => {
    const clock = createFakeClock();
    const provider = createFakeProvider(clock, { 'claude-sonnet-4-5': [step.streamError({ afterChunks: 0 }), step.success({ text: 'recovered' })] });
    const client = new ResilientClient({ models: ['claude-sonnet-4-5'], clock, monitor: false, random: () => 0.5 });
    const anthropic = wrapAnthropic(createFakeAnthropic(provider), client);
    const texts: string[] = [];
    const stream = anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 64, messages }).on('text', (t) => texts.push(t));
    await clock.advance(1_000);
    expect(await stream.finalText()).toBe('recovered');
    expect(texts).toEqual(['recovered']);
    expect(provider.calls.map((c) => c.outcome)).toEqual(['stream-error', 'success']);
  });
});
