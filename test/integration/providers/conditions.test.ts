// Conditions of your own, with the real SDKs on loopback: answers judged by the caller retry or fall back.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { isAllModelsFailedError } from '../../../src/index.js';
import { wrapAnthropic } from '../../../src/providers/anthropic.js';
import { wrapOpenAI, withRunOptions } from '../../../src/providers/openai.js';
import { type Harness, drive, harness } from './helpers.js';
import { replies } from './server.js';

const messages = [{ role: 'user' as const, content: 'Give me JSON' }];
let h: Harness | undefined;
afterEach(async () => {
  h?.client.dispose();
  await h?.server.close();
  h = undefined;
});

const parses = (text: string | null | undefined) => {
  try {
    JSON.parse(text ?? '');
    return true;
  } catch {
    return false;
  }
};

describe('conditions of your own, real SDKs on loopback', () => {
  it('openai: an answer that is not JSON is retried on the same model at once, and the budget settles both answers', async () => {
    h = await harness(['gpt-a', 'gpt-b'], {
      budget: { day: { maxTokens: 1_000_000 } },
      conditions: { result: (r) => (parses((r as OpenAI.ChatCompletion).choices[0]?.message.content) ? 'accept' : { verdict: 'retry', reason: 'not JSON' }) },
    });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL, maxRetries: 0 }), h.client, { clock: h.clock });
    h.server.script({ model: 'gpt-a' }, [
      replies.success('openai-chat', { model: 'gpt-a', text: 'Sure! Here it is', usage: { input: 100, output: 40 } }),
      replies.success('openai-chat', { model: 'gpt-a', text: '{"ok":true}', usage: { input: 100, output: 10 } }),
    ]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h.clock);
    expect(res.choices[0]!.message.content).toBe('{"ok":true}');
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-a']);
    const retry = h.events.find((e) => e.name === 'retry')!.payload;
    expect(retry).toMatchObject({ model: 'gpt-a', reason: 'rejected', delayMs: 0 });
    expect(h.events.find((e) => e.name === 'failure')!.payload).toMatchObject({ kind: 'rejected', retryable: true });
    // Both answers were paid for: 200 in, 50 out.
    const day = (await h.client.budgetSnapshot())!.scopes.find((s) => s.scope === 'day')!;
    expect(day.usedTokens).toBe(250);
    expect(day.reservedTokens).toBe(0);
    expect(h.client.breakerState('gpt-a')).toBe('closed');
  });

  it('anthropic: a refusal phrased as text falls back to the next model; a condition that rejects everything ends in AllModelsFailedError naming each model', async () => {
    const refusesInText = (r: unknown) => ((r as Anthropic.Message).content.some((b) => b.type === 'text' && b.text.startsWith("I can't")) ? 'fallback' : 'accept');
    h = await harness(['claude-a', 'claude-b'], { conditions: { result: refusesInText } });
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test-not-a-real-key', baseURL: h.server.anthropicBaseURL, maxRetries: 0 }), h.client, { clock: h.clock });
    h.server.script({ model: 'claude-a' }, [replies.success('anthropic', { model: 'claude-a', text: "I can't help with that." })]);
    const res = await drive(anthropic.messages.create({ model: 'claude-a', max_tokens: 100, messages }), h.clock);
    expect(res.model).toBe('claude-b');
    expect(h.events.find((e) => e.name === 'fallback')!.payload).toMatchObject({ from: 'claude-a', to: 'claude-b', reason: 'rejected' });

    // Per call, through the wrapper: reject every answer. Bounded: one request per model, then the typed error.
    const before = h.server.requests.length;
    const error = await drive(
      anthropic.messages.create({ model: 'claude-a', max_tokens: 100, messages }, withRunOptions({ conditions: { result: () => 'fallback' } })).then(
        () => undefined,
        (e: unknown) => e,
      ),
      h.clock,
    );
    expect(isAllModelsFailedError(error)).toBe(true);
    expect((error as Error).message).toContain('claude-a (rejected)');
    expect((error as Error).message).toContain('claude-b (rejected)');
    expect(h.server.requests.length - before).toBe(2);
  });

  it('openai: an error condition turns a 400 the built-in reading ends on into a fallback, and can stop a 5xx from moving on', async () => {
    h = await harness(['gpt-a', 'gpt-b'], {
      conditions: {
        error: (e, { kind }) => {
          if (kind === 'client' && String((e as Error).message).includes('unknown tool')) return 'fallback';
          if (kind === 'server') return 'fail';
          return undefined;
        },
      },
    });
    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test-not-a-real-key-123456', baseURL: h.server.openaiBaseURL, maxRetries: 0 }), h.client, { clock: h.clock });
    h.server.script({ model: 'gpt-a' }, [replies.json(400, { error: { message: 'unknown tool: lookup', type: 'invalid_request_error', param: null, code: null } })]);
    const res = await drive(openai.chat.completions.create({ model: 'gpt-a', messages }), h.clock);
    expect(res.model).toBe('gpt-b');

    h.server.script({ model: 'gpt-a' }, [replies.json(500, { error: { message: 'boom', type: 'server_error', param: null, code: null } })]);
    const error = await drive(
      openai.chat.completions.create({ model: 'gpt-a', messages }).then(
        () => undefined,
        (e: unknown) => e,
      ),
      h.clock,
    );
    // 'fail': no retry, no next model; the provider's own error.
    expect((error as { status?: number }).status).toBe(500);
    expect(h.server.requests.map((r) => r.model)).toEqual(['gpt-a', 'gpt-b', 'gpt-a']);
  });
});
