// Every public method of the pinned SDKs is either covered by the wrapper — and
// shown here to send its request through the pipeline — or listed in the docs
// under "Not covered, and why". A new SDK release that adds a method turns this red.
import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import { type Harness, countingRunner, drive, harness } from './helpers.js';
import { replies } from './server.js';

/** `resource.path.method` for every public method of every resource reachable from `client`. */
function publicMethods(client: object): string[] {
  const out = new Set<string>();
  const seen = new Set<object>();
  const walk = (resource: object, path: string) => {
    if (seen.has(resource)) return;
    seen.add(resource);
    for (const [key, value] of Object.entries(resource)) {
      // A resource is an object the SDK built on this client.
      if (value !== null && typeof value === 'object' && (value as { _client?: unknown })._client === client) walk(value, path ? `${path}.${key}` : key);
    }
    if (!path) return;
    for (let proto = Object.getPrototypeOf(resource); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        // Leading underscore: the SDK's internals, not API.
        if (name !== 'constructor' && !name.startsWith('_') && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function') out.add(`${path}.${name}`);
      }
    }
  };
  walk(client, '');
  return [...out].sort();
}

/** The backticked names listed for `sdk` under "Not covered, and why" in docs/providers.md. */
function notCovered(sdk: string): string[] {
  const doc = readFileSync(new URL('../../../docs/providers.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Not covered, and why'));
  const part = section.slice(section.indexOf(`**${sdk}**`) + sdk.length + 4).split(/\n\*\*/)[0]!;
  return [...part.matchAll(/`([A-Za-z.*]+)`/g)].map((m) => m[1]!);
}

const listed = (method: string, entries: readonly string[]) =>
  entries.some((e) => (e.endsWith('.*') ? method.startsWith(e.slice(0, -1)) : method === e));

const messages = [{ role: 'user' as const, content: 'hi' }];
type Call = (sdk: never) => unknown;

/** One call per covered method; each must reach the server only through the pipeline, after a failing primary. */
const OPENAI: Record<string, Call> = {
  'chat.completions.create': (o: OpenAI) => o.chat.completions.create({ model: 'gpt-a', messages }),
  'chat.completions.parse': (o: OpenAI) => o.chat.completions.parse({ model: 'gpt-a', messages }),
  'chat.completions.stream': (o: OpenAI) => o.chat.completions.stream({ model: 'gpt-a', messages }).finalChatCompletion(),
  'chat.completions.runTools': (o: OpenAI) => o.chat.completions.runTools({ model: 'gpt-a', messages, tools: [] }).finalContent(),
  'responses.create': (o: OpenAI) => o.responses.create({ model: 'gpt-a', input: 'hi' }),
  'responses.parse': (o: OpenAI) => o.responses.parse({ model: 'gpt-a', input: 'hi' }),
  'responses.stream': (o: OpenAI) => o.responses.stream({ model: 'gpt-a', input: 'hi' }).finalResponse(),
  'beta.responses.create': (o: OpenAI) => o.beta.responses.create({ model: 'gpt-a', input: 'hi' }),
  'embeddings.create': (o: OpenAI) => o.embeddings.create({ model: 'gpt-a', input: 'hi' }),
};

const ANTHROPIC: Record<string, Call> = {
  'messages.create': (a: Anthropic) => a.messages.create({ model: 'gpt-a', max_tokens: 8, messages }),
  'messages.parse': (a: Anthropic) => a.messages.parse({ model: 'gpt-a', max_tokens: 8, messages }),
  'messages.stream': (a: Anthropic) => a.messages.stream({ model: 'gpt-a', max_tokens: 8, messages }).finalMessage(),
  'beta.messages.create': (a: Anthropic) => a.beta.messages.create({ model: 'gpt-a', max_tokens: 8, messages }),
  'beta.messages.parse': (a: Anthropic) => a.beta.messages.parse({ model: 'gpt-a', max_tokens: 8, messages }),
  'beta.messages.stream': (a: Anthropic) => a.beta.messages.stream({ model: 'gpt-a', max_tokens: 8, messages }).finalMessage(),
  'beta.messages.toolRunner': (a: Anthropic) => a.beta.messages.toolRunner({ model: 'gpt-a', max_tokens: 8, messages, tools: [] }).runUntilDone(),
  'beta.messages.thread': (a: Anthropic) => a.beta.messages.thread({ model: 'gpt-a', max_tokens: 8 }).send({ role: 'user', content: 'hi' }),
};

let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

describe.each([
  { sdk: 'openai', make: (url: string) => new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: `${url}/v1` }), wrap: wrapOpenAI as never, covered: OPENAI, options: { embeddingModels: ['gpt-b'] } },
  { sdk: '@anthropic-ai/sdk', make: (url: string) => new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: url }), wrap: wrapAnthropic as never, covered: ANTHROPIC, options: {} },
])('$sdk: every method is covered or listed as not covered', ({ sdk, make, wrap, covered, options }) => {
  const methods = publicMethods(make('http://127.0.0.1:9'));
  const entries = notCovered(sdk);

  it('finds the resources (the walk itself works)', () => {
    expect(methods.length).toBeGreaterThan(100);
    expect(methods).toEqual(expect.arrayContaining(Object.keys(covered)));
  });

  it('no method is neither covered nor listed', () => {
    const gaps = methods.filter((m) => !Object.hasOwn(covered, m) && !listed(m, entries));
    expect(gaps, 'add each to the wrapper, or to "Not covered, and why" in docs/providers.md with the reason').toEqual([]);
  });

  it('the list names only methods that exist and are not covered', () => {
    expect(entries.filter((e) => !methods.some((m) => listed(m, [e])))).toEqual([]);
    expect(Object.keys(covered).filter((m) => listed(m, entries))).toEqual([]);
  });

  it.each(Object.keys(covered))('%s sends its requests through the pipeline: a failing primary falls back', async (method) => {
    h = await harness(['gpt-a', 'gpt-b']);
    const { server, clock } = h;
    const runner = countingRunner(h.client);
    const wrapped = (wrap as (s: unknown, r: unknown, o: unknown) => unknown)(make(server.url), runner, { ...options, clock });
    const wire = sdk === 'openai' ? (method.startsWith('chat') ? 'openai-chat' : method.startsWith('embeddings') ? 'openai-embeddings' : 'openai-responses') : 'anthropic';
    // Three 503s: our two retries, then the fallback. The SDK's own retries would add requests.
    server.script({ model: 'gpt-a' }, [503, 503, 503].map((status) => replies.serverError(wire, status)));
    if (method.endsWith('.stream')) {
      const stream = wire === 'openai-chat' ? replies.openaiChatStream({ model: 'gpt-b' }) : wire === 'openai-responses' ? replies.openaiResponsesStream({ model: 'gpt-b' }) : replies.anthropicStream({ model: 'gpt-b' });
      server.script({ model: 'gpt-b' }, [stream]);
    }
    await drive(Promise.resolve(covered[method]!(wrapped as never)), clock);
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-a', 'gpt-a', 'gpt-b']);
    expect(runner.ran).toBe(server.requests.length);
  });
});
