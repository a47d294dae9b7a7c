// embeddings.create through wrapOpenAI, against the real `openai` package on
// the loopback server: retries and budget like any call, fallback only to the
// embedding models the user lists.
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, drive, harness } from './helpers.js';
import { replies } from './server.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

async function setup() {
  // The chain holds chat models: an embeddings call must never go there.
  h = await harness(['gpt-a', 'gpt-b'], { budget: { task: { maxTokens: 100_000 } } });
  const raw = new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL });
  return { ...h, raw };
}

describe('embeddings.create through wrapOpenAI', () => {
  it('a 500 is retried on the same model; the vectors are the SDK’s own; usage reaches the budget with no output tokens', async () => {
    const { raw, client, server, times } = await setup();
    const openai = wrapOpenAI(raw, client, { clock: h!.clock });
    const usage: { inputTokens: number; outputTokens: number }[] = [];
    client.on('budget:usage', (e) => usage.push({ inputTokens: e.inputTokens, outputTokens: e.outputTokens }));
    server.script({ model: 'embed-a' }, [replies.serverError('openai-embeddings', 503), replies.success('openai-embeddings', { model: 'embed-a', usage: { input: 7, output: 0 } })]);
    const res = await drive(openai.embeddings.create({ model: 'embed-a', input: 'hello' }), h!.clock);
    expect(Array.from(res.data[0]!.embedding)).toEqual([0.25, -0.5, 1]);
    expect(times('embed-a')).toEqual([0, 100]);
    expect(usage).toEqual([{ inputTokens: 7, outputTokens: 0 }]);
    expect(server.requests.every((r) => r.headers['x-stainless-retry-count'] === '0')).toBe(true);
  });

  it('without embeddingModels it never falls back to the chain’s chat models', async () => {
    const { raw, client, server } = await setup();
    const openai = wrapOpenAI(raw, client, { clock: h!.clock });
    server.script({ model: 'embed-a' }, [replies.quota('openai-embeddings')]);
    const err = await drive(openai.embeddings.create({ model: 'embed-a', input: 'hello' }), h!.clock).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'AllModelsFailedError', failures: [{ model: 'embed-a', reason: 'quota' }] });
    expect(server.requests.map((r) => r.model)).toEqual(['embed-a']);
  });

  it('falls back only to the listed embedding models, with a fallback event', async () => {
    const { raw, client, server, events } = await setup();
    const openai = wrapOpenAI(raw, client, { embeddingModels: ['embed-eu'] });
    server.script({ model: 'embed-a' }, [replies.quota('openai-embeddings')]);
    const res = await drive(openai.embeddings.create({ model: 'embed-a', input: ['a', 'b'] }), h!.clock);
    expect(res.model).toBe('embed-eu');
    expect(server.requests.map((r) => r.model)).toEqual(['embed-a', 'embed-eu']);
    expect(events.filter((e) => e.name === 'fallback').map((e) => e.payload)).toMatchObject([{ from: 'embed-a', to: 'embed-eu', reason: 'quota' }]);
    // Chat calls keep the client's chain.
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    const chat = await drive(openai.chat.completions.create({ model: 'gpt-a', messages: [{ role: 'user', content: 'hi' }] }), h!.clock);
    expect(chat.model).toBe('gpt-b');
  });

  it.each<[unknown, string]>([
    ['embed-eu', 'wrapOpenAI.embeddingModels: expected an array of model names'],
    [['embed-eu', ''], 'wrapOpenAI.embeddingModels.1: expected a model name (non-empty string)'],
  ])('embeddingModels %j is refused at construction', async (embeddingModels, message) => {
    const { raw, client } = await setup();
    expect(() => wrapOpenAI(raw, client, { embeddingModels } as never)).toThrow(message);
  });
});
