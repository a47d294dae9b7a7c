/**
 * The supported range of the AI SDK middleware: `ai` 5, 6 and 7, each with its own
 * `@ai-sdk/openai`, over a loopback server. For each: generateText, streamText and
 * generateObject with a failing primary (events fire, the fallback answers) and the
 * AI SDK's own `maxRetries` left at its default (2): the server must see exactly
 * one chain run per call, never the AI SDK re-running ours.
 */
import { APICallError } from '@ai-sdk/provider';
import { createOpenAI as createOpenAI7 } from '@ai-sdk/openai';
import * as ai7 from 'ai';
import * as ai5 from 'ai5';
import { createOpenAI as createOpenAI5 } from 'ai5-openai';
import * as ai6 from 'ai6';
import { createOpenAI as createOpenAI6 } from 'ai6-openai';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllModelsFailedError } from '../../../src/index.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { type Harness, drive, harness } from './helpers.js';
import { replies } from './server.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

// Each major's functions, typed loosely: the three packages' types differ, the calls are the same
// (the typed checks at the end compile the middleware against each major's own types).
type Fn = (options: Record<string, unknown>) => unknown;
interface Version {
  readonly name: string;
  readonly spec: 'v2' | 'v3' | 'v4';
  readonly generateText: Fn;
  readonly streamText: Fn;
  readonly generateObject: Fn;
  readonly jsonSchema: (schema: Record<string, unknown>) => unknown;
  readonly wrapLanguageModel: Fn;
  readonly provider: (baseURL: string) => { chat(id: string): unknown };
}

const key = 'sk-test-not-a-real-key-1234';
const loosely = (name: string, spec: Version['spec'], ai: object, provider: Version['provider']): Version => {
  const { generateText, streamText, generateObject, jsonSchema, wrapLanguageModel } = ai as Version;
  return { name, spec, generateText, streamText, generateObject, jsonSchema, wrapLanguageModel, provider };
};
const versions: readonly Version[] = [
  loosely('ai 7', 'v4', ai7, (baseURL) => createOpenAI7({ apiKey: key, baseURL })),
  loosely('ai 6', 'v3', ai6, (baseURL) => createOpenAI6({ apiKey: key, baseURL })),
  loosely('ai 5', 'v2', ai5, (baseURL) => createOpenAI5({ apiKey: key, baseURL })),
];

const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
const names = (e: Harness['events']) => e.map((x) => x.name);

describe.each(versions)('resilienceMiddleware with $name (the AI SDK retries left at their default)', (v) => {
  async function setup() {
    h = await harness(['gpt-a', 'gpt-b']);
    const provider = v.provider(h.server.openaiBaseURL);
    const middleware = resilienceMiddleware(h.client, { clock: h.clock, models: { 'gpt-b': provider.chat('gpt-b') as never } });
    const model = v.wrapLanguageModel({ model: provider.chat('gpt-a'), middleware });
    return { ...h, model };
  }

  it('generateText: a primary failing with 503 is retried, then the fallback answers; one chain run', async () => {
    const { model, server, events, clock } = await setup();
    server.script({ model: 'gpt-a' }, Array.from({ length: 3 }, () => replies.serverError('openai-chat', 503)));
    const res = (await drive(Promise.resolve(v.generateText({ model, prompt: 'hi' })), clock)) as { text: string };
    expect(res.text).toBe('ok');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-a', 'gpt-a', 'gpt-b']);
    expect(names(events)).toEqual(['attempt', 'failure', 'retry', 'attempt', 'failure', 'retry', 'attempt', 'failure', 'fallback', 'attempt', 'success']);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'gpt-a', to: 'gpt-b', reason: 'server' });
  });

  it('streamText: a primary out of quota falls back before the first part; the parts pass through', async () => {
    const { model, server, events, clock } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    server.script({ model: 'gpt-b' }, [replies.openaiChatStream({ model: 'gpt-b', chunks: ['Hel', 'lo'], usage: { input: 3, output: 2 } })]);
    const result = v.streamText({ model, prompt: 'hi' }) as { text: PromiseLike<string> };
    expect(await drive(Promise.resolve(result.text), clock)).toBe('Hello');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(server.requests[1]?.body.stream).toBe(true);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'gpt-a', to: 'gpt-b', reason: 'quota' });
  });

  it('generateObject: a rate-limited primary spills to the fallback, whose JSON is parsed', async () => {
    const { model, server, events, clock } = await setup();
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 5 })]);
    server.script({ model: 'gpt-b' }, [replies.success('openai-chat', { model: 'gpt-b', text: JSON.stringify({ answer: 'forty-two' }) })]);
    const res = (await drive(Promise.resolve(v.generateObject({ model, schema: v.jsonSchema(schema), prompt: 'hi' })), clock)) as { object: unknown };
    expect(res.object).toEqual({ answer: 'forty-two' });
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(names(events)).toContain('fallback');
  });

  it.each(['generateText', 'streamText', 'generateObject'] as const)('%s: when every model fails, exactly one chain run reaches the server', async (fn) => {
    const { model, server, clock } = await setup();
    server.script({ path: '/chat/completions' }, Array.from({ length: 6 }, () => replies.serverError('openai-chat', 503)));
    const errors: unknown[] = [];
    const options = { model, prompt: 'hi', ...(fn === 'generateObject' ? { schema: v.jsonSchema(schema) } : {}), onError: ({ error }: { error: unknown }) => void errors.push(error) };
    const run = fn === 'streamText' ? Promise.resolve((v.streamText(options) as { text: PromiseLike<string> }).text) : Promise.resolve(v[fn](options));
    const err = await drive(run, clock).catch((e: unknown) => e);
    expect(server.requests).toHaveLength(6); // 3 attempts × 2 models, and no second run
    // streamText reports the error through onError and rejects its promises with its own NoOutputGeneratedError.
    expect(isAllModelsFailedError(fn === 'streamText' ? errors[0] : err)).toBe(true);
  });

  it('a provider error the chain passes through (a 400 its provider marked retryable) is not retried by the AI SDK', async () => {
    h = await harness(['m-a', 'm-b']);
    let calls = 0;
    const failing = {
      specificationVersion: v.spec,
      provider: 'test',
      modelId: 'm-a',
      supportedUrls: {},
      doGenerate: async () => {
        calls++;
        throw new APICallError({ message: 'Bad request', url: 'http://127.0.0.1/v1/chat', requestBodyValues: {}, statusCode: 400, isRetryable: true });
      },
      doStream: async () => {
        throw new Error('not called');
      },
    };
    const model = v.wrapLanguageModel({ model: failing, middleware: resilienceMiddleware(h.client) });
    const err = await drive(Promise.resolve(v.generateText({ model, prompt: 'hi' })), h.clock).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(APICallError.isInstance(err)).toBe(true); // the provider's own error, not renamed
    expect(err).toMatchObject({ statusCode: 400, isRetryable: false });
  });
});

describe('the middleware type-checks against each major', () => {
  it('is accepted by wrapLanguageModel of ai 7, 6 and 5 with their own providers', async () => {
    h = await harness(['gpt-a']);
    const m7 = ai7.wrapLanguageModel({ model: createOpenAI7({ apiKey: key }).chat('gpt-a'), middleware: resilienceMiddleware(h.client) });
    const m6 = ai6.wrapLanguageModel({ model: createOpenAI6({ apiKey: key }).chat('gpt-a'), middleware: resilienceMiddleware(h.client, { specificationVersion: 'v3' }) });
    const m5 = ai5.wrapLanguageModel({ model: createOpenAI5({ apiKey: key }).chat('gpt-a'), middleware: resilienceMiddleware(h.client, { specificationVersion: 'v2' }) });
    expect([m7.modelId, m6.modelId, m5.modelId]).toEqual(['gpt-a', 'gpt-a', 'gpt-a']);
  });
});
