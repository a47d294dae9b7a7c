// The SDK's own helpers (parse, stream, runTools), the beta resources and
// `withOptions` reach the network through the pipeline, against the real
// `openai` package on the loopback server.
import OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { ResponseStream } from 'openai/lib/responses/ResponseStream';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllModelsFailedError } from '../../../src/index.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, countingRunner, drive, harness } from './helpers.js';
import { replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'Where?' }];
const cityFormat = {
  type: 'json_schema' as const,
  json_schema: { name: 'city', strict: true, schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
};

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

let runner: ReturnType<typeof countingRunner>;
async function setup() {
  h = await harness(['gpt-a', 'gpt-b']);
  runner = countingRunner(h.client);
  const raw = new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL });
  return { ...h, raw, openai: wrapOpenAI(raw, runner, { clock: h.clock }) };
}

/** Every request the server saw was an attempt of the pipeline, sent with the SDK's retries off. */
function allThroughPipeline(x: Harness) {
  expect(runner.ran).toBe(x.server.requests.length);
  expect(x.server.requests.every((r) => r.headers['x-stainless-retry-count'] === '0')).toBe(true);
}

const fellBack = (x: Harness) => x.events.filter((e) => e.name === 'fallback').map((e) => e.payload);

describe('wrapOpenAI covers the SDK helpers', () => {
  it('chat.completions.parse: the primary out of quota, the fallback answers, `parsed` is the SDK’s own', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    server.script({ model: 'gpt-b' }, [replies.success('openai-chat', { model: 'gpt-b', text: '{"city":"Paris"}' })]);
    const res = await drive(openai.chat.completions.parse({ model: 'gpt-a', messages, response_format: cityFormat }), h!.clock);
    expect(res.choices[0]?.message.parsed).toEqual({ city: 'Paris' });
    expect(res.model).toBe('gpt-b');
    expect(fellBack(h!)).toMatchObject([{ from: 'gpt-a', to: 'gpt-b', reason: 'quota' }]);
    allThroughPipeline(h!);
  });

  it('responses.parse: a 500 is retried with our backoff, `output_parsed` is the SDK’s own', async () => {
    const { openai, server, times } = await setup();
    server.script({ model: 'gpt-a' }, [replies.serverError('openai-responses'), replies.success('openai-responses', { model: 'gpt-a', text: '{"city":"Oslo"}' })]);
    const text = { format: { type: 'json_schema' as const, name: 'city', strict: true, schema: cityFormat.json_schema.schema } };
    const res = await drive(openai.responses.parse({ model: 'gpt-a', input: 'Where?', text }), h!.clock);
    expect(res.output_parsed).toEqual({ city: 'Oslo' });
    expect(times('gpt-a')).toEqual([0, 100]);
    allThroughPipeline(h!);
  });

  it('chat.completions.stream(): still a ChatCompletionStream; falls back before the first token; events and finalChatCompletion work', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    server.script({ model: 'gpt-b' }, [replies.openaiChatStream({ model: 'gpt-b', chunks: ['Hi', ' there'], usage: { input: 3, output: 2 } })]);
    const stream = openai.chat.completions.stream({ model: 'gpt-a', messages });
    expect(stream).toBeInstanceOf(ChatCompletionStream);
    const deltas: string[] = [];
    stream.on('content', (d) => deltas.push(d));
    const final = await drive(stream.finalChatCompletion(), h!.clock);
    expect(deltas.join('')).toBe('Hi there');
    expect(final.model).toBe('gpt-b');
    expect(final.choices[0]?.message.content).toBe('Hi there');
    expect(fellBack(h!)).toMatchObject([{ from: 'gpt-a', to: 'gpt-b', reason: 'quota' }]);
    allThroughPipeline(h!);
  });

  it('chat.completions.stream(): when every model fails, the SDK’s error carries ours in `cause`', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    server.script({ model: 'gpt-b' }, [replies.quota('openai-chat')]);
    const err = await drive(openai.chat.completions.stream({ model: 'gpt-a', messages }).finalChatCompletion(), h!.clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.OpenAIError);
    expect(isAllModelsFailedError((err as Error).cause)).toBe(true);
    allThroughPipeline(h!);
  });

  it('responses.stream(): still a ResponseStream; falls back before the first token; finalResponse works', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-responses')]);
    server.script({ model: 'gpt-b' }, [replies.openaiResponsesStream({ model: 'gpt-b', chunks: ['Hel', 'lo'] })]);
    const stream = openai.responses.stream({ model: 'gpt-a', input: 'hi' });
    expect(stream).toBeInstanceOf(ResponseStream);
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await drive(stream.finalResponse(), h!.clock);
    expect(deltas.join('')).toBe('Hello');
    expect(final.output_text).toBe('Hello');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    allThroughPipeline(h!);
  });

  it('chat.completions.runTools: every step of the tool loop is a resilient call', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    server.script({ model: 'gpt-b' }, [replies.openaiToolCall({ model: 'gpt-b', name: 'weather', args: { city: 'Paris' } }), replies.success('openai-chat', { model: 'gpt-b', text: 'Sunny' })]);
    const calls: unknown[] = [];
    const tool = { type: 'function' as const, function: { name: 'weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } } }, function: (args: unknown) => (calls.push(args), 'sunny'), parse: JSON.parse } };
    const runner = openai.chat.completions.runTools({ model: 'gpt-a', messages, tools: [tool] });
    expect(await drive(runner.finalContent(), h!.clock)).toBe('Sunny');
    expect(calls).toEqual([{ city: 'Paris' }]);
    // The first step fell back; the quota-struck primary is not retried in the second.
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b', 'gpt-b']);
    allThroughPipeline(h!);
  });

  it('beta.responses.create goes through the pipeline', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-responses')]);
    const res = await drive(openai.beta.responses.create({ model: 'gpt-a', input: 'hi' }), h!.clock);
    expect(res.model).toBe('gpt-b');
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/responses', '/v1/responses']);
    allThroughPipeline(h!);
  });

  it('withOptions(...) returns a wrapped client on the same ResilientClient, helpers included', async () => {
    const { openai, server } = await setup();
    const scoped = openai.withOptions({ timeout: 5_000 });
    expect(scoped.resilience).toBe(runner);
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat'), replies.quota('openai-chat')]);
    const res = await drive(scoped.chat.completions.create({ model: 'gpt-a', messages }), h!.clock);
    expect(res.model).toBe('gpt-b');
    const parsed = await drive(scoped.withOptions({ maxRetries: 5 }).chat.completions.parse({ model: 'gpt-a', messages }), h!.clock);
    expect(parsed.model).toBe('gpt-b');
    allThroughPipeline(h!);
  });
});
