// "This account cannot be served", as the real SDKs receive it over HTTP: the primary's
// provider answers a billing or permission stop and the other provider's model answers.
import Anthropic from '@anthropic-ai/sdk';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, wrapLanguageModel } from 'ai';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { byProvider } from '../../../src/index.js';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { type Harness, drive, harness } from './helpers.js';
import { type Reply, replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const CREDIT = 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.';
const anthropicStop = (status: number, type: string, message: string): Reply => replies.json(status, { type: 'error', error: { type, message }, request_id: 'req_test' });
const openaiStop = (status: number, type: string, code: string, message: string): Reply => replies.json(status, { error: { message, type, param: null, code } });

const CHAIN = [
  { model: 'claude-sonnet', provider: 'anthropic' },
  { model: 'claude-haiku', provider: 'anthropic' },
  { model: 'gpt-4o', provider: 'openai' },
  { model: 'gpt-4o-mini', provider: 'openai' },
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
  const handlers = byProvider(h.client, {
    anthropic: async ({ model, signal }) => {
      const msg = await rawAnthropic.messages.create({ model, max_tokens: 64, messages }, { signal, maxRetries: 0 });
      return `${model}: ${msg.content[0]?.type === 'text' ? msg.content[0].text : ''}`;
    },
    openai: async ({ model, signal }) => {
      const res = await rawOpenAI.chat.completions.create({ model, messages }, { signal, maxRetries: 0 });
      return `${model}: ${res.choices[0]?.message.content ?? ''}`;
    },
  });
  return { ...h, run: () => drive(h!.client.run(handlers), h!.clock) };
}

describe('a provider-level stop falls back to the other provider at once (real SDKs on loopback)', () => {
  it.each([
    ['400 credit balance too low', anthropicStop(400, 'invalid_request_error', CREDIT)],
    ['400 workspace usage limit', anthropicStop(400, 'invalid_request_error', 'You have reached your specified API usage limits. You will regain access on 2026-04-01 at 00:00 UTC.')],
    ['402 billing_error', anthropicStop(402, 'billing_error', 'Your account has a billing issue.')],
    ['400 organization disabled', anthropicStop(400, 'invalid_request_error', 'This organization has been disabled.')],
    ['429 spend limit', replies.quota('anthropic')],
  ])('@anthropic-ai/sdk %s: no retry, claude-haiku is skipped, gpt-4o answers; the next call sends nothing to Anthropic', async (_label, stop) => {
    const { run, server, client, events } = await setup();
    server.script({ path: '/v1/messages' }, [stop, stop, stop]);
    expect(await run()).toBe('gpt-4o: ok');
    expect(server.requests.map((r) => r.model)).toEqual(['claude-sonnet', 'gpt-4o']);
    expect(client.breakerState('claude-sonnet')).toBe('open');
    expect(client.breakerState('claude-haiku')).toBe('open');
    expect(client.breakerState('gpt-4o')).toBe('closed');
    const fallbacks = events.filter((e) => e.name === 'fallback').map((e) => e.payload);
    expect(fallbacks[0]).toMatchObject({ from: 'claude-sonnet', to: 'claude-haiku' });
    expect(fallbacks[1]).toMatchObject({ from: 'claude-haiku', to: 'gpt-4o', reason: 'circuit_open' });
    // Held open for long: five minutes later Anthropic is still not asked.
    await h!.clock.advance(300_000);
    expect(await run()).toBe('gpt-4o: ok');
    expect(server.requests.map((r) => r.model)).toEqual(['claude-sonnet', 'gpt-4o', 'gpt-4o']);
  });

  it.each([
    ['429 insufficient_quota', openaiStop(429, 'insufficient_quota', 'insufficient_quota', 'You exceeded your current quota, please check your plan and billing details.')],
    ['429 credit_balance_exhausted', openaiStop(429, 'insufficient_quota', 'credit_balance_exhausted', 'You exceeded your current quota, please check your plan and billing details.')],
    ['400 billing_hard_limit_reached', openaiStop(400, 'invalid_request_error', 'billing_hard_limit_reached', 'Billing hard limit has been reached')],
    ['403 unsupported region', openaiStop(403, 'request_forbidden', 'unsupported_country_region_territory', 'Country, region, or territory not supported')],
  ])('openai %s: gpt-4o-mini is skipped and claude-sonnet answers', async (_label, stop) => {
    const { run, server, client } = await setup([CHAIN[2], CHAIN[3], CHAIN[0]]);
    server.script({ path: '/v1/chat/completions' }, [stop, stop, stop]);
    expect(await run()).toBe('claude-sonnet: ok');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-4o', 'claude-sonnet']);
    expect(client.breakerState('gpt-4o-mini')).toBe('open');
  });

  it('a model the account may not use is held open on its own: the same provider’s next model still answers', async () => {
    const { run, server, client } = await setup([CHAIN[2], CHAIN[3], CHAIN[0]]);
    server.script({ model: 'gpt-4o' }, [openaiStop(404, 'invalid_request_error', 'model_not_found', 'The model `gpt-4o` does not exist or you do not have access to it.')]);
    expect(await run()).toBe('gpt-4o-mini: ok');
    expect(client.breakerState('gpt-4o')).toBe('open');
    expect(client.breakerState('gpt-4o-mini')).toBe('closed');
    expect(await run()).toBe('gpt-4o-mini: ok');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini']);
  });

  it('with no other provider in the chain, a provider-wide stop holds only the failing model: the next one is asked once and answers', async () => {
    const { run, server, client } = await setup([CHAIN[2], CHAIN[3]]);
    server.script({ model: 'gpt-4o' }, [openaiStop(429, 'insufficient_quota', 'insufficient_quota', 'You exceeded your current quota, please check your plan and billing details.')]);
    expect(await run()).toBe('gpt-4o-mini: ok');
    expect(client.breakerState('gpt-4o')).toBe('open');
    expect(client.breakerState('gpt-4o-mini')).toBe('closed');
    expect(await run()).toBe('gpt-4o-mini: ok');
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini']);
  });

  it('a malformed request stays a client error: the provider’s own error, no fallback, breakers closed', async () => {
    const { run, server, client } = await setup();
    server.script({ path: '/v1/messages' }, [anthropicStop(400, 'invalid_request_error', 'messages: at least one message is required')]);
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(server.requests.map((r) => r.model)).toEqual(['claude-sonnet']);
    expect(client.breakerState('claude-sonnet')).toBe('closed');
    expect(client.breakerState('claude-haiku')).toBe('closed');
  });

  it.each([
    ['400 credit balance too low', anthropicStop(400, 'invalid_request_error', CREDIT)],
    ['402 billing_error', anthropicStop(402, 'billing_error', 'Your account has a billing issue.')],
  ])('ai: the AI SDK middleware moves from a Claude model on %s to the GPT model instance', async (_label, stop) => {
    const { server, client, clock } = await setup();
    const anthropicAI = createAnthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: `${server.anthropicBaseURL}/v1` });
    const openaiAI = createOpenAI({ apiKey: 'sk-test-not-a-real-key-1234', baseURL: server.openaiBaseURL });
    server.script({ model: 'claude-sonnet' }, [stop, stop, stop]);
    server.script({ model: 'gpt-4o' }, [replies.success('openai-chat', { model: 'gpt-4o', text: 'from gpt' })]);
    const model = wrapLanguageModel({
      model: anthropicAI('claude-sonnet'),
      middleware: resilienceMiddleware(client, { models: { 'claude-haiku': anthropicAI('claude-haiku'), 'gpt-4o': openaiAI.chat('gpt-4o') } }),
    });
    const res = await drive(generateText({ model, prompt: 'hi', maxRetries: 0 }), clock);
    expect(res.text).toBe('from gpt');
    expect(server.requests.map((r) => `${r.path} ${r.model}`)).toEqual(['/v1/messages claude-sonnet', '/v1/chat/completions gpt-4o']);
    expect(client.breakerState('claude-haiku')).toBe('open');
  });
});
