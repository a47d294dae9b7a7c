import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllModelsFailedError, isStreamInterruptedError, isTimeoutError } from '../../../src/index.js';
import { wrapOpenAI } from '../../../src/providers/openai.js';
import type { RateLimitInfo } from '../../../src/classify/ratelimit-headers.js';
import { type Harness, drive, harness, tick } from './helpers.js';
import { openaiRateLimitHeaders, replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

async function setup(models = ['gpt-a', 'gpt-b'], options: Parameters<typeof harness>[1] = {}) {
  h = await harness(models, options);
  const seen: { model: string; info: RateLimitInfo }[] = [];
  const raw = new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL });
  const openai = wrapOpenAI(raw, h.client, { clock: h.clock, onRateLimit: (model, info) => seen.push({ model, info }) });
  return { ...h, openai, raw, seen };
}

describe('wrapOpenAI against the real openai package', () => {
  it('returns the SDK result, turns SDK retries off and reads rate-limit headers on success', async () => {
    const { openai, server, seen, clock } = await setup();
    server.script({ model: 'gpt-a' }, [replies.success('openai-chat', { model: 'gpt-a', text: 'hello', headers: openaiRateLimitHeaders({ remainingRequests: 7, resetRequests: '1m30s' }) })]);
    const res = await openai.chat.completions.create({ model: 'gpt-a', messages });
    expect(res.choices[0]!.message.content).toBe('hello');
    expect(res.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['x-stainless-retry-count']).toBe('0');
    expect(server.requests[0]!.headers).not.toHaveProperty('authorization');
    expect(seen).toEqual([{ model: 'gpt-a', info: expect.objectContaining({ requests: { limit: 60, remaining: 7, resetAt: clock.now() + 90_000 } }) }]);
  });

  it('answers .withResponse() like the SDK', async () => {
    const { openai } = await setup();
    const { data, response } = await openai.chat.completions.create({ model: 'gpt-b', messages }).withResponse();
    expect(data.model).toBe('gpt-b');
    expect(response.status).toBe(200);
  });

  // Alone in its chain, a model's 429 is retried after Retry-After. With a backup that has room it
  // spills there instead (next test), so these Retry-After tests run on a chain of one.
  it('transient 429: waits exactly retry-after on the fake clock and retries the same model; the SDK adds no attempt', async () => {
    const { openai, server, times, events } = await setup(['gpt-a']);
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 2 })]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h!.clock);
    expect(res.model).toBe('gpt-a');
    expect(times('gpt-a')).toEqual([0, 2_000]);
    expect(server.requestsTo('gpt-b')).toHaveLength(0);
    expect(events.find((e) => e.name === 'retry')?.payload).toMatchObject({ model: 'gpt-a', delayMs: 2_000, reason: 'rate_limit' });
  });

  it('transient 429 with a backup that has room: spills there at once instead of sleeping Retry-After', async () => {
    const { openai, server, times, events } = await setup();
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 2 })]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h!.clock);
    expect(res.model).toBe('gpt-b');
    expect(times()).toEqual([0, 0]);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'gpt-a', to: 'gpt-b', reason: 'rate_limit' });
  });

  it('prefers retry-after-ms', async () => {
    const { openai, server, times } = await setup(['gpt-a']);
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 9, retryAfterMs: 350 })]);
    await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h!.clock);
    expect(times('gpt-a')).toEqual([0, 350]);
    expect(server.requests).toHaveLength(2);
  });

  it('insufficient_quota: no retry, falls back to the next model at once', async () => {
    const { openai, server, times, events } = await setup();
    server.script({ model: 'gpt-a' }, [replies.quota('openai-chat')]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h!.clock);
    expect(res.model).toBe('gpt-b');
    expect(times()).toEqual([0, 0]);
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b']);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ from: 'gpt-a', to: 'gpt-b', reason: 'quota' });
  });

  it('retry-after above the cap: falls back now instead of waiting', async () => {
    const { openai, server, times, events } = await setup();
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfter: 120 })]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h!.clock);
    expect(res.model).toBe('gpt-b');
    expect(times()).toEqual([0, 0]);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ reason: 'retry_after_too_long' });
  });

  it('the request model is the primary; the chain continues with the client models', async () => {
    const { openai, server } = await setup(['gpt-a', 'gpt-b', 'gpt-c']);
    server.script({ model: 'gpt-b' }, [replies.badRequest('openai-chat')]);
    server.script({ path: '/chat/completions' }, [replies.serverError('openai-chat', 500), replies.serverError('openai-chat', 500), replies.serverError('openai-chat', 500)]);
    // gpt-c first (not the client's primary), then the rest of the chain in order.
    const res = await drive(openai.chat.completions.create({ model: 'gpt-c', messages }), h!.clock);
    expect(server.requests.map((r) => r.model)).toEqual(['gpt-c', 'gpt-c', 'gpt-c', 'gpt-a']);
    expect(res.model).toBe('gpt-a');
  });

  it('500s are retried with our backoff on the fake clock, then fall back', async () => {
    const { openai, server, times } = await setup();
    server.script({ model: 'gpt-a' }, [replies.serverError('openai-chat'), replies.serverError('openai-chat'), replies.serverError('openai-chat')]);
    const res = await drive(openai.responses.create({ model: 'gpt-a', input: 'hi' }), h!.clock);
    expect(res.output_text).toBe('ok');
    expect(server.requests.every((r) => r.path === '/v1/responses')).toBe(true);
    expect(times('gpt-a')).toEqual([0, 100, 300]);
    expect(times('gpt-b')).toEqual([300]);
  });

  it('a hanging connection is cut by the attempt timeout on the fake clock', async () => {
    const { openai, server, clock, times } = await setup(['gpt-a', 'gpt-b'], { timeoutMs: 5_000, retry: false });
    server.script({ model: 'gpt-a' }, [replies.hang()]);
    const p = openai.chat.completions.create({ model: 'gpt-a', messages });
    await server.waitForRequests(1);
    await clock.advance(5_000);
    const res = await drive(p, clock);
    expect(res.model).toBe('gpt-b');
    expect(times()).toEqual([0, 5_000]);
    expect(h!.events.find((e) => e.name === 'failure')?.payload).toMatchObject({ model: 'gpt-a', kind: 'timeout' });
  });

  it('a response without usage is returned as it is', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.success('openai-chat', { model: 'gpt-a', usage: null })]);
    const res = await openai.chat.completions.create({ model: 'gpt-a', messages });
    expect(res.usage).toBeUndefined();
    expect(res.choices[0]!.message.content).toBe('ok');
  });

  it('a response that breaks HTTP is a network failure, retried; malformed rate-limit values are ignored', async () => {
    const { openai, server, seen, events } = await setup();
    server.script({ model: 'gpt-a' }, [
      replies.malformedHeaders(),
      replies.success('openai-chat', { model: 'gpt-a', headers: { 'x-ratelimit-remaining-requests': 'many', 'x-ratelimit-reset-requests': 'later', 'retry-after': '-1' } }),
    ]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h!.clock);
    expect(res.model).toBe('gpt-a');
    expect(server.requestsTo('gpt-a')).toHaveLength(2);
    expect(events.find((e) => e.name === 'failure')?.payload).toMatchObject({ kind: 'network', retryable: true });
    expect(seen).toEqual([]);
  });

  it('an SDK error without a status (connection refused) is a network failure', async () => {
    const { client, clock, server } = await setup(['gpt-a']);
    await server.close();
    const dead = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL }), client, { clock });
    const err = await drive(dead.chat.completions.create({ model: 'gpt-a', messages }), clock).catch((e: unknown) => e);
    expect(isAllModelsFailedError(err)).toBe(true);
    expect((err as { failures: { reason: string; error: { status?: number } }[] }).failures[0]).toMatchObject({ reason: 'network' });
    expect((err as { failures: { error: { status?: number } }[] }).failures[0]!.error.status).toBeUndefined();
  });

  it('stream: true returns the SDK stream untouched; a 429 before it is retried', async () => {
    const { openai, server, times } = await setup(['gpt-a']);
    server.script({ model: 'gpt-a' }, [replies.rateLimit('openai-chat', { retryAfterMs: 40 }), replies.openaiChatStream({ model: 'gpt-a', chunks: ['a', 'b', 'c'], usage: { input: 3, output: 3 } })]);
    const stream = await drive(openai.chat.completions.create({ model: 'gpt-a', messages, stream: true, stream_options: { include_usage: true } }), h!.clock);
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('abc');
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3 });
    expect(times('gpt-a')).toEqual([0, 40]);
    expect(server.requests[1]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('carries run options from the runOptions hook (a taskId from AsyncLocalStorage) without changing the SDK call', async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const { client, raw, server } = await setup();
    const task = new AsyncLocalStorage<string>();
    const openai = wrapOpenAI(raw, client, { runOptions: () => ({ taskId: task.getStore() }) });
    const taskIds: (string | undefined)[] = [];
    client.on('success', (e) => taskIds.push(e.taskId));
    await task.run('task-42', () => openai.chat.completions.create({ model: 'gpt-a', messages }));
    await openai.chat.completions.create({ model: 'gpt-a', messages });
    expect(taskIds).toEqual(['task-42', undefined]);
    expect(server.requests).toHaveLength(2);
  });

  it('adds stream_options.include_usage to a chat stream that lacks it, says so once, and the usage reaches the budget', async () => {
    const { openai, server, client } = await setup();
    const notices: string[] = [];
    client.on('stream:usage-requested', (e) => notices.push(e.model));
    const ends: unknown[] = [];
    client.on('stream:end', (e) => ends.push(e.usage));
    for (let i = 0; i < 2; i++) {
      server.script({ model: 'gpt-a' }, [replies.openaiChatStream({ model: 'gpt-a', chunks: ['x'], usage: { input: 4, output: 2 } })]);
      const stream = await openai.chat.completions.create({ model: 'gpt-a', messages, stream: true });
      for await (const _chunk of stream) void _chunk;
    }
    expect(server.requests.map((r) => r.body.stream_options)).toEqual([{ include_usage: true }, { include_usage: true }]);
    expect(notices).toEqual(['gpt-a']);
    expect(ends).toMatchObject([{ inputTokens: 4, outputTokens: 2 }, { inputTokens: 4, outputTokens: 2 }]);
  });

  it('an error event inside a 200 stream is left to the client’s stream layer: no replay, provider error kept in cause', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.openaiChatStream({ model: 'gpt-a', chunks: ['a', 'b'], errorAfter: 1 })]);
    const stream = await openai.chat.completions.create({ model: 'gpt-a', messages, stream: true });
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('a');
    expect(isStreamInterruptedError(err)).toBe(true);
    expect(err).toMatchObject({ model: 'gpt-a', chunks: 1, reason: 'server' });
    // `cause` is the provider's error seen through the credential mask: its fields read through, by name.
    const cause = (err as { cause?: { status?: number; code?: string } }).cause;
    expect([cause?.code, cause?.status]).toEqual(['server_error', undefined]);
    expect(server.requests).toHaveLength(1);
  });

  it('the caller’s abort is passed through and not retried', async () => {
    const { openai, server } = await setup();
    server.script({ model: 'gpt-a' }, [replies.hang()]);
    const ac = new AbortController();
    const p = openai.chat.completions.create({ model: 'gpt-a', messages }, { signal: ac.signal });
    await server.waitForRequests(1);
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    await tick();
    expect(err).toBeDefined();
    expect(isTimeoutError(err)).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('other client methods still work on the wrapped object', async () => {
    const { openai, raw } = await setup();
    expect(openai.baseURL).toBe(raw.baseURL);
    expect(typeof openai.withOptions).toBe('function');
    expect(openai.chat.completions.create).not.toBe(raw.chat.completions.create);
  });
});
