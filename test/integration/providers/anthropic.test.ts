import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { isStreamInterruptedError } from '../../../src/index.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import type { RateLimitInfo } from '../../../src/classify/ratelimit-headers.js';
import { type Harness, drive, harness } from './helpers.js';
import { anthropicRateLimitHeaders, replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

async function setup(models = ['claude-a', 'claude-b']) {
  h = await harness(models);
  const seen: { model: string; info: RateLimitInfo }[] = [];
  const raw = new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL });
  const anthropic = wrapAnthropic(raw, h.client, { clock: h.clock, onRateLimit: (model, info) => seen.push({ model, info }) });
  return { ...h, anthropic, raw, seen };
}

describe('wrapAnthropic against the real @anthropic-ai/sdk package', () => {
  it('returns the message with usage, SDK retries off, rate-limit headers read', async () => {
    const { anthropic, server, seen, t0 } = await setup();
    const reset = new Date(t0 + 30_000).toISOString();
    server.script({ model: 'claude-a' }, [replies.success('anthropic', { model: 'claude-a', usage: { input: 12, output: 7 }, headers: anthropicRateLimitHeaders({ remainingRequests: 3, resetRequests: reset }) })]);
    const msg = await anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages });
    expect(msg.usage).toMatchObject({ input_tokens: 12, output_tokens: 7 });
    expect(server.requests[0]!.headers['x-stainless-retry-count']).toBe('0');
    expect(server.requests[0]!.headers).not.toHaveProperty('x-api-key');
    expect(seen[0]).toMatchObject({ model: 'claude-a', info: { requests: { limit: 50, remaining: 3, resetAt: t0 + 30_000 } } });
  });

  it('529 overloaded is retried with our backoff, and the SDK adds no attempt', async () => {
    const { anthropic, server, times, events } = await setup();
    server.script({ model: 'claude-a' }, [replies.overloaded()]);
    const msg = await drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages }), h!.clock);
    expect(msg.model).toBe('claude-a');
    expect(times('claude-a')).toEqual([0, 100]);
    expect(events.find((e) => e.name === 'failure')?.payload).toMatchObject({ kind: 'overloaded', status: 529 });
  });

  // A chain of one: with a backup that has room, a 429 spills there instead of waiting.
  it('transient 429 with retry-after waits on the fake clock', async () => {
    const { anthropic, server, times } = await setup(['claude-a']);
    server.script({ model: 'claude-a' }, [replies.rateLimit('anthropic', { retryAfter: 3 })]);
    await drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages }), h!.clock);
    expect(times('claude-a')).toEqual([0, 3_000]);
    expect(server.requests).toHaveLength(2);
  });

  it('spend limit reached (429 quota) falls back at once, no retry', async () => {
    const { anthropic, server, times, events } = await setup();
    server.script({ model: 'claude-a' }, [replies.quota('anthropic')]);
    const msg = await drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 64, messages }), h!.clock);
    expect(msg.model).toBe('claude-b');
    expect(times()).toEqual([0, 0]);
    expect(events.find((e) => e.name === 'fallback')?.payload).toMatchObject({ reason: 'quota' });
  });

  it('messages.stream: connecting is retried, then the MessageStream is the SDK’s own', async () => {
    const { anthropic, server, times } = await setup();
    server.script({ model: 'claude-a' }, [replies.overloaded(), replies.anthropicStream({ model: 'claude-a', chunks: ['Hi', ' there'], usage: { input: 4, output: 2 } })]);
    const stream = anthropic.messages.stream({ model: 'claude-a', max_tokens: 64, messages });
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const final = await drive(stream.finalMessage(), h!.clock);
    expect(texts.join('')).toBe('Hi there');
    expect(final.usage).toMatchObject({ input_tokens: 4, output_tokens: 2 });
    expect(times('claude-a')).toEqual([0, 100]);
    expect(server.requests[1]!.body).toMatchObject({ stream: true, model: 'claude-a' });
  });

  it('messages.stream falls back to the next model when the primary is out of quota', async () => {
    const { anthropic, server } = await setup();
    server.script({ model: 'claude-a' }, [replies.quota('anthropic')]);
    server.script({ model: 'claude-b' }, [replies.anthropicStream({ model: 'claude-b' })]);
    const final = await drive(anthropic.messages.stream({ model: 'claude-a', max_tokens: 64, messages }).finalMessage(), h!.clock);
    expect(final.model).toBe('claude-b');
    expect(server.requests.map((r) => r.model)).toEqual(['claude-a', 'claude-b']);
  });

  it('an overloaded_error event inside a 200 stream: MessageStream rejects, the provider error kept in the cause chain, no replay', async () => {
    const { anthropic, server } = await setup();
    server.script({ model: 'claude-a' }, [replies.anthropicStream({ model: 'claude-a', chunks: ['a', 'b'], errorAfter: 1 })]);
    const err = await anthropic.messages.stream({ model: 'claude-a', max_tokens: 64, messages }).finalMessage().catch((e: unknown) => e);
    // The client's stream layer reports the interruption; MessageStream wraps whatever its iterator threw.
    const chain: unknown[] = [];
    for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
    expect(chain.some((e) => isStreamInterruptedError(e))).toBe(true);
    // The provider's error, seen through the credential mask: its fields read through, by name.
    const last = chain.at(-1) as { status?: number; type?: string };
    expect([last.type, last.status]).toEqual(['overloaded_error', undefined]);
    expect(server.requests).toHaveLength(1);
  });
});
