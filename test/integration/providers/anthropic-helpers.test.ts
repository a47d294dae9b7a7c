// The SDK's own helpers (parse, stream), the beta messages resource, its tool
// runner and `withOptions` reach the network through the pipeline, against the
// real `@anthropic-ai/sdk` package on the loopback server.
import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { BetaMessageStream } from '@anthropic-ai/sdk/lib/BetaMessageStream';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllModelsFailedError } from '../../../src/index.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { type Harness, countingRunner, drive, harness } from './helpers.js';
import { replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'Where?' }];
const cityFormat = { type: 'json_schema' as const, schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } };

let h: Harness | undefined;
let runner: ReturnType<typeof countingRunner>;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

async function setup() {
  h = await harness(['claude-a', 'claude-b']);
  runner = countingRunner(h.client);
  const raw = new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL });
  return { ...h, raw, anthropic: wrapAnthropic(raw, runner, { clock: h.clock }) };
}

/** Every request the server saw was an attempt of the pipeline, sent with the SDK's retries off. */
function allThroughPipeline(x: Harness) {
  expect(runner.ran).toBe(x.server.requests.length);
  expect(x.server.requests.every((r) => r.headers['x-stainless-retry-count'] === '0')).toBe(true);
}

/** The primary overloaded three times (our retries), then the fallback. */
const overloadedPrimary = (x: Harness) => x.server.script({ model: 'claude-a' }, [replies.overloaded(), replies.overloaded(), replies.overloaded()]);
const fellBack = (x: Harness) => x.events.filter((e) => e.name === 'fallback').map((e) => e.payload);

describe('wrapAnthropic covers the SDK helpers', () => {
  it('messages.parse: 529s on the primary, the fallback answers, `parsed_output` is the SDK’s own', async () => {
    const { anthropic, server } = await setup();
    overloadedPrimary(h!);
    server.script({ model: 'claude-b' }, [replies.success('anthropic', { model: 'claude-b', text: '{"city":"Lima"}' })]);
    const msg = await drive(anthropic.messages.parse({ model: 'claude-a', max_tokens: 64, messages, output_config: { format: cityFormat } }), h!.clock);
    expect(msg.parsed_output).toEqual({ city: 'Lima' });
    expect(msg.model).toBe('claude-b');
    expect(fellBack(h!)).toMatchObject([{ from: 'claude-a', to: 'claude-b', reason: 'overloaded' }]);
    allThroughPipeline(h!);
  });

  it('messages.stream stays a MessageStream', async () => {
    const { anthropic, server } = await setup();
    server.script({ model: 'claude-a' }, [replies.quota('anthropic')]);
    server.script({ model: 'claude-b' }, [replies.anthropicStream({ model: 'claude-b' })]);
    const stream = anthropic.messages.stream({ model: 'claude-a', max_tokens: 64, messages });
    expect(stream).toBeInstanceOf(MessageStream);
    expect((await drive(stream.finalMessage(), h!.clock)).model).toBe('claude-b');
    allThroughPipeline(h!);
  });

  it('beta.messages.create: 529s on the primary fall back', async () => {
    const { anthropic } = await setup();
    overloadedPrimary(h!);
    const msg = await drive(anthropic.beta.messages.create({ model: 'claude-a', max_tokens: 64, messages, betas: ['some-beta-2026-01-01'] }), h!.clock);
    expect(msg.model).toBe('claude-b');
    expect(h!.server.requests[0]!.headers['anthropic-beta']).toBe('some-beta-2026-01-01');
    expect(fellBack(h!)).toMatchObject([{ from: 'claude-a', to: 'claude-b', reason: 'overloaded' }]);
    allThroughPipeline(h!);
  });

  it('beta.messages.stream: still a BetaMessageStream; falls back before the first token; text events and finalMessage work', async () => {
    const { anthropic, server } = await setup();
    overloadedPrimary(h!);
    server.script({ model: 'claude-b' }, [replies.anthropicStream({ model: 'claude-b', chunks: ['Hi', ' there'] })]);
    const stream = anthropic.beta.messages.stream({ model: 'claude-a', max_tokens: 64, messages });
    expect(stream).toBeInstanceOf(BetaMessageStream);
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const final = await drive(stream.finalMessage(), h!.clock);
    expect(texts.join('')).toBe('Hi there');
    expect(final.model).toBe('claude-b');
    allThroughPipeline(h!);
  });

  it('beta.messages.stream: when every model fails, the SDK’s error carries ours in `cause`', async () => {
    const { anthropic, server } = await setup();
    server.script({ model: 'claude-a' }, [replies.quota('anthropic')]);
    server.script({ model: 'claude-b' }, [replies.quota('anthropic')]);
    const err = await drive(anthropic.beta.messages.stream({ model: 'claude-a', max_tokens: 64, messages }).finalMessage(), h!.clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AnthropicError);
    expect(isAllModelsFailedError((err as Error).cause)).toBe(true);
    allThroughPipeline(h!);
  });

  it('beta.messages.parse goes through the pipeline', async () => {
    const { anthropic, server } = await setup();
    server.script({ model: 'claude-a' }, [replies.quota('anthropic')]);
    server.script({ model: 'claude-b' }, [replies.success('anthropic', { model: 'claude-b', text: '{"city":"Kyiv"}' })]);
    const msg = await drive(anthropic.beta.messages.parse({ model: 'claude-a', max_tokens: 64, messages, output_config: { format: cityFormat } }), h!.clock);
    expect(msg.parsed_output).toEqual({ city: 'Kyiv' });
    allThroughPipeline(h!);
  });

  it('beta.messages.toolRunner: every turn of the tool loop is a resilient call', async () => {
    const { anthropic, server } = await setup();
    overloadedPrimary(h!);
    server.script({ model: 'claude-b' }, [replies.anthropicToolUse({ model: 'claude-b', name: 'weather', input: { city: 'Rome' } })]);
    const calls: unknown[] = [];
    const weather = betaTool({
      name: 'weather',
      description: 'Weather in a city',
      inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      run: (args) => (calls.push(args), 'sunny'),
    });
    const final = await drive(Promise.resolve(anthropic.beta.messages.toolRunner({ model: 'claude-a', max_tokens: 64, messages, tools: [weather] }).runUntilDone()), h!.clock);
    expect(calls).toEqual([{ city: 'Rome' }]);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'ok' });
    expect(fellBack(h!)[0]).toMatchObject({ from: 'claude-a', to: 'claude-b', reason: 'overloaded' });
    allThroughPipeline(h!);
  });

  it('beta.messages.toolRunner with stream: true: each turn is streamed through the pipeline', async () => {
    const { anthropic, server } = await setup();
    overloadedPrimary(h!);
    server.script({ model: 'claude-b' }, [replies.anthropicStream({ model: 'claude-b', chunks: ['No', ' tool needed'] })]);
    const weather = betaTool({ name: 'weather', description: 'Weather', inputSchema: { type: 'object', properties: {} }, run: () => 'sunny' });
    const runner = anthropic.beta.messages.toolRunner({ model: 'claude-a', max_tokens: 64, messages, tools: [weather], stream: true });
    const texts: string[] = [];
    const turns = (async () => {
      for await (const turn of runner) turn.on('text', (t) => texts.push(t));
      return runner.runUntilDone();
    })();
    const final = await drive(turns, h!.clock);
    expect(final.content[0]).toMatchObject({ type: 'text', text: 'No tool needed' });
    expect(texts.join('')).toBe('No tool needed');
    expect(server.requests.map((r) => r.model)).toEqual(['claude-a', 'claude-a', 'claude-a', 'claude-b']);
    allThroughPipeline(h!);
  });

  it('withOptions(...) returns a wrapped client on the same ResilientClient', async () => {
    const { anthropic, server } = await setup();
    const scoped = anthropic.withOptions({ timeout: 5_000 });
    expect(scoped.resilience).toBe(runner);
    server.script({ model: 'claude-a' }, [replies.quota('anthropic')]);
    const msg = await drive(scoped.messages.create({ model: 'claude-a', max_tokens: 64, messages }), h!.clock);
    expect(msg.model).toBe('claude-b');
    const beta = await drive(scoped.beta.messages.create({ model: 'claude-a', max_tokens: 64, messages }), h!.clock);
    expect(beta.model).toBe('claude-b');
    allThroughPipeline(h!);
  });
});
