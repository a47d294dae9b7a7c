// Deployments of one logical model reached through the real SDKs over loopback:
// a second OpenAI key, the real AzureOpenAI client, Anthropic direct, the real
// AnthropicBedrock (skipAuth: no AWS signing) and AnthropicVertex (a stub Google
// auth client: no credentials lookup), each pointed at the test's own server.
import { inspect } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import { AnthropicVertex } from '@anthropic-ai/vertex-sdk';
import OpenAI, { AzureOpenAI } from 'openai';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, wrapLanguageModel } from 'ai';
import { resilienceMiddleware } from '../../../src/providers/ai-sdk.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ResilientClient, type ResilienceEventName, type ResilientClientOptions } from '../../../src/index.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type FakeClock, createFakeClock } from '../../../src/testing/index.js';
import { drive } from './helpers.js';
import { type ProviderServer, replies, startProviderServer } from './server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
const KEYS = { openai: 'sk-proj-main-key-0123456789abcdefghij', azure: 'azure-key-9f8e7d6c5b4a39281706', anthropic: 'sk-ant-api03-direct-key-0123456789abcdef', vertex: 'ya29.vertex-token-0123456789abcdef' };
const EVENTS: readonly ResilienceEventName[] = ['attempt', 'success', 'failure', 'retry', 'fallback', 'exhausted', 'breaker:open', 'deployment:failover', 'ratelimit'];

let server: ProviderServer | undefined;
let client: ResilientClient | undefined;
afterEach(async () => {
  client?.dispose();
  await server?.close();
  client = server = undefined;
});

async function setup(models: (sdks: Sdks) => ResilientClientOptions['models'], options: Partial<ResilientClientOptions> = {}) {
  const clock: FakeClock = createFakeClock();
  server = await startProviderServer({ now: () => clock.now() });
  const sdks = {
    openai: new OpenAI({ apiKey: KEYS.openai, baseURL: server.openaiBaseURL }),
    azure: new AzureOpenAI({ endpoint: server.url, apiKey: KEYS.azure, apiVersion: '2024-10-21' }),
    anthropic: new Anthropic({ apiKey: KEYS.anthropic, baseURL: server.anthropicBaseURL }),
    bedrock: new AnthropicBedrock({ awsRegion: 'us-east-1', baseURL: server.url, skipAuth: true }),
    vertex: new AnthropicVertex({
      region: 'europe-west1',
      projectId: 'test-project',
      baseURL: `${server.url}/v1`,
      // Google auth is pluggable: a stub stands in for Application Default Credentials.
      authClient: { projectId: 'test-project', getRequestHeaders: async () => new Headers({ authorization: `Bearer ${KEYS.vertex}` }) } as never,
    }),
  };
  client = new ResilientClient({ models: models(sdks), clock, random: () => 0.25, monitor: false, retry: { jitter: 'none', initialDelayMs: 100, maxRetries: 2 }, ...options });
  const events: { name: ResilienceEventName; payload: Record<string, unknown> }[] = [];
  for (const name of EVENTS) client.on(name, (payload) => events.push({ name, payload: payload as unknown as Record<string, unknown> }));
  return { clock, server, client, events, ...sdks };
}
type Sdks = { openai: OpenAI; azure: AzureOpenAI; anthropic: Anthropic; bedrock: AnthropicBedrock; vertex: AnthropicVertex };

/** Nothing the client reports may carry a key, a token or a credential. */
function expectNoSecrets(...things: unknown[]) {
  const text = things.map((t) => `${JSON.stringify(t)}\n${inspect(t, { depth: 12 })}`).join('\n');
  for (const secret of Object.values(KEYS)) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/Bearer|api-key|x-api-key/i);
}

const gptChain = (s: Sdks): ResilientClientOptions['models'] => [
  {
    model: 'gpt-4.1',
    provider: 'openai',
    deployments: [
      { id: 'openai-main', client: s.openai },
      { id: 'azure-eastus', client: s.azure, model: 'gpt-4-1-prod' },
    ],
  },
  { model: 'gpt-4.1-mini', provider: 'openai' },
];

describe('deployments through wrapOpenAI: OpenAI direct and the real AzureOpenAI client', () => {
  it('OpenAI direct failing with 503s: every call is still served by gpt-4.1, through Azure, at Azure’s URL and api-version', async () => {
    const h = await setup(gptChain, { breaker: { volumeThreshold: 3 } });
    const openai = wrapOpenAI(h.openai, h.client);
    h.server.script({ path: '/v1/chat/completions', model: 'gpt-4.1' }, Array(20).fill(replies.serverError('openai-chat', 503)));
    for (let i = 0; i < 10; i++) {
      const res = await drive(openai.chat.completions.create({ model: 'gpt-4.1', messages }), h.clock);
      expect(res.choices[0]?.message.content).toBe('ok');
    }
    const azure = h.server.requests.filter((r) => r.path.startsWith('/openai/'));
    expect(azure).toHaveLength(10);
    expect(new Set(azure.map((r) => `${r.path}?${r.query}`))).toEqual(new Set(['/openai/deployments/gpt-4-1-prod/chat/completions?api-version=2024-10-21']));
    const direct = h.server.requests.filter((r) => r.path === '/v1/chat/completions');
    // Tried until its breaker opened, never retried while Azure had room, never the backup model.
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.length).toBeLessThanOrEqual(3);
    expect(direct.every((r) => r.model === 'gpt-4.1')).toBe(true);
    expect(h.events.filter((e) => e.name === 'fallback' || e.name === 'retry')).toEqual([]);
    expect(h.events.filter((e) => e.name === 'breaker:open').map((e) => e.payload)).toMatchObject([{ model: 'gpt-4.1', deployment: 'openai-main' }]);
    expect(h.events.filter((e) => e.name === 'success').map((e) => e.payload)).toMatchObject(Array(10).fill({ model: 'gpt-4.1', deployment: 'azure-eastus' }));
    expect(h.client.snapshot().deployments!['gpt-4.1']).toMatchObject([
      { id: 'openai-main', model: 'gpt-4.1', breaker: 'open' },
      { id: 'azure-eastus', model: 'gpt-4-1-prod', breaker: 'closed' },
    ]);
    expectNoSecrets(h.events, h.client.snapshot());
  });

  it('spreads by weight across the two deployments', async () => {
    let r = 0;
    const h = await setup(gptChain, { random: () => ((r = (r * 9301 + 49297) % 233280), r / 233280) });
    const openai = wrapOpenAI(h.openai, h.client);
    for (let i = 0; i < 40; i++) await drive(openai.chat.completions.create({ model: 'gpt-4.1', messages }), h.clock);
    const azure = h.server.requests.filter((x) => x.path.startsWith('/openai/')).length;
    expect(azure).toBeGreaterThan(10);
    expect(azure).toBeLessThan(30);
  });

  it('both deployments out: the chain moves to gpt-4.1-mini (on the wrapped SDK); with nothing left the error carries no secret', async () => {
    const h = await setup(gptChain, { retry: false });
    const openai = wrapOpenAI(h.openai, h.client);
    h.server.script({ path: '/v1/chat/completions', model: 'gpt-4.1' }, [replies.serverError('openai-chat', 503)]);
    h.server.script({ path: '/openai/deployments/gpt-4-1-prod/chat/completions' }, [replies.serverError('openai-chat', 502)]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-4.1', messages }), h.clock);
    expect(res.model).toBe('gpt-4.1-mini');
    expect(h.events.filter((e) => e.name === 'fallback').map((e) => e.payload)).toMatchObject([{ from: 'gpt-4.1', to: 'gpt-4.1-mini', reason: 'server' }]);
    expect(h.events.filter((e) => e.name === 'deployment:failover')).toHaveLength(1);

    h.server.script({ path: '/v1/chat/completions' }, [replies.serverError('openai-chat', 503), replies.serverError('openai-chat', 503)]);
    h.server.script({ path: '/openai/deployments/gpt-4-1-prod/chat/completions' }, [replies.serverError('openai-chat', 503)]);
    const error = await drive(openai.chat.completions.create({ model: 'gpt-4.1', messages }), h.clock).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'AllModelsFailedError', failures: [{ model: 'gpt-4.1', reason: 'server' }, { model: 'gpt-4.1-mini', reason: 'server' }] });
    expectNoSecrets(error, h.events, h.client.snapshot());
  });
});

const claudeChain = (s: Sdks): ResilientClientOptions['models'] => [
  {
    model: 'claude-sonnet-4-6',
    provider: 'anthropic',
    deployments: [
      { client: s.anthropic },
      { client: s.bedrock, model: 'anthropic.claude-sonnet-4-6-v1:0', priority: 1 },
      { client: s.vertex, model: 'claude-sonnet-4-6@20260101', priority: 2 },
    ],
  },
  { model: 'claude-haiku-4-5', provider: 'anthropic' },
];

describe('deployments of Claude: Anthropic direct, Amazon Bedrock and Google Vertex (real SDKs)', () => {
  it('a spend limit on direct and a 503 on Bedrock: client.run and wrapAnthropic stay on claude-sonnet-4-6 through Bedrock and Vertex', async () => {
    const h = await setup(claudeChain);
    const ask = () =>
      drive(
        h.client.run(({ client: sdk, model, signal }) => (sdk as Anthropic).messages.create({ model, max_tokens: 64, messages }, { signal, maxRetries: 0 })),
        h.clock,
      );
    h.server.script({ path: '/v1/messages' }, [replies.quota('anthropic')]);
    const first = await ask();
    expect(first.content[0]).toMatchObject({ text: 'ok' });
    // The quota holds direct open (its own account only); Bedrock answered.
    expect(h.client.breakerState('claude-sonnet-4-6@anthropic')).toBe('open');
    expect(h.client.breakerState('claude-sonnet-4-6@bedrock-us-east-1')).toBe('closed');
    const bedrock = h.server.requestsTo('anthropic.claude-sonnet-4-6-v1:0');
    expect(bedrock).toHaveLength(1);
    expect(bedrock[0]!.path).toBe('/model/anthropic.claude-sonnet-4-6-v1:0/invoke');
    // Bedrock's shape: the model in the URL, not the body, and the body's own `anthropic_version`.
    expect(bedrock[0]!.body).toMatchObject({ anthropic_version: expect.any(String), max_tokens: 64 });
    expect(bedrock[0]!.body).not.toHaveProperty('model');

    h.server.script({ path: '/invoke' }, [replies.serverError('anthropic', 503)]);
    const second = await ask();
    expect(second.content[0]).toMatchObject({ text: 'ok' });
    const vertex = h.server.requestsTo('claude-sonnet-4-6@20260101');
    expect(vertex.map((r) => r.path)).toEqual(['/v1/projects/test-project/locations/europe-west1/publishers/anthropic/models/claude-sonnet-4-6@20260101:rawPredict']);
    expect(vertex[0]!.body).toMatchObject({ anthropic_version: expect.any(String), max_tokens: 64 });
    expect(vertex[0]!.body).not.toHaveProperty('model');

    const anthropic = wrapAnthropic(h.anthropic, h.client);
    const third = await drive(anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages }), h.clock);
    expect(third.content[0]).toMatchObject({ text: 'ok' });
    expect(h.server.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(1); // direct is held open: not asked again
    expect(h.server.requestsTo('claude-haiku-4-5')).toHaveLength(0);
    expect(h.events.filter((e) => e.name === 'fallback')).toEqual([]);
    expect(h.events.filter((e) => e.name === 'deployment:failover').map((e) => e.payload)).toMatchObject([
      { model: 'claude-sonnet-4-6', from: 'claude-sonnet-4-6@anthropic', to: 'claude-sonnet-4-6@bedrock-us-east-1', reason: 'quota' },
      { model: 'claude-sonnet-4-6', from: 'claude-sonnet-4-6@bedrock-us-east-1', to: 'claude-sonnet-4-6@vertex-europe-west1', reason: 'server' },
    ]);
    expectNoSecrets(h.events, h.client.snapshot());
  });

  it('a 429 with retry-after on direct: the call goes to Bedrock at once, and the next calls skip direct while it is held', async () => {
    const h = await setup(claudeChain);
    const anthropic = wrapAnthropic(h.anthropic, h.client);
    h.server.script({ path: '/v1/messages' }, [replies.rateLimit('anthropic', { retryAfter: 30 })]);
    for (let i = 0; i < 3; i++) await drive(anthropic.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 64, messages }), h.clock);
    expect(h.server.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(1);
    expect(h.server.requestsTo('anthropic.claude-sonnet-4-6-v1:0')).toHaveLength(3);
    expect(h.events.filter((e) => e.name === 'retry')).toEqual([]);
  });
});

describe('deployments through the AI SDK middleware: each deployment its own model instance', () => {
  it('OpenAI direct 503 → a second account’s instance answers for gpt-4.1', async () => {
    const clock: FakeClock = createFakeClock();
    server = await startProviderServer({ now: () => clock.now() });
    const direct = createOpenAI({ apiKey: KEYS.openai, baseURL: server.openaiBaseURL }).chat('gpt-4.1');
    const second = createOpenAI({ apiKey: KEYS.azure, baseURL: `${server.url}/second/v1` }).chat('gpt-4-1-prod');
    client = new ResilientClient({
      models: [{ model: 'gpt-4.1', deployments: [{ id: 'direct', client: direct }, { id: 'second', client: second, priority: 1 }] }],
      clock,
      monitor: false,
      retry: { jitter: 'none', initialDelayMs: 100, maxRetries: 2 },
    });
    server.script({ path: '/v1/chat/completions', model: 'gpt-4.1' }, [replies.serverError('openai-chat', 503)]);
    const model = wrapLanguageModel({ model: direct, middleware: resilienceMiddleware(client) });
    const { text } = await drive(generateText({ model, prompt: 'hi', maxRetries: 0 }), clock);
    expect(text).toBe('ok');
    expect(server.requests.map((r) => `${r.path} ${r.model}`)).toEqual(['/v1/chat/completions gpt-4.1', '/second/v1/chat/completions gpt-4-1-prod']);
  });
});
