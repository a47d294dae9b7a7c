// One client shared by wrapAnthropic, wrapOpenAI and client.run over a chain
// that spans providers, against the real SDKs on the loopback server.
import Anthropic from '@anthropic-ai/sdk';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { byProvider, isConfigError } from '../../../src/index.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, drive, harness } from './helpers.js';
import { replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const CHAIN = [
  { model: 'claude-sonnet', provider: 'anthropic' },
  { model: 'gpt-4o', provider: 'openai' },
  { model: 'claude-haiku', provider: 'anthropic' },
] as const;

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

async function setup(models: Parameters<typeof harness>[0] = CHAIN) {
  h = await harness(models);
  const rawAnthropic = new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL });
  const rawOpenAI = new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL });
  return { ...h, rawAnthropic, rawOpenAI, anthropic: wrapAnthropic(rawAnthropic, h.client), openai: wrapOpenAI(rawOpenAI, h.client) };
}

describe('a chain that spans providers, one shared client', () => {
  it('wrapAnthropic never sends the OpenAI entry to /v1/messages: 529 falls back to the next Claude model and says what it skipped', async () => {
    const { anthropic, server, events } = await setup();
    server.script({ model: 'claude-sonnet' }, [replies.overloaded(), replies.overloaded(), replies.overloaded()]);
    const msg = await drive(anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 64, messages }), h!.clock);
    expect(msg.model).toBe('claude-haiku');
    expect(server.requests.map((r) => `${r.path} ${r.model}`)).toEqual([...Array(3).fill('/v1/messages claude-sonnet'), '/v1/messages claude-haiku']);
    expect(events.filter((e) => e.name === 'fallback').map((e) => e.payload)).toMatchObject([{ from: 'claude-sonnet', to: 'claude-haiku', reason: 'overloaded', skipped: ['gpt-4o'] }]);
  });

  it('wrapOpenAI keeps to the OpenAI entries of the same chain', async () => {
    const { openai, server, events } = await setup();
    server.script({ model: 'gpt-4o' }, [replies.quota('openai-chat')]);
    const err = await drive(openai.chat.completions.create({ model: 'gpt-4o', messages }), h!.clock).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AllModelsFailedError', failures: [{ model: 'gpt-4o', reason: 'quota' }] });
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/chat/completions']);
    expect(events.some((e) => e.name === 'fallback')).toBe(false);
  });

  it('a request for a model of another provider is refused with a ConfigError naming both, and nothing is sent', async () => {
    const { openai, server } = await setup([{ model: 'claude-sonnet', provider: 'anthropic' }]);
    const err = await openai.chat.completions.create({ model: 'claude-sonnet', messages }).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect(err).toMatchObject({ issues: [{ path: 'request.model' }] });
    expect((err as Error).message).toContain('the chain names "anthropic" as the provider of "claude-sonnet", and this wrapper sends requests to "openai" only');
    expect(server.requests).toHaveLength(0);
  });

  it('…even when the chain has a model of the wrapper’s provider: it is not silently answered by that model', async () => {
    const { openai, anthropic, server } = await setup();
    const err = await openai.chat.completions.create({ model: 'claude-haiku', messages }).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    const fromAnthropic = await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 8, messages }).catch((e: unknown) => e);
    expect(fromAnthropic).toMatchObject({ name: 'ConfigError', issues: [{ path: 'request.model' }] });
    // The stream helpers reach the same check (the SDK's stream wraps errors that are not its own, keeping them in `cause`).
    await expect(openai.chat.completions.stream({ model: 'claude-haiku', messages }).finalChatCompletion()).rejects.toMatchObject({ cause: { name: 'ConfigError' } });
    expect(server.requests).toHaveLength(0);
  });

  it('plain model names name no provider: every wrapper may send them (the earlier behaviour)', async () => {
    const { anthropic, server } = await setup(['claude-sonnet', 'claude-haiku']);
    server.script({ model: 'claude-sonnet' }, [replies.quota('anthropic')]);
    const msg = await drive(anthropic.messages.create({ model: 'claude-sonnet', max_tokens: 64, messages }), h!.clock);
    expect(msg.model).toBe('claude-haiku');
  });

  it('Claude down → GPT answers, through client.run and byProvider; breakers and events are the one client’s', async () => {
    const { client, rawAnthropic, rawOpenAI, server, events } = await setup();
    server.script({ path: '/v1/messages' }, Array(6).fill(replies.overloaded()));
    const answer = await drive(
      client.run(
        byProvider(client, {
          anthropic: async ({ model, signal }) => {
            const msg = await rawAnthropic.messages.create({ model, max_tokens: 64, messages }, { signal, maxRetries: 0 });
            return msg.content[0]?.type === 'text' ? msg.content[0].text : '';
          },
          openai: async ({ model, signal }) => {
            const res = await rawOpenAI.chat.completions.create({ model, messages }, { signal, maxRetries: 0 });
            return res.choices[0]?.message.content ?? '';
          },
        }),
      ),
      h!.clock,
    );
    expect(answer).toBe('ok');
    expect(server.requests.map((r) => r.model)).toEqual(['claude-sonnet', 'claude-sonnet', 'claude-sonnet', 'gpt-4o']);
    expect(events.filter((e) => e.name === 'fallback').map((e) => e.payload)).toMatchObject([{ from: 'claude-sonnet', to: 'gpt-4o', reason: 'overloaded' }]);
    expect(events.find((e) => e.name === 'fallback')!.payload).not.toHaveProperty('skipped');
  });

  it('byProvider refuses a model whose provider has no handler, without calling anything', async () => {
    const { client, server } = await setup();
    const err = await client.run(byProvider(client, { openai: async () => 'never' })).catch((e: unknown) => e);
    expect(isConfigError(err)).toBe(true);
    expect((err as Error).message).toContain('model "claude-sonnet" is served by "anthropic", which has no handler; handlers: openai');
    expect(server.requests).toHaveLength(0);
  });

  it('the AI SDK middleware falls back from a Claude model to a GPT model instance', async () => {
    const { client, server, events } = await setup();
    const anthropicAI = createAnthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: `${server.anthropicBaseURL}/v1` });
    const openaiAI = createOpenAI({ apiKey: 'sk-test-not-a-real-key-1234', baseURL: server.openaiBaseURL });
    server.script({ model: 'claude-sonnet' }, [replies.serverError('anthropic', 500), replies.serverError('anthropic', 500), replies.serverError('anthropic', 500)]);
    server.script({ model: 'gpt-4o' }, [replies.success('openai-chat', { model: 'gpt-4o', text: 'from gpt' })]);
    const model = wrapLanguageModel({
      model: anthropicAI('claude-sonnet'),
      middleware: resilienceMiddleware(client, { models: { 'gpt-4o': openaiAI.chat('gpt-4o') } }),
    });
    const res = await drive(generateText({ model, prompt: 'hi', maxRetries: 0 }), h!.clock);
    expect(res.text).toBe('from gpt');
    expect(server.requests.map((r) => `${r.path} ${r.model}`)).toEqual([...Array(3).fill('/v1/messages claude-sonnet'), '/v1/chat/completions gpt-4o']);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'claude-sonnet', to: 'gpt-4o', reason: 'server' });
  });
});
