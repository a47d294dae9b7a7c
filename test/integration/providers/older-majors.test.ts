// The helpers, beta resources, embeddings and withOptions are covered on the
// older SDK majors too (openai 6; the @anthropic-ai/sdk 0.x that LangChain
// bundles): each sends its requests only through the pipeline.
import Anthropic0 from 'anthropic0';
import OpenAI6 from 'openai6';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, countingRunner, drive, harness } from './helpers.js';
import { type Wire, replies } from './server.js';

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

const messages = [{ role: 'user' as const, content: 'hi' }];
const ask = { model: 'gpt-a', max_tokens: 8, messages };
type Clients = { openai: OpenAI6; anthropic: Anthropic0 };

const CASES: [string, Wire, (c: Clients) => unknown][] = [
  ['openai chat.completions.parse', 'openai-chat', ({ openai }) => openai.chat.completions.parse({ model: 'gpt-a', messages })],
  ['openai chat.completions.stream', 'openai-chat', ({ openai }) => openai.chat.completions.stream({ model: 'gpt-a', messages }).finalChatCompletion()],
  ['openai chat.completions.runTools', 'openai-chat', ({ openai }) => openai.chat.completions.runTools({ model: 'gpt-a', messages, tools: [] }).finalContent()],
  ['openai responses.parse', 'openai-responses', ({ openai }) => openai.responses.parse({ model: 'gpt-a', input: 'hi' })],
  ['openai responses.stream', 'openai-responses', ({ openai }) => openai.responses.stream({ model: 'gpt-a', input: 'hi' }).finalResponse()],
  ['openai embeddings.create', 'openai-embeddings', ({ openai }) => openai.embeddings.create({ model: 'gpt-a', input: 'hi' })],
  ['openai withOptions', 'openai-chat', ({ openai }) => openai.withOptions({ timeout: 5_000 }).chat.completions.create({ model: 'gpt-a', messages })],
  ['anthropic messages.parse', 'anthropic', ({ anthropic }) => anthropic.messages.parse(ask)],
  ['anthropic messages.stream', 'anthropic', ({ anthropic }) => anthropic.messages.stream(ask).finalMessage()],
  ['anthropic beta.messages.create', 'anthropic', ({ anthropic }) => anthropic.beta.messages.create(ask)],
  ['anthropic beta.messages.stream', 'anthropic', ({ anthropic }) => anthropic.beta.messages.stream(ask).finalMessage()],
  ['anthropic beta.messages.parse', 'anthropic', ({ anthropic }) => anthropic.beta.messages.parse(ask)],
  ['anthropic beta.messages.toolRunner', 'anthropic', ({ anthropic }) => anthropic.beta.messages.toolRunner({ ...ask, tools: [] }).runUntilDone()],
  ['anthropic withOptions', 'anthropic', ({ anthropic }) => anthropic.withOptions({ timeout: 5_000 }).messages.create(ask)],
];

const streamReply = (wire: Wire) =>
  wire === 'openai-chat' ? replies.openaiChatStream({ model: 'gpt-b' }) : wire === 'anthropic' ? replies.anthropicStream({ model: 'gpt-b' }) : replies.openaiResponsesStream({ model: 'gpt-b' });

describe('openai 6 and @anthropic-ai/sdk 0.x', () => {
  it.each(CASES)('%s: three 503s on the primary, then the fallback, all through the pipeline', async (name, wire, call) => {
    h = await harness(['gpt-a', 'gpt-b']);
    const runner = countingRunner(h.client);
    const openai = wrapOpenAI(new OpenAI6({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: `${h.server.url}/v1` }), runner, { clock: h.clock, embeddingModels: ['gpt-b'] });
    const anthropic = wrapAnthropic(new Anthropic0({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.url }), runner, { clock: h.clock });
    h.server.script({ model: 'gpt-a' }, [503, 503, 503].map((status) => replies.serverError(wire, status)));
    if (name.includes('stream')) h.server.script({ model: 'gpt-b' }, [streamReply(wire)]);
    await drive(Promise.resolve(call({ openai, anthropic })), h.clock);
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-a', 'gpt-a', 'gpt-b']);
    expect(runner.ran).toBe(h.server.requests.length);
  });
});
